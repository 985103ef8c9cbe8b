/**
 * Where a batched decode step's time goes (issue #27: batch 8 ≥ 4× and batch 32 ≥ 6× batch 1).
 *   npm run bench:decode-step [-- --model DIR --batches 1,8,32 --threads 1,2 --runs 300 --tokens 64]
 * Per ORT thread count and batch size, measured in the same run:
 * - `run_ms`: `session.run` alone of the served decode step (baked weights, as `decode-baked`
 *   serves them) at every capacity bucket up to 512 slots, median of `runs` after a warm-up;
 * - `fixed_ms` and `per_slot_us`: a least-squares line through those, run_ms ≈ fixed + C · per_slot.
 *   `fixed_ms` is what the step costs with no cache to read (weights, norms, rotary, sampling head,
 *   the call itself); `per_slot_us` what each cache slot of all rows adds (attention over the cache);
 * - `engine_step_ms`: a step of `bench:generate`'s greedy decode (`engineDecode`: CausalLm.forward
 *   and argmax, the cache growing through its buckets), and `outside_run_ms`: that minus the
 *   `run_ms` of the buckets its steps used: the JS around the call (inputs, cache writes, argmax).
 * The closing `decode-step-summary` line gives, per thread count, each part's ratio of tokens/s at
 * batch B over batch 1: what batching buys in the whole step, in the call, and in its fixed part.
 * Batch 1 always runs on one thread, as CausalLm runs it.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { shippedCatalog, systemPrompt } from '../src/catalog';
import { createSession, exportOnnx, tensor } from '../src/engine';
import { ChatModel } from '../src/model';
import { capacityBucket, capacityBucketValues } from '../src/model/kv-cache';
import { buildStepGraph, KV_KINDS, kvNames, pastBiasShape, servingWeights } from '../src/model/step-graph';
import { loadCheckpoint } from '../src/model/checkpoint';
import { engineDecode } from './support/engine-decode';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const dir = args.get('model') ?? 'models/default';
const batches = (args.get('batches') ?? '1,8,32').split(',').map(Number);
const threadCounts = (args.get('threads') ?? '1,2').split(',').map(Number);
const runs = Number(args.get('runs') ?? 300);
const newTokens = Number(args.get('tokens') ?? 64);
const maxCapacity = 512;
const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version };
const emit = (r: Record<string, unknown>) => console.log(JSON.stringify({ ...r, model: dir, machine }));
const round = (x: number) => Math.round(x * 1000) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** run_ms ≈ fixed + per_slot · C, least squares. */
function fitLine(points: [number, number][]): { fixed: number; perSlot: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const perSlot = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return { fixed: my - perSlot * mx, perSlot };
}

async function main() {
  const checkpoint = await loadCheckpoint(dir);
  const c = checkpoint.config;
  const weights = servingWeights(c, new Map([...checkpoint.tensors].map(([name, t]) => [name, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data)])));
  const bakedParams = new Map([...weights].map(([name, w]) => [name, w.data]));
  const capacities = capacityBucketValues(64, maxCapacity);

  /** Median session.run of the served decode step, every row holding all but 20 of its C slots. */
  const timeStep = async (batch: number, capacity: number, threads: number): Promise<number> => {
    const step = buildStepGraph(c, batch, 1, capacity);
    const session = await createSession(exportOnnx(step.graph, { outputs: { logits: step.logits, log_z: step.logZ, ...step.freshKv }, bakedParams }), { intraOpThreads: threads });
    const hd = c.headDim;
    const bias = new Float32Array(batch * capacity).fill(-1e9);
    for (let b = 0; b < batch; b++) bias.fill(0, b * capacity, (b + 1) * capacity - 20);
    const feeds: Record<string, ReturnType<typeof tensor>> = {
      input_ids: tensor('int64', BigInt64Array.from({ length: batch }, (_, b) => BigInt(100 + b)), [batch, 1]),
      rope_cos: tensor('float32', new Float32Array(batch * hd).fill(0.5), [batch, 1, 1, hd]),
      rope_sin: tensor('float32', new Float32Array(batch * hd).fill(0.5), [batch, 1, 1, hd]),
      past_bias: tensor('float32', bias, pastBiasShape(c, batch, 1, capacity)),
    };
    for (let l = 0; l < c.numLayers; l++) {
      for (const kind of KV_KINDS) {
        feeds[kvNames.past(l, kind)] = tensor('float32', Float32Array.from({ length: batch * c.numKvHeads * capacity * hd }, (_, i) => Math.sin(i) / 2), [batch, c.numKvHeads, capacity, hd]);
      }
    }
    for (let i = 0; i < 50; i++) await session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t0);
    }
    await session.release();
    return median(times);
  };

  const summary: Record<string, Record<string, number>> = {};
  for (const threads of threadCounts) {
    const model = await ChatModel.load(dir, { intraOpThreads: threads, capacity: maxCapacity, maxBatch: Math.max(...batches), weights: 'baked' });
    const lm = model.generator.lm;
    const prompt = model.promptIds([{ role: 'system', content: systemPrompt(shippedCatalog()) }, { role: 'user', content: 'Hi, how much is the Growth plan for 12 people?' }], newTokens);
    const perBatch = new Map<number, { engineStep: number; runAt: number; fixed: number }>();
    for (const batch of batches) {
      const stepThreads = batch === 1 ? 1 : threads;
      const runMs = new Map<number, number>();
      for (const capacity of capacities) runMs.set(capacity, await timeStep(batch, capacity, stepThreads));
      const { fixed, perSlot } = fitLine([...runMs]);
      await engineDecode(lm, prompt, batch, newTokens); // warm-up: compiles the shapes it uses
      const best = Math.max(...[await engineDecode(lm, prompt, batch, newTokens), await engineDecode(lm, prompt, batch, newTokens), await engineDecode(lm, prompt, batch, newTokens)].map((r) => r.decodeTokensPerS));
      const engineStep = (batch * 1000) / best;
      // The buckets engineDecode's steps read: step i holds the prompt and i + 1 new tokens.
      const visited = Array.from({ length: newTokens - 1 }, (_, i) => runMs.get(capacityBucket(prompt.length + i + 2, 64, maxCapacity))!);
      const runAt = visited.reduce((s, x) => s + x, 0) / visited.length;
      perBatch.set(batch, { engineStep, runAt, fixed });
      emit({
        bench: 'decode-step',
        threads: stepThreads,
        batch,
        prompt_tokens: prompt.length,
        new_tokens: newTokens,
        run_ms: Object.fromEntries([...runMs].map(([cap, ms]) => [cap, round(ms)])),
        fixed_ms: round(fixed),
        per_slot_us: round(perSlot * 1000),
        engine_step_ms: round(engineStep),
        engine_tokens_per_s: Math.round(best),
        run_ms_at_engine_buckets: round(runAt),
        outside_run_ms: round(engineStep - runAt),
      });
    }
    await model.release();
    const one = perBatch.get(1);
    if (!one) continue;
    for (const [batch, p] of perBatch) {
      if (batch === 1) continue;
      const gain = (mine: number, single: number) => round((batch * single) / mine);
      summary[`threads_${threads}_batch_${batch}`] = { engine_step: gain(p.engineStep, one.engineStep), run: gain(p.runAt, one.runAt), fixed_part: gain(p.fixed, one.fixed) };
    }
  }
  emit({ bench: 'decode-step-summary', tokens_per_s_over_batch1: summary, targets: { batch_8: 4, batch_32: 6 } });
}

void main();
