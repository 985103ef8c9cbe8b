/**
 * A Hugging Face checkpoint on this engine, measured (prints JSON lines):
 *   npm run bench:models -- --model DIR [--weights fed|baked] [--threads 2] [--batches 1,8] [--tokens 32]
 *                           [--prompt 64] [--train-seq 128] [--train-steps 2] [--lora-rank R --lora-targets q_proj,v_proj]
 *   (--train-seq 0 skips training)
 * - `load`: checkpoint read (safetensors → float32) and serving set-up, seconds; resident memory
 *   and JS array buffers after it;
 * - `decode`: greedy decode tokens/s per batch size (--batches '' skips) after a prompt prefill, and memory once the
 *   sessions for those shapes exist (one weight copy shared by all, when weights are fed);
 * - `train`: one step (forward + backward + AdamW) on `train-seq` tokens, seconds: every weight, or
 *   with --lora-rank a LoRA adapter over the frozen (fed) base.
 * Random-weight checkpoints of real shapes: bench/random-checkpoint.ts.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildTrainingProgram, Rng, Trainer } from '../src/engine';
import { buildCausalLmGraph, CausalLm, loadCheckpoint, RowLogits, loraConfig, SequenceKv } from '../src/model';
import { bucket } from '../src/model/kv-cache';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const dir = args.get('model') ?? 'models/default';
const weights = args.get('weights') as 'baked' | 'fed' | undefined;
const threads = Number(args.get('threads') ?? 2);
const batches = (args.get('batches') ?? '1,8').split(',').filter(Boolean).map(Number);
const newTokens = Number(args.get('tokens') ?? 32);
const promptLength = Number(args.get('prompt') ?? 64);
const trainSeq = Number(args.get('train-seq') ?? 128);
const trainSteps = Number(args.get('train-steps') ?? 2);
const loraRank = args.get('lora-rank');
const lora = loraRank ? loraConfig(Number(loraRank), (args.get('lora-targets') ?? 'q_proj,v_proj').split(',')) : undefined;
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
/** Memory once garbage is collected: what stays held. */
const memory = () => (gc(), { rss_mib: mb(process.memoryUsage().rss), array_buffers_mib: mb(process.memoryUsage().arrayBuffers) });
const emit = (r: Record<string, unknown>) => console.log(JSON.stringify({ ...r, model: dir, weights: weights ?? 'default', threads }));
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function argmax({ logits }: RowLogits): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

async function main() {
  const t0 = performance.now();
  const { lm, readS, params } = await (async () => {
    // The checkpoint's own arrays are dropped once serving holds its layout, as in ChatModel.load.
    const checkpoint = await loadCheckpoint(dir);
    const readS = (performance.now() - t0) / 1000;
    const params = [...checkpoint.tensors.values()].reduce((n, t) => n + t.data.length, 0);
    const lm = new CausalLm(checkpoint, Math.min(checkpoint.config.maxPositions, promptLength + newTokens + 16), { intraOpThreads: threads, weights });
    return { lm, readS, params };
  })();
  const c = lm.config;
  emit({ bench: 'load', model_type: c.modelType, parameters: params, float32_mib: mb(params * 4), read_s: round(readS), serving_setup_s: round((performance.now() - t0) / 1000 - readS), ...memory() });

  const rng = new Rng(1);
  const prompt = Array.from({ length: promptLength }, () => rng.int(c.vocabSize));
  for (const batch of batches) {
    const run = async () => {
      const cache = lm.newCache();
      cache.fit(batch, promptLength);
      for (let b = 0; b < batch; b++) cache.load(b, new SequenceKv(c), 0);
      const tp = performance.now();
      let next = (await lm.forward(cache, 0, Array.from({ length: batch }, () => prompt), bucket(promptLength, 16, 256))).map(argmax);
      const prefillS = (performance.now() - tp) / 1000;
      const td = performance.now();
      for (let i = 1; i < newTokens; i++) {
        cache.fit(batch, cache.lengths[0] + 1);
        next = (await lm.forward(cache, 0, next.map((t) => [t]), 1)).map(argmax);
      }
      return { prefillS, decodeTokensPerS: (batch * (newTokens - 1)) / ((performance.now() - td) / 1000) };
    };
    const tc = performance.now();
    await run(); // compiles this batch's session shapes
    const firstRunS = (performance.now() - tc) / 1000;
    const best = [await run(), await run()].reduce((a, b) => (b.decodeTokensPerS > a.decodeTokensPerS ? b : a));
    emit({ bench: 'decode', batch, prompt_tokens: promptLength, new_tokens: newTokens, first_run_s: round(firstRunS), prefill_s: round(best.prefillS), decode_tokens_per_s: round(best.decodeTokensPerS, 1), ...memory() });
  }
  await lm.release();

  if (trainSeq > 0) {
    const checkpoint = await loadCheckpoint(dir);
    const tt = performance.now();
    const graph = buildCausalLmGraph(c, 1, trainSeq, 'float32', { lora });
    const trainer = await Trainer.create(buildTrainingProgram(graph.graph, graph.loss, { optimizer: { kind: 'adamw', weightDecay: 0 }, maxGradNorm: 1 }), { seed: 0, intraOpThreads: threads });
    // Full fine-tuning trains the checkpoint's weights; LoRA feeds them, frozen, with every step.
    const weights = Object.fromEntries([...checkpoint.tensors].map(([name, t]) => [name, t.data]));
    if (!lora) for (const [name, data] of Object.entries(weights)) trainer.params.set(name, data);
    const setupS = (performance.now() - tt) / 1000;
    const ids = BigInt64Array.from({ length: trainSeq }, () => BigInt(rng.int(c.vocabSize)));
    const batch = { input_ids: ids, target_ids: ids.map((_, i) => ids[(i + 1) % trainSeq]), loss_mask: new Float32Array(trainSeq).fill(1), ...(lora ? weights : {}) };
    const times: number[] = [];
    for (let s = 0; s < trainSteps; s++) {
      const ts = performance.now();
      await trainer.step(batch, { lr: 1e-5 });
      times.push((performance.now() - ts) / 1000);
    }
    const trained = [...trainer.params.values()].reduce((n, v) => n + v.length, 0);
    emit({ bench: 'train', ...(lora ? { lora_rank: lora.rank, lora_targets: lora.targets } : { full: true }), trained_parameters: trained, sequence_tokens: trainSeq, setup_s: round(setupS), step_s: round(Math.min(...times)), steps: trainSteps, ...memory() });
    await trainer.release();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
