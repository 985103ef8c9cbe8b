/**
 * Generation benchmark on a model folder (default: models/default). Prints JSON lines:
 *   npm run bench:generate [-- --model DIR --tokens 64 --threads 2]
 * - time to first token (prefill of a chat prompt + first sample) and decode tokens/s with the
 *   KV cache, for batch 1 and batch 8;
 * - the baseline measured in the same run: the same decode without a cache, i.e. the whole
 *   context re-run for every new token.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { defaultCatalog } from '../src/catalog';
import { ChatModel } from '../src/model';
import { systemPrompt } from '../src/model/default-model/corpus';
import { sampleToken, defaultSampling } from '../src/model/sampling';
import { Rng } from '../src/engine';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const dir = args.get('model') ?? 'models/default';
const newTokens = Number(args.get('tokens') ?? 64);
const threads = Number(args.get('threads') ?? 2);
const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version, intra_op_threads: threads };
const emit = (r: Record<string, unknown>) => console.log(JSON.stringify({ ...r, model: dir, machine }));
const round = (x: number) => Math.round(x * 1000) / 1000;

async function main() {
  const model = await ChatModel.load(dir, { intraOpThreads: threads });
  const lm = model.generator.lm;
  const prompt = model.promptIds(
    [
      { role: 'system', content: systemPrompt(defaultCatalog) },
      { role: 'user', content: 'Hi, how much is the Growth plan for 12 people?' },
    ],
    newTokens,
  );
  const greedy = { ...defaultSampling, temperature: 0 };

  for (const batch of [1, 8]) {
    // warm-up compiles the prefill and decode sessions for this batch size
    await lm.append(lm.newCache(batch), Array.from({ length: batch }, () => prompt));
    const cache = lm.newCache(batch);
    const t0 = performance.now();
    let logits = await lm.append(cache, Array.from({ length: batch }, () => prompt));
    let next = logits.map((l) => [sampleToken(l!, [], greedy, new Rng(0)).token]);
    const ttft = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 1; i < newTokens; i++) {
      logits = await lm.append(cache, next);
      next = logits.map((l) => [sampleToken(l!, [], greedy, new Rng(0)).token]);
    }
    const decodeSeconds = (performance.now() - t1) / 1000;
    const cached = (batch * (newTokens - 1)) / decodeSeconds;

    // Baseline: no cache reuse; every token re-runs the whole context from an empty cache.
    const contexts = Array.from({ length: batch }, () => [...prompt]);
    const steps = Math.min(16, newTokens - 1);
    await lm.append(lm.newCache(batch), contexts.map((c) => [...c, 0]));
    const t2 = performance.now();
    for (let i = 0; i < steps; i++) {
      const out = await lm.append(lm.newCache(batch), contexts);
      out.forEach((l, b) => contexts[b].push(sampleToken(l!, [], greedy, new Rng(0)).token));
    }
    const uncached = (batch * steps) / ((performance.now() - t2) / 1000);
    emit({
      bench: 'generate',
      batch,
      prompt_tokens: prompt.length,
      new_tokens: newTokens,
      time_to_first_token_ms: round(ttft),
      decode_tokens_per_s: round(cached),
      no_cache_decode_tokens_per_s: round(uncached),
      kv_cache_speedup: round(cached / uncached),
    });
  }
  await model.release();
}

void main();
