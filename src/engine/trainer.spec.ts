import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, Initializer } from './graph';
import { init } from './init';
import { OptimizerConfig } from './optimizers';
import { Rng } from './rng';
import { readSafetensors } from './safetensors';
import * as T from './tensor-ops';
import { Trainer } from './trainer';
import { buildTrainingProgram } from './training-program';

const fixed = (values: number[]): Initializer => () => values;

/** loss = Σ p·c, so ∂loss/∂p = c exactly. */
async function linearLossTrainer(p0: number[], c: number[], optimizer: OptimizerConfig, maxGradNorm?: number) {
  const g = new Graph('float64');
  const p = g.param('p', [p0.length], fixed(p0));
  const coeff = g.input('c', [c.length]);
  const program = buildTrainingProgram(g, T.sumAll(T.mul(p, coeff)), { optimizer, maxGradNorm });
  const trainer = await Trainer.create(program, { seed: 1 });
  return { trainer, feeds: { c: Float64Array.from(c) } };
}

describe('optimizers', () => {
  it('two AdamW steps equal a hand-computed reference', async () => {
    const p0 = [1, -2, 0.5];
    const c = [0.3, -1.5, 2];
    const cfg = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };
    const lr = 0.05;
    const { trainer, feeds } = await linearLossTrainer(p0, c, { kind: 'adamw', ...cfg });
    await trainer.step(feeds, { lr });
    await trainer.step(feeds, { lr });

    // The reference, written out for a constant gradient c.
    const expected = p0.map((p, i) => {
      let m = 0;
      let v = 0;
      for (let t = 1; t <= 2; t++) {
        m = cfg.beta1 * m + (1 - cfg.beta1) * c[i];
        v = cfg.beta2 * v + (1 - cfg.beta2) * c[i] ** 2;
        const mHat = m / (1 - cfg.beta1 ** t);
        const vHat = v / (1 - cfg.beta2 ** t);
        p = p * (1 - lr * cfg.weightDecay) - (lr * mHat) / (Math.sqrt(vHat) + cfg.eps);
      }
      return p;
    });
    const got = Array.from(trainer.params.get('p')!);
    got.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 12));
    expect(trainer.stepCount).toBe(2);
  });

  it('SGD with weight decay: p ← p − lr·(g + wd·p)', async () => {
    const { trainer, feeds } = await linearLossTrainer([1, 2], [3, -4], { kind: 'sgd', weightDecay: 0.5 });
    const { loss } = await trainer.step(feeds, { lr: 0.1 });
    expect(loss).toBeCloseTo(3 - 8, 12);
    expect(Array.from(trainer.params.get('p')!)).toEqual([1 - 0.1 * (3 + 0.5), 2 - 0.1 * (-4 + 1)].map((x) => expect.closeTo(x, 12)));
  });

  it('global gradient-norm clipping scales the whole gradient to maxNorm', async () => {
    const { trainer, feeds } = await linearLossTrainer([0, 0], [3, 4], { kind: 'sgd' }, 1);
    const { gradNorm } = await trainer.step(feeds, { lr: 1 });
    expect(gradNorm).toBeCloseTo(5, 12);
    const p = Array.from(trainer.params.get('p')!);
    expect(p[0]).toBeCloseTo(-0.6, 6);
    expect(p[1]).toBeCloseTo(-0.8, 6);
  });

  it('accumulating two half batches equals one step on the full batch', async () => {
    const rng = new Rng(3);
    const xs = Float64Array.from({ length: 4 * 3 }, () => rng.normal());
    const ys = Float64Array.from({ length: 4 }, () => rng.normal());
    const build = (batch: number) => {
      const g = new Graph('float64');
      const w = g.param('w', [3, 1], init.normal(0.5));
      const x = g.input('x', [batch, 3]);
      const y = g.input('y', [batch, 1]);
      const err = T.sub(T.matmul(x, w), y);
      return buildTrainingProgram(g, T.meanAll(T.mul(err, err)), { optimizer: { kind: 'adamw' }, maxGradNorm: 10 });
    };
    const full = await Trainer.create(build(4), { seed: 9 });
    const half = await Trainer.create(build(2), { seed: 9 });
    await full.step({ x: xs, y: ys }, { lr: 0.1 });
    await half.accumulate({ x: xs.slice(0, 6), y: ys.slice(0, 2) });
    await half.accumulate({ x: xs.slice(6), y: ys.slice(2) });
    await half.applyAccumulated({ lr: 0.1 });
    const a = Array.from(full.params.get('w')!);
    Array.from(half.params.get('w')!).forEach((x, i) => expect(x).toBeCloseTo(a[i], 12));
  });

  it('refuses a plain step while micro-batch gradients are pending', async () => {
    const { trainer, feeds } = await linearLossTrainer([1], [1], { kind: 'sgd' });
    await trainer.accumulate(feeds);
    await expect(trainer.step(feeds, { lr: 1 })).rejects.toThrow(/applyAccumulated/);
  });
});

describe('training reduces the loss (fixed seed)', () => {
  it('a 2-layer MLP learns a nonlinear regression', async () => {
    const batch = 32;
    const g = new Graph();
    const x = g.input('x', [batch, 2]);
    const y = g.input('y', [batch, 1]);
    const h = T.tanh(T.linear(x, g.param('w1', [2, 16], init.xavier()), g.param('b1', [16], init.zeros())));
    const out = T.linear(h, g.param('w2', [16, 1], init.xavier()), g.param('b2', [1], init.zeros()));
    const err = T.sub(out, y);
    const program = buildTrainingProgram(g, T.meanAll(T.mul(err, err)), { optimizer: { kind: 'adamw', weightDecay: 0 } });
    const trainer = await Trainer.create(program, { seed: 5 });
    const rng = new Rng(11);
    const data = () => {
      const xs = Float32Array.from({ length: batch * 2 }, () => rng.next() * 4 - 2);
      const ys = Float32Array.from({ length: batch }, (_, i) => Math.sin(xs[2 * i]) * xs[2 * i + 1]);
      return { x: xs, y: ys };
    };
    const heldOut = data();
    const before = Number((await trainer.evaluate(heldOut)).loss.data[0]);
    for (let i = 0; i < 300; i++) await trainer.step(data(), { lr: 0.01 });
    const after = Number((await trainer.evaluate(heldOut)).loss.data[0]);
    expect(after).toBeLessThan(before * 0.2);
  });

  it('a causal self-attention block learns to copy the previous token', async () => {
    const [B, S, V, D] = [8, 6, 5, 16];
    const g = new Graph();
    const ids = g.input('ids', [B, S], 'int64');
    const targets = g.input('targets', [B, S, 1], 'int64');
    const emb = T.add(T.gather(g.param('tok', [V, D], init.normal(0.3)), ids), g.param('pos', [S, D], init.normal(0.3)));
    const q = T.matmul(emb, g.param('wq', [D, D], init.xavier()));
    const k = T.matmul(emb, g.param('wk', [D, D], init.xavier()));
    const v = T.matmul(emb, g.param('wv', [D, D], init.xavier()));
    const causal = g.constant(Uint8Array.from({ length: S * S }, (_, i) => (i % S <= Math.floor(i / S) ? 1 : 0)), [S, S], 'bool');
    const scores = T.where(causal, T.div(T.matmul(q, T.transpose(k, [0, 2, 1])), Math.sqrt(D)), -1e9);
    const attended = T.add(emb, T.matmul(T.softmax(scores, -1), v));
    const logits = T.matmul(attended, g.param('head', [D, V], init.xavier()));
    const loss = T.neg(T.meanAll(T.gatherElements(T.logSoftmax(logits, -1), targets, 2)));
    const trainer = await Trainer.create(buildTrainingProgram(g, loss, { optimizer: { kind: 'adamw' }, maxGradNorm: 1 }), { seed: 2 });

    const rng = new Rng(4);
    const batch = () => {
      const seq = BigInt64Array.from({ length: B * S }, () => BigInt(rng.int(V)));
      // target at position t is the token at t-1 (position 0 predicts itself)
      const tgt = BigInt64Array.from({ length: B * S }, (_, i) => seq[i % S === 0 ? i : i - 1]);
      return { ids: seq, targets: tgt };
    };
    const first = (await trainer.step(batch(), { lr: 0.03 })).loss;
    let last = first;
    for (let i = 0; i < 150; i++) last = (await trainer.step(batch(), { lr: 0.03 })).loss;
    expect(first).toBeGreaterThan(1.3); // about ln 5 at the start
    expect(last).toBeLessThan(0.3);
  });
});

describe('checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-engine-'));

  it('save then load round-trips parameters through safetensors', async () => {
    const { trainer, feeds } = await linearLossTrainer([1, 2, 3], [1, 1, 1], { kind: 'adamw' });
    await trainer.step(feeds, { lr: 0.1 });
    const path = join(dir, 'p.safetensors');
    await trainer.save(path, { note: 'test' });
    const file = await readSafetensors(path);
    expect(file.metadata).toEqual({ note: 'test' });
    expect(Array.from(file.tensors.get('p')!.data)).toEqual(Array.from(trainer.params.get('p')!));

    const fresh = await linearLossTrainer([0, 0, 0], [1, 1, 1], { kind: 'adamw' });
    await fresh.trainer.load(path);
    expect(Array.from(fresh.trainer.params.get('p')!)).toEqual(Array.from(trainer.params.get('p')!));
  });

  it('reads F16 and BF16 tensors as written by other tools', async () => {
    const header = JSON.stringify({
      half: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      brain: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
    });
    const buf = Buffer.alloc(8 + header.length + 8);
    buf.writeBigUInt64LE(BigInt(header.length));
    buf.write(header, 8);
    const data = 8 + header.length;
    buf.writeUInt16LE(0x3c00, data); // 1.0
    buf.writeUInt16LE(0xc000, data + 2); // -2.0
    buf.writeUInt16LE(0x3fc0, data + 4); // 1.5
    buf.writeUInt16LE(0x4049, data + 6); // ≈ 3.140625
    const path = join(dir, 'mixed.safetensors');
    writeFileSync(path, buf);
    const file = await readSafetensors(path);
    expect(Array.from(file.tensors.get('half')!.data)).toEqual([1, -2]);
    expect(Array.from(file.tensors.get('brain')!.data)).toEqual([1.5, 3.140625]);
  });

  it('refuses a checkpoint whose shapes do not match the graph', async () => {
    const { trainer } = await linearLossTrainer([1, 2, 3], [1, 1, 1], { kind: 'sgd' });
    const path = join(dir, 'three.safetensors');
    await trainer.save(path);
    const two = await linearLossTrainer([1, 2], [1, 1], { kind: 'sgd' });
    await expect(two.trainer.load(path)).rejects.toThrow('has shape [3], the graph wants [2]');
  });
});

describe('metrics and resume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-trainer-resume-'));

  it('returns scalar metrics from step, and their mean over accumulated micro-batches', async () => {
    const g = new Graph('float64');
    const p = g.param('p', [2], fixed([1, 2]));
    const c = g.input('c', [2]);
    const program = buildTrainingProgram(g, T.sumAll(T.mul(p, c)), { optimizer: { kind: 'sgd' }, metrics: { c_sum: T.sumAll(c) } });
    const trainer = await Trainer.create(program, { seed: 1 });
    expect((await trainer.step({ c: Float64Array.from([1, 2]) }, { lr: 0 })).metrics).toEqual({ c_sum: 3 });
    await trainer.accumulate({ c: Float64Array.from([1, 1]) });
    await trainer.accumulate({ c: Float64Array.from([3, 3]) });
    expect((await trainer.applyAccumulated({ lr: 0 })).metrics).toEqual({ c_sum: 4 });
    expect(() => buildTrainingProgram(g, T.sumAll(T.mul(p, c)), { optimizer: { kind: 'sgd' }, metrics: { c } })).toThrow('metric c must be a scalar');
  });

  it('params + optimizer state saved after step 2 continue exactly like the uninterrupted run', async () => {
    const c = [0.3, -1.5, 2];
    const adamw = { kind: 'adamw' as const, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };
    const straight = await linearLossTrainer([1, -2, 0.5], c, adamw);
    for (let i = 0; i < 4; i++) await straight.trainer.step(straight.feeds, { lr: 0.05 });

    const first = await linearLossTrainer([1, -2, 0.5], c, adamw);
    for (let i = 0; i < 2; i++) await first.trainer.step(first.feeds, { lr: 0.05 });
    await first.trainer.save(join(dir, 'params.safetensors'));
    await first.trainer.saveOptimizerState(join(dir, 'optimizer.safetensors'));
    const resumed = await linearLossTrainer([0, 0, 0], c, adamw);
    await resumed.trainer.load(join(dir, 'params.safetensors'));
    await resumed.trainer.loadOptimizerState(join(dir, 'optimizer.safetensors'));
    expect(resumed.trainer.stepCount).toBe(2);
    for (let i = 0; i < 2; i++) await resumed.trainer.step(resumed.feeds, { lr: 0.05 });
    expect(Array.from(resumed.trainer.params.get('p')!)).toEqual(Array.from(straight.trainer.params.get('p')!));
  });
});
