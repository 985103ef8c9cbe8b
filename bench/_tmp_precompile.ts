import { ChatModel } from '../src/model';
(async () => {
  const weights = process.argv[2] as 'fed' | 'baked';
  const rss0 = process.memoryUsage().rss;
  const m = await ChatModel.load('/work/main/models/default', { capacity: 512, maxBatch: 8, weights });
  const rss1 = process.memoryUsage().rss;
  const r = await m.generator.precompile();
  const rss2 = process.memoryUsage().rss;
  const prompt = m.promptIds([{ role: 'user', content: 'How much is the Growth plan for 5 people?' }], 64);
  const time = async (n: number) => { const t = performance.now(); const res = await Promise.all(Array.from({ length: n }, (_, i) => m.generator.submit({ prompt, maxNewTokens: 64, seed: i, temperature: 0.7 }).result)); const tok = res.reduce((a, r) => a + r.tokens.length, 0); return tok / ((performance.now() - t) / 1000); };
  await time(8);
  const out: Record<string, number> = {};
  for (const n of [1, 8, 1, 8]) out[`b${n}`] = Math.round(await time(n));
  console.log(JSON.stringify({ weights, ...r, rssLoadMiB: (rss1 - rss0) / 2 ** 20, rssCompileMiB: (rss2 - rss1) / 2 ** 20, ...out }));
  await m.release();
})();
