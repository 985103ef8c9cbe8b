import { DType } from './dtype';
import { GraphBuildError } from './errors';
import type { Graph, Value } from './graph';
import { Shape } from './shape';

/**
 * The builder API: one function per op, each adding a node to its inputs' graph. A plain number
 * where a tensor is expected becomes a scalar constant of the other operand's type.
 */
type Operand = Value | number;

function lift(x: Operand, like: Value): Value {
  return typeof x === 'number' ? like.graph.scalar(x, like.dtype) : x;
}

function pair(op: string, a: Operand, b: Operand): [Value, Value] {
  if (typeof a === 'number' && typeof b === 'number') throw new GraphBuildError(`${op}: needs at least one tensor`);
  const like = (typeof a === 'number' ? b : a) as Value;
  return [lift(a, like), lift(b, like)];
}

const bin = (op: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Min' | 'Max') => (a: Operand, b: Operand) => {
  const [x, y] = pair(op, a, b);
  return x.graph.emit1(op, [x, y]);
};
const cmp = (op: 'Equal' | 'Less' | 'Greater' | 'LessOrEqual' | 'GreaterOrEqual') => (a: Operand, b: Operand) => {
  const [x, y] = pair(op, a, b);
  return x.graph.emit1(op, [x, y]);
};

export const add = bin('Add');
export const sub = bin('Sub');
export const mul = bin('Mul');
export const div = bin('Div');
export const minimum = bin('Min');
export const maximum = bin('Max');
/** b - a, for a constant on the left: `rsub(1, y)` is 1 - y. */
export const rsub = (a: number, b: Value) => sub(a, b);
export const equal = cmp('Equal');
export const less = cmp('Less');
export const greater = cmp('Greater');
export const lessOrEqual = cmp('LessOrEqual');
export const greaterOrEqual = cmp('GreaterOrEqual');
export const and = (a: Value, b: Value) => a.graph.emit1('And', [a, b]);
export const not = (a: Value) => a.graph.emit1('Not', [a]);

export const neg = (x: Value) => x.graph.emit1('Neg', [x]);
export const exp = (x: Value) => x.graph.emit1('Exp', [x]);
export const log = (x: Value) => x.graph.emit1('Log', [x]);
export const sqrt = (x: Value) => x.graph.emit1('Sqrt', [x]);
export const reciprocal = (x: Value) => x.graph.emit1('Reciprocal', [x]);
export const sigmoid = (x: Value) => x.graph.emit1('Sigmoid', [x]);
export const tanh = (x: Value) => x.graph.emit1('Tanh', [x]);
export const pow = (x: Value, p: Operand) => x.graph.emit1('Pow', [x, lift(p, x)]);
/** SiLU / Swish: x · sigmoid(x). */
export const silu = (x: Value) => mul(x, sigmoid(x));
export const identity = (x: Value) => x.graph.emit1('Identity', [x]);

export const softmax = (x: Value, axis = -1) => x.graph.emit1('Softmax', [x], { axis });
export const logSoftmax = (x: Value, axis = -1) => x.graph.emit1('LogSoftmax', [x], { axis });
export const reduceSum = (x: Value, axes: number[], keepdims = false) => x.graph.emit1('ReduceSum', [x], { axes, keepdims });
export const reduceMean = (x: Value, axes: number[], keepdims = false) => x.graph.emit1('ReduceMean', [x], { axes, keepdims });
export const reduceMax = (x: Value, axes: number[], keepdims = false) => x.graph.emit1('ReduceMax', [x], { axes, keepdims });
/** Sum of every element, as a scalar. */
export const sumAll = (x: Value) => reduceSum(x, x.shape.map((_, i) => i));
export const meanAll = (x: Value) => reduceMean(x, x.shape.map((_, i) => i));

export const matmul = (a: Value, b: Value) => a.graph.emit1('MatMul', [a, b]);
/** x · w (+ b), with w stored [in, out]. */
export const linear = (x: Value, w: Value, b?: Value) => (b ? add(matmul(x, w), b) : matmul(x, w));

export const reshape = (x: Value, shape: Shape) => x.graph.emit1('Reshape', [x], { shape: [...shape] });
export const transpose = (x: Value, perm: number[]) => x.graph.emit1('Transpose', [x], { perm });
export const concat = (xs: Value[], axis: number) => {
  if (xs.length === 0) throw new GraphBuildError('Concat: needs at least one input');
  return xs[0].graph.emit1('Concat', xs, { axis });
};
export const slice = (x: Value, starts: number[], ends: number[], axes: number[]) => {
  if (starts.length !== axes.length || ends.length !== axes.length) {
    throw new GraphBuildError(`Slice: starts, ends and axes must have one entry per axis`);
  }
  return x.graph.emit1('Slice', [x], { starts, ends, axes });
};
export const pad = (x: Value, before: number[], after: number[]) => x.graph.emit1('Pad', [x], { before, after });
export const split = (x: Value, sizes: number[], axis: number) => x.graph.emit('Split', [x], { sizes, axis });
export const gather = (data: Value, indices: Value, axis = 0) => data.graph.emit1('Gather', [data, indices], { axis });
export const gatherElements = (data: Value, indices: Value, axis: number) =>
  data.graph.emit1('GatherElements', [data, indices], { axis });
export const scatterNDAdd = (data: Value, indices: Value, updates: Value) => data.graph.emit1('ScatterND', [data, indices, updates]);
export const scatterElementsAdd = (data: Value, indices: Value, updates: Value, axis: number) =>
  data.graph.emit1('ScatterElements', [data, indices, updates], { axis });
export const where = (cond: Value, a: Operand, b: Operand) => {
  const [x, y] = pair('Where', a, b);
  return cond.graph.emit1('Where', [cond, x, y]);
};
export const cast = (x: Value, to: DType) => (x.dtype === to ? x : x.graph.emit1('Cast', [x], { to }));
export const expand = (x: Value, shape: Shape) => x.graph.emit1('Expand', [x], { shape: [...shape] });
export const unsqueeze = (x: Value, axes: number[]) => x.graph.emit1('Unsqueeze', [x], { axes });
export const squeeze = (x: Value, axes: number[]) => x.graph.emit1('Squeeze', [x], { axes });
export const trilu = (x: Value, upper: boolean, k = 0) => x.graph.emit1('Trilu', [x], { upper, k });
export const clip = (x: Value, min: number, max: number) => x.graph.emit1('Clip', [x, lift(min, x), lift(max, x)]);
/** A tensor of zeros without a full-size initializer: a scalar broadcast to the shape. */
export const zeros = (graph: Graph, shape: Shape, dtype: DType) => {
  const zero = graph.scalar(0, dtype);
  return shape.length === 0 ? zero : expand(zero, shape);
};
