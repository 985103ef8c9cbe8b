import { createSession, exportOnnx, Graph, tensor } from '../../engine';
import { checkGradients } from '../../engine/testing/gradient-check';
import { aggregationWeights } from './aggregation';
import { clippedPolicyLoss, PolicyLossConfig } from './policy-loss';

const inputs = (g: Graph, n: number) => ({
  logProbs: g.input('logp', [n]),
  oldLogProbs: g.input('old', [n]),
  refLogProbs: g.input('ref', [n]),
  advantages: g.input('adv', [n]),
  tokenWeights: g.input('w', [n]),
  mask: g.input('mask', [n]),
});

async function evaluate(c: PolicyLossConfig, data: Record<string, number[]>) {
  const g = new Graph('float64');
  const terms = clippedPolicyLoss(inputs(g, data.logp.length), c);
  const session = await createSession(exportOnnx(g, { outputs: { loss: terms.loss, ...terms.metrics } }));
  const out = await session.run(Object.fromEntries(g.inputs.map((v) => [v.name, tensor('float64', Float64Array.from(data[v.name]), v.shape)])));
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Number(t.data[0])]));
}

describe('clipped policy loss', () => {
  it('matches a hand computation: clipping on the gain side only, k3 KL, metrics over the mask', async () => {
    // Token 1: ratio 0.5/0.4 = 1.25, A = +1 → clipped at 1.2: ℓ = −1.2.
    // Token 2: ratio 1.25, A = −1 → min(−1.25, −1.2) = −1.25 (unclipped): ℓ = +1.25.
    // Token 3: ratio 1, A = 2, ref = log 0.25 vs logp = log 0.5: k3 = 0.5 − ln 0.5 − 1 = ln 2 − 0.5.
    // Token 4: masked out (weight 0) with an absurd ratio that must not count anywhere.
    const ln = Math.log;
    const data = {
      logp: [ln(0.5), ln(0.5), ln(0.5), 3],
      old: [ln(0.4), ln(0.4), ln(0.5), -3],
      ref: [ln(0.5), ln(0.5), ln(0.25), 0],
      adv: [1, -1, 2, 5],
      w: [0.5, 0.25, 0.25, 0],
      mask: [1, 1, 1, 0],
    };
    const k3 = Math.LN2 - 0.5;
    const out = await evaluate({ epsilon: 0.2, epsilonHigh: 0.2, klCoef: 0.1 }, data);
    expect(out.loss).toBeCloseTo(0.5 * -1.2 + 0.25 * 1.25 + 0.25 * (-2 + 0.1 * k3), 10);
    expect(out.clip_fraction).toBeCloseTo(1 / 3, 10);
    expect(out.kl).toBeCloseTo(k3 / 3, 10);
    expect(out.ratio).toBeCloseTo((1.25 + 1.25 + 1) / 3, 10);
    // An asymmetric upper bound (DAPO's clip-higher) lets token 1 keep its full ratio.
    const high = await evaluate({ epsilon: 0.2, epsilonHigh: 0.28, klCoef: 0.1 }, data);
    expect(high.loss).toBeCloseTo(0.5 * -1.25 + 0.25 * 1.25 + 0.25 * (-2 + 0.1 * k3), 10);
  });

  it('gradients match finite differences', async () => {
    const n = 6;
    const { maxError } = await checkGradients({
      build: (g) => clippedPolicyLoss(inputs(g, n), { epsilon: 0.2, epsilonHigh: 0.3, klCoef: 0.05 }).loss,
      // Ratios away from the clip boundaries (the objective has kinks there), both signs of A.
      data: {
        logp: Float64Array.from([-1.0, -2.0, -0.5, -1.5, -3.0, -0.7]),
        old: Float64Array.from([-1.1, -1.6, -0.5, -1.9, -2.9, -0.2]),
        ref: Float64Array.from([-0.8, -2.2, -0.9, -1.5, -3.3, -0.6]),
        adv: Float64Array.from([1.5, -0.7, 0.3, 2, -1.2, -0.4]),
        w: Float64Array.from([0.2, 0.1, 0.3, 0.1, 0.2, 0.1]),
        mask: Float64Array.from([1, 1, 1, 1, 1, 1]),
      },
    });
    expect(maxError).toBeLessThan(1e-6);
  });
});

describe('aggregation weights', () => {
  const masks = [Float32Array.from([1, 1, 1, 0]), Float32Array.from([1, 0, 0, 0])];
  const sum = (ws: Float32Array[]) => ws.flatMap((w) => Array.from(w));

  it('token-mean: every agent token of the step weighs 1/4', () => {
    expect(sum(aggregationWeights(masks, 'token-mean', 1))).toEqual([0.25, 0.25, 0.25, 0, 0.25, 0, 0, 0]);
  });

  it('sequence-mean: each sequence weighs 1/2, shared among its tokens', () => {
    const w = sum(aggregationWeights(masks, 'sequence-mean', 1));
    [1 / 6, 1 / 6, 1 / 6, 0, 0.5, 0, 0, 0].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 7));
  });

  it('dr-grpo: 1 / (sequences × length) for every agent token', () => {
    expect(sum(aggregationWeights(masks, 'dr-grpo', 1))).toEqual([0.125, 0.125, 0.125, 0, 0.125, 0, 0, 0]);
  });

  it('scales by the micro-batch count the engine averages over', () => {
    expect(sum(aggregationWeights(masks, 'token-mean', 2))).toEqual([0.5, 0.5, 0.5, 0, 0.5, 0, 0, 0]);
  });
});
