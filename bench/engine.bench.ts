/**
 * Engine benchmark: prints one JSON line per measurement.
 *   npm run bench:engine [-- --threads 2 --steps 5]
 * - matmul_peak: plain ORT MatMuls, chained in one session (the ceiling for GEMM-bound work here)
 * - transformer_block_train_step: forward + backward + AdamW of one pre-norm Llama-style block
 *   (RMSNorm, 4-head causal attention, SwiGLU MLP), d_model 256, seq 256, batch 8, as one ORT call
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { buildTrainingProgram, createSession, exportOnnx, Graph, init, ops as T, Rng, tensor, Trainer, Value } from '../src/engine';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const threads = Number(args.get('threads') ?? 2);
const steps = Number(args.get('steps') ?? 5);
const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version, intra_op_threads: threads };

function emit(record: Record<string, unknown>) {
  console.log(JSON.stringify({ ...record, machine }));
}

/** Median seconds per call over `trials` timed batches of `reps` calls, after a warm-up. */
async function timeRuns(run: () => Promise<unknown>, warmup: number, reps: number, trials = 5): Promise<number> {
  for (let i = 0; i < warmup; i++) await run();
  const perCall: number[] = [];
  for (let t = 0; t < trials; t++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await run();
    perCall.push((performance.now() - t0) / 1000 / reps);
  }
  return perCall.sort((a, b) => a - b)[Math.floor(trials / 2)];
}

/**
 * Sustained GEMM throughput inside one ORT call: a chain of `depth` n×n MatMuls (x ← x·w),
 * so per-call overhead and output copies do not hide the kernel's speed.
 */
async function matmulPeak(n: number, depth: number) {
  const g = new Graph();
  const x0 = g.input('x', [n, n]);
  const w = g.input('w', [n, n]);
  let x = x0;
  for (let i = 0; i < depth; i++) x = T.matmul(x, w);
  const session = await createSession(exportOnnx(g, { outputs: { y: x } }), { intraOpThreads: threads });
  const rng = new Rng(1);
  const feeds = {
    x: tensor('float32', Float32Array.from({ length: n * n }, () => rng.normal()), [n, n]),
    // orthogonal-ish scale keeps the chain's values bounded
    w: tensor('float32', Float32Array.from({ length: n * n }, () => rng.normal() / Math.sqrt(n)), [n, n]),
  };
  const seconds = await timeRuns(() => session.run(feeds), 3, 5);
  await session.release();
  return (depth * 2 * n ** 3) / seconds / 1e9;
}

function rmsNorm(x: Value, weight: Value): Value {
  const ms = T.reduceMean(T.mul(x, x), [-1], true);
  return T.mul(T.mul(x, T.reciprocal(T.sqrt(T.add(ms, 1e-6)))), weight);
}

function transformerBlock(g: Graph, x: Value, B: number, S: number, D: number, H: number, F: number): Value {
  const hd = D / H;
  const heads = (t: Value) => T.transpose(T.reshape(t, [B, S, H, hd]), [0, 2, 1, 3]);
  const h = rmsNorm(x, g.param('attn_norm', [D], init.ones()));
  const q = heads(T.matmul(h, g.param('wq', [D, D], init.normal(0.02))));
  const k = heads(T.matmul(h, g.param('wk', [D, D], init.normal(0.02))));
  const v = heads(T.matmul(h, g.param('wv', [D, D], init.normal(0.02))));
  const causal = g.constant(Uint8Array.from({ length: S * S }, (_, i) => (i % S <= Math.floor(i / S) ? 1 : 0)), [S, S], 'bool');
  const scores = T.where(causal, T.mul(T.matmul(q, T.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(hd)), -1e9);
  const attn = T.reshape(T.transpose(T.matmul(T.softmax(scores, -1), v), [0, 2, 1, 3]), [B, S, D]);
  const x1 = T.add(x, T.matmul(attn, g.param('wo', [D, D], init.normal(0.02))));
  const h2 = rmsNorm(x1, g.param('mlp_norm', [D], init.ones()));
  const gate = T.silu(T.matmul(h2, g.param('w_gate', [D, F], init.normal(0.02))));
  const up = T.matmul(h2, g.param('w_up', [D, F], init.normal(0.02)));
  return T.add(x1, T.matmul(T.mul(gate, up), g.param('w_down', [F, D], init.normal(0.02))));
}

async function blockTrainStep(peak: number) {
  const [B, S, D, H, F] = [8, 256, 256, 4, 1024];
  const g = new Graph();
  const x = g.input('x', [B, S, D]);
  const target = g.input('target', [B, S, D]);
  const y = transformerBlock(g, x, B, S, D, H, F);
  const loss = T.meanAll(T.mul(y, target));
  const program = buildTrainingProgram(g, loss, { optimizer: { kind: 'adamw' }, maxGradNorm: 1 });
  const trainer = await Trainer.create(program, { seed: 1, intraOpThreads: threads });
  const rng = new Rng(2);
  const batch = {
    x: Float32Array.from({ length: B * S * D }, () => rng.normal()),
    target: Float32Array.from({ length: B * S * D }, () => rng.normal()),
  };
  const seconds = await timeRuns(() => trainer.step(batch, { lr: 1e-3 }), 2, steps, 3);
  // Matmul FLOPs per token, forward: QKV+O 8·D², SwiGLU 6·D·F, scores and A·V 4·S·D (full, masked).
  // Backward costs two matmuls per forward matmul, so a train step is 3x forward.
  const tokens = B * S;
  const flops = 3 * tokens * (8 * D * D + 6 * D * F + 4 * S * D);
  const achieved = flops / seconds / 1e9;
  emit({
    bench: 'transformer_block_train_step',
    shape: { batch: B, seq: S, d_model: D, heads: H, d_ff: F },
    params: program.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0),
    step_seconds: round(seconds),
    tokens_per_s: Math.round(tokens / seconds),
    flops_per_step: flops,
    achieved_gflops: round(achieved),
    matmul_peak_gflops: round(peak),
    ratio_to_matmul_peak: round(achieved / peak),
  });
  await trainer.release();
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function main() {
  let peak = 0;
  for (const [n, depth] of [
    [512, 16],
    [1024, 8],
  ]) {
    const gflops = await matmulPeak(n, depth);
    peak = Math.max(peak, gflops);
    emit({ bench: 'matmul_peak', shape: [n, n, n], chain: depth, gflops: round(gflops) });
  }
  await blockTrainStep(peak);
}

void main();
