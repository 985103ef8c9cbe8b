import { GradientCheckCase, checkGradients } from './testing/gradient-check';
import * as T from './tensor-ops';

const positive = (n: number, seed = 1) => Float64Array.from({ length: n }, (_, i) => 0.5 + ((i * 7919 + seed * 104729) % 97) / 40);
const int64 = (values: number[]) => BigInt64Array.from(values.map(BigInt));

/** One finite-difference check per op, plus the broadcasting and reuse cases autodiff must get right. */
const cases: Record<string, GradientCheckCase & { tolerance?: number }> = {
  'Add with broadcasting [2,3,4] + [3,1]': { build: (g) => T.add(g.input('a', [2, 3, 4]), g.input('b', [3, 1])) },
  'Sub with broadcasting [4] - [2,4]': { build: (g) => T.sub(g.input('a', [4]), g.input('b', [2, 4])) },
  'Mul with broadcasting [2,1,4] * [3,1]': { build: (g) => T.mul(g.input('a', [2, 1, 4]), g.input('b', [3, 1])) },
  'Div with broadcasting [2,3] / [3]': {
    build: (g) => T.div(g.input('a', [2, 3]), g.input('b', [3])),
    data: { b: positive(3) },
  },
  'a tensor used twice sums its gradients: x*x + x': {
    build: (g) => {
      const x = g.input('x', [5]);
      return T.add(T.mul(x, x), x);
    },
  },
  Neg: { build: (g) => T.neg(g.input('x', [3, 2])) },
  Exp: { build: (g) => T.exp(g.input('x', [3, 2])) },
  Log: { build: (g) => T.log(g.input('x', [6])), data: { x: positive(6) } },
  Sqrt: { build: (g) => T.sqrt(g.input('x', [6])), data: { x: positive(6) } },
  'Pow (constant exponent)': { build: (g) => T.pow(g.input('x', [6]), 2.5), data: { x: positive(6) } },
  Reciprocal: { build: (g) => T.reciprocal(g.input('x', [6])), data: { x: positive(6) } },
  Sigmoid: { build: (g) => T.sigmoid(g.input('x', [2, 4])) },
  Tanh: { build: (g) => T.tanh(g.input('x', [2, 4])) },
  'SiLU (x·sigmoid x)': { build: (g) => T.silu(g.input('x', [2, 4])) },
  'Softmax over the last axis': { build: (g) => T.softmax(g.input('x', [2, 5]), -1) },
  'Softmax over axis 0': { build: (g) => T.softmax(g.input('x', [3, 2]), 0) },
  LogSoftmax: { build: (g) => T.logSoftmax(g.input('x', [2, 5]), -1) },
  'ReduceSum keepdims': { build: (g) => T.reduceSum(g.input('x', [2, 3, 4]), [0, 2], true) },
  'ReduceSum dropping dims': { build: (g) => T.reduceSum(g.input('x', [2, 3, 4]), [1]) },
  ReduceMean: { build: (g) => T.reduceMean(g.input('x', [2, 3, 4]), [-1]) },
  ReduceMax: { build: (g) => T.reduceMax(g.input('x', [3, 4]), [1], true) },
  'MatMul 2-D': { build: (g) => T.matmul(g.input('a', [3, 4]), g.input('b', [4, 2])) },
  'MatMul batched with a shared weight [2,3,4] x [4,5]': { build: (g) => T.matmul(g.input('a', [2, 3, 4]), g.input('b', [4, 5])) },
  'MatMul broadcasting batch dims [2,1,3,4] x [3,4,2]': {
    build: (g) => T.matmul(g.input('a', [2, 1, 3, 4]), g.input('b', [3, 4, 2])),
  },
  'Linear (matmul + bias)': { build: (g) => T.linear(g.input('x', [2, 3]), g.input('w', [3, 4]), g.input('b', [4])) },
  Reshape: { build: (g) => T.mul(T.reshape(g.input('x', [2, 6]), [3, -1]), g.input('y', [3, 4])) },
  Transpose: { build: (g) => T.transpose(g.input('x', [2, 3, 4]), [2, 0, 1]) },
  Concat: { build: (g) => T.concat([g.input('a', [2, 3]), g.input('b', [2, 1]), g.input('c', [2, 2])], 1) },
  Slice: { build: (g) => T.slice(g.input('x', [4, 5]), [1, -4], [3, 4], [0, 1]) },
  'Split (one output unused)': {
    build: (g) => {
      const [a, , c] = T.split(g.input('x', [2, 6]), [1, 2, 3], 1);
      return T.concat([T.mul(a, 3), c], 1);
    },
  },
  'Gather (embedding lookup with repeated ids)': {
    build: (g) => T.gather(g.input('table', [5, 3]), g.input('ids', [2, 3], 'int64'), 0),
    data: { ids: int64([0, 4, 4, 2, 0, 0]) },
  },
  'GatherElements (picking token log-probs)': {
    build: (g) => T.gatherElements(T.logSoftmax(g.input('logits', [2, 3, 5]), -1), g.input('next', [2, 3, 1], 'int64'), 2),
    data: { next: int64([1, 4, 0, 2, 2, 3]) },
  },
  'Where with broadcasting': {
    build: (g) => T.where(g.input('c', [2, 3], 'bool'), g.input('a', [2, 3]), g.input('b', [3])),
    data: { c: Uint8Array.from([1, 0, 1, 0, 0, 1]) },
  },
  'Cast float64 → float32 → float64': {
    build: (g) => T.cast(T.mul(T.cast(g.input('x', [4]), 'float32'), 2), 'float64'),
    eps: 1e-3,
    tolerance: 1e-3, // the float32 leg rounds the perturbation
  },
  Expand: { build: (g) => T.expand(g.input('x', [3, 1]), [2, 3, 4]) },
  'Unsqueeze / Squeeze': { build: (g) => T.squeeze(T.mul(T.unsqueeze(g.input('x', [2, 3]), [0, 2]), 2), [0]) },
  'Trilu (causal mask)': { build: (g) => T.trilu(g.input('x', [2, 4, 4]), false, 0) },
  'Clip (values on both sides of the bounds)': {
    build: (g) => T.clip(g.input('x', [6]), -0.5, 0.5),
    data: { x: Float64Array.from([-2, -0.3, 0.1, 0.4, 0.9, 3]) },
  },
  'Min with broadcasting': { build: (g) => T.minimum(g.input('a', [2, 3]), g.input('b', [3])) },
  'Max with broadcasting': { build: (g) => T.maximum(g.input('a', [2, 3]), g.input('b', [2, 1])) },
  'attention block: softmax(QKᵀ/√d + mask)·V': {
    build: (g) => {
      const q = g.input('q', [2, 3, 4]);
      const k = g.input('k', [2, 3, 4]);
      const v = g.input('v', [2, 3, 4]);
      const scores = T.div(T.matmul(q, T.transpose(k, [0, 2, 1])), 2);
      const causal = g.constant(Uint8Array.from([1, 0, 0, 1, 1, 0, 1, 1, 1]), [3, 3], 'bool');
      return T.matmul(T.softmax(T.where(causal, scores, -1e9), -1), v);
    },
  },
};

describe('every op: autodiff matches central finite differences (float64)', () => {
  it.each(Object.entries(cases))('%s', async (_, c) => {
    const { maxError, analytic } = await checkGradients(c);
    expect(Object.values(analytic).flat().some((x) => x !== 0)).toBe(true);
    expect(maxError).toBeLessThan(c.tolerance ?? 1e-6);
  });
});

describe('float32 gradients', () => {
  it('match finite differences within float32 tolerance', async () => {
    const { maxError } = await checkGradients({
      dtype: 'float32',
      build: (g) => T.softmax(T.matmul(g.input('a', [3, 4]), g.input('b', [4, 3])), -1),
    });
    expect(maxError).toBeLessThan(2e-2);
  });
});
