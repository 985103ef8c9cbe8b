/**
 * Memory of serving two versions at once (champion and canary), each in its inference thread as
 * the server serves it (every step shape compiled at load unless --no-precompile; --weights as
 * POLICY_WEIGHTS): the process's resident memory before, after a first served model has answered
 * a few replies, and after a second one has. Prints one JSON line:
 *   npm run bench:served-versions [-- --model DIR --replies 3 --max-batch 8 --weights auto|baked|fed|decode-baked --no-precompile]
 * The conversation caches each served version keeps between turns come on top, up to their budget
 * (CONVERSATION_CACHE_BYTES, 256 MiB each) under traffic.
 */
import { ServedModel, WeightMode } from '../src/model';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1] ?? ''));
const dir = args.get('model') ?? 'models/default';
const replies = Number(args.get('replies') ?? 3);
const maxBatch = Number(args.get('max-batch') ?? 8);
const weights = args.get('weights') && args.get('weights') !== 'auto' ? (args.get('weights') as WeightMode) : undefined;
const precompile = !args.has('no-precompile');

const residentMiB = () => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;

async function served(): Promise<ServedModel> {
  const model = await ServedModel.load(dir, { capacity: 512, maxBatch, maxQueue: 64, precompile, weights, cacheBytes: 256 * 2 ** 20 });
  const prompt = model.promptIds([{ role: 'user', content: 'How much is Growth for 5 people?' }], 40);
  for (let seed = 0; seed < replies; seed++) await model.submit({ prompt, maxNewTokens: 40, seed, temperature: 0.7 }).result;
  return model;
}

async function main(): Promise<void> {
  const before = residentMiB();
  const champion = await served();
  const one = residentMiB();
  const canary = await served();
  const two = residentMiB();
  console.log(JSON.stringify({ bench: 'served-versions', model: dir, replies, max_batch: maxBatch, weights: weights ?? 'auto', precompile, warmup: champion.warmup ?? null, rss_before_mib: before, first_version_mib: +(one - before).toFixed(1), second_version_mib: +(two - one).toFixed(1), ratio_second_to_first: +((two - one) / (one - before)).toFixed(2) }));
  await Promise.all([champion.release(), canary.release()]);
}

void main();
