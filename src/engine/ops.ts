import { DType, isFloat, onnxDataType } from './dtype';
import { GraphBuildError } from './errors';
import type { Node, Value } from './graph';
import { broadcastShapes, fmt, normalizeAxis, sameShape, Shape, size } from './shape';
import * as T from './tensor-ops';

export type OpAttrs = Record<string, number | number[] | string | boolean>;
export type OnnxAttr = number | number[] | string;

/** How a node is written to ONNX: its type, attributes, and int64 tensors appended as inputs. */
export interface OnnxForm {
  attributes?: Record<string, OnnxAttr>;
  /** Appended as int64 initializers; a bare number becomes a 0-d tensor. */
  intInputs?: (number | number[])[];
}

export interface VjpContext {
  node: Node;
  /** Gradient of the loss w.r.t. each output (undefined where no gradient flows). */
  grads: (Value | undefined)[];
}

export interface OpDef {
  /** Output shapes and types; throws GraphBuildError naming the op and shapes. */
  infer(inputs: Value[], attrs: OpAttrs): [Shape, DType][];
  /** Vector-Jacobian product: gradient w.r.t. each input. Absent: no gradient flows through. */
  vjp?(ctx: VjpContext): (Value | undefined)[];
  onnx?(node: Node): OnnxForm;
}

const describe = (inputs: Value[]) => inputs.map((v) => `${fmt(v.shape)}:${v.dtype}`).join(', ');

function arity(op: string, inputs: Value[], n: number): void {
  if (inputs.length !== n) throw new GraphBuildError(`${op}: expects ${n} inputs, got ${inputs.length}`);
}

function floats(op: string, inputs: Value[]): void {
  for (const v of inputs) if (!isFloat(v.dtype)) throw new GraphBuildError(`${op}: ${v} must be a float tensor`);
}

function sameDType(op: string, inputs: Value[]): DType {
  const dtype = inputs[0].dtype;
  if (inputs.some((v) => v.dtype !== dtype)) throw new GraphBuildError(`${op}: mixed element types (${describe(inputs)})`);
  return dtype;
}

/** Elementwise binary op with broadcasting. */
function binary(op: string, resultType?: DType): OpDef['infer'] {
  return (inputs) => {
    arity(op, inputs, 2);
    const dtype = sameDType(op, inputs);
    return [[broadcastShapes(op, inputs[0].shape, inputs[1].shape), resultType ?? dtype]];
  };
}

function unaryFloat(op: string): OpDef['infer'] {
  return (inputs) => {
    arity(op, inputs, 1);
    floats(op, inputs);
    return [[inputs[0].shape, inputs[0].dtype]];
  };
}

function axesOf(op: string, attrs: OpAttrs, rank: number): number[] {
  const axes = (attrs.axes as number[]).map((a) => normalizeAxis(op, a, rank));
  if (new Set(axes).size !== axes.length) throw new GraphBuildError(`${op}: repeated axis in ${fmt(attrs.axes as number[])}`);
  return axes.sort((a, b) => a - b);
}

function reduce(op: string): OpDef['infer'] {
  return (inputs, attrs) => {
    arity(op, inputs, 1);
    const x = inputs[0];
    const axes = axesOf(op, attrs, x.rank);
    const shape = attrs.keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    return [[shape, x.dtype]];
  };
}

/** Shape the reduced gradient back to the input's rank (keepdims form) and broadcast it. */
function reduceGradToInput(node: Node, g: Value): Value {
  const x = node.inputs[0];
  const axes = axesOf(node.op, node.attrs, x.rank);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return T.expand(T.reshape(g, kept), x.shape);
}

const reduceOnnx = (node: Node): OnnxForm => ({
  attributes: { keepdims: node.attrs.keepdims ? 1 : 0 },
  intInputs: [node.attrs.axes as number[]],
});

/** The gradient of a broadcast input: sum over the axes it was broadcast along. */
export function unbroadcast(g: Value, shape: Shape): Value {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? T.reduceSum(g, axes, true) : g;
  return T.reshape(summed, shape);
}

/** Elementwise Min/Max: each element's gradient goes to the input it picked (`a` on ties). */
function pickedInputVjp(picksA: (a: Value, b: Value) => Value): OpDef['vjp'] {
  return ({ node: { inputs: [a, b] }, grads: [g] }) => {
    const zero = T.zeros(a.graph, [], a.dtype);
    const pickA = picksA(a, b);
    return [unbroadcast(T.where(pickA, g!, zero), a.shape), unbroadcast(T.where(pickA, zero, g!), b.shape)];
  };
}

function transposeLast2(x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return T.transpose(x, perm);
}

function inversePerm(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export type OpType =
  'Add'
  | 'Sub'
  | 'Mul'
  | 'Div'
  | 'Neg'
  | 'Exp'
  | 'Log'
  | 'Sqrt'
  | 'Reciprocal'
  | 'Pow'
  | 'Sigmoid'
  | 'Tanh'
  | 'Softmax'
  | 'LogSoftmax'
  | 'ReduceSum'
  | 'ReduceMean'
  | 'ReduceMax'
  | 'MatMul'
  | 'Reshape'
  | 'Transpose'
  | 'Concat'
  | 'Slice'
  | 'Pad'
  | 'Split'
  | 'Gather'
  | 'GatherElements'
  | 'ScatterND'
  | 'ScatterElements'
  | 'Where'
  | 'Cast'
  | 'Expand'
  | 'Unsqueeze'
  | 'Squeeze'
  | 'Trilu'
  | 'Clip'
  | 'Min'
  | 'Max'
  | 'Equal'
  | 'Less'
  | 'Greater'
  | 'LessOrEqual'
  | 'GreaterOrEqual'
  | 'And'
  | 'Not'
  | 'Identity';

/** Every op the engine knows: shape inference, vector-Jacobian product, ONNX form. */
export const opDefinitions: Record<OpType, OpDef> = {
  Add: {
    infer: binary('Add'),
    vjp: ({ node: { inputs: [a, b] }, grads: [g] }) => [unbroadcast(g!, a.shape), unbroadcast(g!, b.shape)],
  },
  Sub: {
    infer: binary('Sub'),
    vjp: ({ node: { inputs: [a, b] }, grads: [g] }) => [unbroadcast(g!, a.shape), unbroadcast(T.neg(g!), b.shape)],
  },
  Mul: {
    infer: binary('Mul'),
    vjp: ({ node: { inputs: [a, b] }, grads: [g] }) => [unbroadcast(T.mul(g!, b), a.shape), unbroadcast(T.mul(g!, a), b.shape)],
  },
  Div: {
    infer: binary('Div'),
    vjp: ({ node: { inputs: [a, b], outputs: [y] }, grads: [g] }) => [
      unbroadcast(T.div(g!, b), a.shape),
      unbroadcast(T.neg(T.div(T.mul(g!, y), b)), b.shape),
    ],
  },
  Neg: { infer: unaryFloat('Neg'), vjp: ({ grads: [g] }) => [T.neg(g!)] },
  Exp: { infer: unaryFloat('Exp'), vjp: ({ node: { outputs: [y] }, grads: [g] }) => [T.mul(g!, y)] },
  Log: { infer: unaryFloat('Log'), vjp: ({ node: { inputs: [x] }, grads: [g] }) => [T.div(g!, x)] },
  Sqrt: { infer: unaryFloat('Sqrt'), vjp: ({ node: { outputs: [y] }, grads: [g] }) => [T.div(T.mul(g!, 0.5), y)] },
  Reciprocal: {
    infer: unaryFloat('Reciprocal'),
    vjp: ({ node: { outputs: [y] }, grads: [g] }) => [T.neg(T.mul(g!, T.mul(y, y)))],
  },
  /** x ** p for a constant scalar exponent p (the second input). */
  Pow: {
    infer: (inputs) => {
      arity('Pow', inputs, 2);
      floats('Pow', inputs);
      if (inputs[1].rank !== 0) throw new GraphBuildError(`Pow: exponent must be a scalar, got ${fmt(inputs[1].shape)}`);
      return [[inputs[0].shape, inputs[0].dtype]];
    },
    vjp: ({ node: { inputs: [x, p] }, grads: [g] }) => [T.mul(g!, T.mul(p, T.pow(x, T.sub(p, 1))))],
  },
  Sigmoid: {
    infer: unaryFloat('Sigmoid'),
    vjp: ({ node: { outputs: [y] }, grads: [g] }) => [T.mul(g!, T.mul(y, T.rsub(1, y)))],
  },
  Tanh: {
    infer: unaryFloat('Tanh'),
    vjp: ({ node: { outputs: [y] }, grads: [g] }) => [T.mul(g!, T.rsub(1, T.mul(y, y)))],
  },
  Softmax: {
    infer: (inputs, attrs) => {
      normalizeAxis('Softmax', attrs.axis as number, inputs[0].rank);
      return unaryFloat('Softmax')(inputs, attrs);
    },
    vjp: ({ node: { outputs: [y], attrs }, grads: [g] }) => [
      T.mul(y, T.sub(g!, T.reduceSum(T.mul(g!, y), [attrs.axis as number], true))),
    ],
    onnx: (node) => ({ attributes: { axis: node.attrs.axis as number } }),
  },
  LogSoftmax: {
    infer: (inputs, attrs) => {
      normalizeAxis('LogSoftmax', attrs.axis as number, inputs[0].rank);
      return unaryFloat('LogSoftmax')(inputs, attrs);
    },
    vjp: ({ node: { outputs: [y], attrs }, grads: [g] }) => [
      T.sub(g!, T.mul(T.exp(y), T.reduceSum(g!, [attrs.axis as number], true))),
    ],
    onnx: (node) => ({ attributes: { axis: node.attrs.axis as number } }),
  },
  ReduceSum: { infer: reduce('ReduceSum'), vjp: ({ node, grads: [g] }) => [reduceGradToInput(node, g!)], onnx: reduceOnnx },
  ReduceMean: {
    infer: reduce('ReduceMean'),
    vjp: ({ node, grads: [g] }) => {
      const x = node.inputs[0];
      const count = size(x.shape) / size(node.outputs[0].shape);
      return [T.div(reduceGradToInput(node, g!), count)];
    },
    onnx: reduceOnnx,
  },
  ReduceMax: {
    infer: reduce('ReduceMax'),
    // Ties share the gradient equally.
    vjp: ({ node, grads: [g] }) => {
      const x = node.inputs[0];
      const max = reduceGradToInput(node, node.outputs[0]);
      const mask = T.cast(T.equal(x, max), x.dtype);
      const count = T.reduceSum(mask, node.attrs.axes as number[], true);
      return [T.div(T.mul(mask, reduceGradToInput(node, g!)), count)];
    },
    onnx: reduceOnnx,
  },
  MatMul: {
    infer: (inputs) => {
      arity('MatMul', inputs, 2);
      const [a, b] = inputs;
      const dtype = sameDType('MatMul', inputs);
      if (a.rank < 2 || b.rank < 2) throw new GraphBuildError(`MatMul: both inputs need rank >= 2, got ${describe(inputs)}`);
      if (a.shape[a.rank - 1] !== b.shape[b.rank - 2]) {
        throw new GraphBuildError(`MatMul: inner dimensions differ: ${fmt(a.shape)} x ${fmt(b.shape)}`);
      }
      const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
      return [[[...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]], dtype]];
    },
    vjp: ({ node: { inputs: [a, b] }, grads: [g] }) => {
      const ga = unbroadcast(T.matmul(g!, transposeLast2(b)), a.shape);
      // A shared weight (rank 2) times a batch: one large GEMM over the flattened batch.
      if (b.rank === 2 && a.rank > 2) {
        const a2 = T.reshape(a, [-1, a.shape[a.rank - 1]]);
        const g2 = T.reshape(g!, [-1, g!.shape[g!.rank - 1]]);
        return [ga, T.matmul(T.transpose(a2, [1, 0]), g2)];
      }
      return [ga, unbroadcast(T.matmul(transposeLast2(a), g!), b.shape)];
    },
  },
  Reshape: {
    infer: (inputs, attrs) => {
      const x = inputs[0];
      const target = attrs.shape as number[];
      const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      const infer = target.filter((d) => d === -1).length;
      const total = size(x.shape);
      if (infer > 1 || (infer === 1 && (known === 0 || total % known !== 0)) || (infer === 0 && known !== total)) {
        throw new GraphBuildError(`Reshape: cannot reshape ${fmt(x.shape)} to ${fmt(target)}`);
      }
      return [[target.map((d) => (d === -1 ? total / known : d)), x.dtype]];
    },
    vjp: ({ node: { inputs: [x] }, grads: [g] }) => [T.reshape(g!, x.shape)],
    onnx: (node) => ({ intInputs: [node.outputs[0].shape as number[]] }),
  },
  Transpose: {
    infer: (inputs, attrs) => {
      const x = inputs[0];
      const perm = attrs.perm as number[];
      if (perm.length !== x.rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
        throw new GraphBuildError(`Transpose: perm ${fmt(perm)} is not a permutation of rank ${x.rank} (${fmt(x.shape)})`);
      }
      return [[perm.map((p) => x.shape[p]), x.dtype]];
    },
    vjp: ({ node: { attrs }, grads: [g] }) => [T.transpose(g!, inversePerm(attrs.perm as number[]))],
    onnx: (node) => ({ attributes: { perm: node.attrs.perm as number[] } }),
  },
  Concat: {
    infer: (inputs, attrs) => {
      if (inputs.length === 0) throw new GraphBuildError('Concat: needs at least one input');
      const dtype = sameDType('Concat', inputs);
      const rank = inputs[0].rank;
      const axis = normalizeAxis('Concat', attrs.axis as number, rank);
      const out = [...inputs[0].shape];
      out[axis] = 0;
      for (const v of inputs) {
        if (v.rank !== rank || v.shape.some((d, i) => i !== axis && d !== out[i])) {
          throw new GraphBuildError(`Concat: shapes ${describe(inputs)} differ off axis ${axis}`);
        }
        out[axis] += v.shape[axis];
      }
      return [[out, dtype]];
    },
    vjp: ({ node: { inputs, attrs }, grads: [g] }) => {
      const axis = normalizeAxis('Concat', attrs.axis as number, inputs[0].rank);
      return T.split(g!, inputs.map((v) => v.shape[axis]), axis);
    },
    onnx: (node) => ({ attributes: { axis: node.attrs.axis as number } }),
  },
  /** Step-1 slices; `starts`/`ends` are clamped like NumPy. */
  Slice: {
    infer: (inputs, attrs) => {
      const x = inputs[0];
      const out = [...x.shape];
      (attrs.axes as number[]).forEach((a, i) => {
        const axis = normalizeAxis('Slice', a, x.rank);
        const [s, e] = clampRange(x.shape[axis], (attrs.starts as number[])[i], (attrs.ends as number[])[i]);
        out[axis] = Math.max(0, e - s);
      });
      return [[out, x.dtype]];
    },
    vjp: ({ node: { inputs: [x], attrs }, grads: [g] }) => {
      const before = x.shape.map(() => 0);
      const after = x.shape.map(() => 0);
      (attrs.axes as number[]).forEach((a, i) => {
        const axis = normalizeAxis('Slice', a, x.rank);
        const [s, e] = clampRange(x.shape[axis], (attrs.starts as number[])[i], (attrs.ends as number[])[i]);
        before[axis] = s;
        after[axis] = x.shape[axis] - Math.max(s, e);
      });
      return [T.pad(g!, before, after)];
    },
    onnx: (node) => ({ intInputs: [node.attrs.starts as number[], node.attrs.ends as number[], node.attrs.axes as number[]] }),
  },
  /** Zero padding; only emitted as the gradient of Slice. */
  Pad: {
    infer: (inputs, attrs) => {
      const x = inputs[0];
      const before = attrs.before as number[];
      const after = attrs.after as number[];
      return [[x.shape.map((d, i) => d + before[i] + after[i]), x.dtype]];
    },
    vjp: ({ node: { inputs: [x], attrs }, grads: [g] }) => [
      T.slice(g!, (attrs.before as number[]).map((b) => b), (attrs.before as number[]).map((b, i) => b + x.shape[i]), x.shape.map((_, i) => i)),
    ],
    onnx: (node) => ({ intInputs: [[...(node.attrs.before as number[]), ...(node.attrs.after as number[])]] }),
  },
  Split: {
    infer: (inputs, attrs) => {
      const x = inputs[0];
      const axis = normalizeAxis('Split', attrs.axis as number, x.rank);
      const sizes = attrs.sizes as number[];
      if (sizes.reduce((a, b) => a + b, 0) !== x.shape[axis]) {
        throw new GraphBuildError(`Split: sizes ${fmt(sizes)} do not add up to axis ${axis} of ${fmt(x.shape)}`);
      }
      return sizes.map((s) => [x.shape.map((d, i) => (i === axis ? s : d)), x.dtype]);
    },
    vjp: ({ node: { outputs, attrs }, grads }) => [
      T.concat(outputs.map((y, i) => grads[i] ?? T.zeros(y.graph, y.shape, y.dtype)), attrs.axis as number),
    ],
    onnx: (node) => ({ attributes: { axis: node.attrs.axis as number }, intInputs: [node.attrs.sizes as number[]] }),
  },
  /** Gather rows (embedding lookup). The gradient scatters-adds back into the table (axis 0). */
  Gather: {
    infer: (inputs, attrs) => {
      arity('Gather', inputs, 2);
      const [data, indices] = inputs;
      if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new GraphBuildError(`Gather: indices must be integers, got ${indices}`);
      const axis = normalizeAxis('Gather', attrs.axis as number, data.rank);
      return [[[...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)], data.dtype]];
    },
    vjp: ({ node: { inputs: [data, indices], attrs }, grads: [g] }) => {
      if (normalizeAxis('Gather', attrs.axis as number, data.rank) !== 0) {
        throw new GraphBuildError(`Gather: gradient is only defined for axis 0 (got axis ${attrs.axis})`);
      }
      const zeros = T.zeros(data.graph, data.shape, data.dtype);
      return [T.scatterNDAdd(zeros, T.unsqueeze(T.cast(indices, 'int64'), [-1]), g!), undefined];
    },
    onnx: (node) => ({ attributes: { axis: node.attrs.axis as number } }),
  },
  GatherElements: {
    infer: (inputs, attrs) => {
      arity('GatherElements', inputs, 2);
      const [data, indices] = inputs;
      const axis = normalizeAxis('GatherElements', attrs.axis as number, data.rank);
      if (indices.rank !== data.rank || indices.shape.some((d, i) => i !== axis && d > data.shape[i])) {
        throw new GraphBuildError(`GatherElements: indices ${fmt(indices.shape)} do not fit data ${fmt(data.shape)} on axis ${axis}`);
      }
      if (indices.dtype !== 'int64') throw new GraphBuildError(`GatherElements: indices must be int64, got ${indices}`);
      return [[indices.shape, data.dtype]];
    },
    vjp: ({ node: { inputs: [data, indices], attrs }, grads: [g] }) => [
      T.scatterElementsAdd(T.zeros(data.graph, data.shape, data.dtype), indices, g!, attrs.axis as number),
      undefined,
    ],
    onnx: (node) => ({ attributes: { axis: node.attrs.axis as number } }),
  },
  ScatterND: {
    infer: (inputs) => [[inputs[0].shape, inputs[0].dtype]],
    onnx: () => ({ attributes: { reduction: 'add' } }),
  },
  ScatterElements: {
    infer: (inputs) => [[inputs[0].shape, inputs[0].dtype]],
    onnx: (node) => ({ attributes: { axis: node.attrs.axis as number, reduction: 'add' } }),
  },
  Where: {
    infer: (inputs) => {
      arity('Where', inputs, 3);
      const [cond, a, b] = inputs;
      if (cond.dtype !== 'bool') throw new GraphBuildError(`Where: condition must be bool, got ${cond}`);
      const dtype = sameDType('Where', [a, b]);
      return [[broadcastShapes('Where', cond.shape, broadcastShapes('Where', a.shape, b.shape)), dtype]];
    },
    vjp: ({ node: { inputs: [cond, a, b] }, grads: [g] }) => {
      const zero = T.zeros(a.graph, [], g!.dtype);
      return [undefined, unbroadcast(T.where(cond, g!, zero), a.shape), unbroadcast(T.where(cond, zero, g!), b.shape)];
    },
  },
  Cast: {
    infer: (inputs, attrs) => [[inputs[0].shape, attrs.to as DType]],
    vjp: ({ node: { inputs: [x], outputs: [y] }, grads: [g] }) => [isFloat(x.dtype) && isFloat(y.dtype) ? T.cast(g!, x.dtype) : undefined],
    onnx: (node) => ({ attributes: { to: onnxDataType[node.attrs.to as DType] } }),
  },
  Expand: {
    infer: (inputs, attrs) => [[broadcastShapes('Expand', inputs[0].shape, attrs.shape as number[]), inputs[0].dtype]],
    vjp: ({ node: { inputs: [x] }, grads: [g] }) => [unbroadcast(g!, x.shape)],
    onnx: (node) => ({ intInputs: [node.attrs.shape as number[]] }),
  },
  Unsqueeze: {
    infer: (inputs, attrs) => {
      const x = inputs[0];
      const rank = x.rank + (attrs.axes as number[]).length;
      const axes = axesOf('Unsqueeze', attrs, rank);
      const out: number[] = [];
      let j = 0;
      for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x.shape[j++]);
      return [[out, x.dtype]];
    },
    vjp: ({ node: { inputs: [x] }, grads: [g] }) => [T.reshape(g!, x.shape)],
    onnx: (node) => ({ intInputs: [node.attrs.axes as number[]] }),
  },
  Squeeze: {
    infer: (inputs, attrs) => {
      const x = inputs[0];
      const axes = axesOf('Squeeze', attrs, x.rank);
      if (axes.some((a) => x.shape[a] !== 1)) throw new GraphBuildError(`Squeeze: axes ${fmt(axes)} of ${fmt(x.shape)} are not all 1`);
      return [[x.shape.filter((_, i) => !axes.includes(i)), x.dtype]];
    },
    vjp: ({ node: { inputs: [x] }, grads: [g] }) => [T.reshape(g!, x.shape)],
    onnx: (node) => ({ intInputs: [node.attrs.axes as number[]] }),
  },
  /** Keeps the upper (or lower) triangle of the last two dims, from diagonal k. */
  Trilu: {
    infer: (inputs) => {
      if (inputs[0].rank < 2) throw new GraphBuildError(`Trilu: needs rank >= 2, got ${fmt(inputs[0].shape)}`);
      return [[inputs[0].shape, inputs[0].dtype]];
    },
    vjp: ({ node: { attrs }, grads: [g] }) => [T.trilu(g!, attrs.upper as boolean, attrs.k as number)],
    onnx: (node) => ({ attributes: { upper: node.attrs.upper ? 1 : 0 }, intInputs: [node.attrs.k as number] }),
  },
  /** Clip(x, min, max) with scalar constant bounds as inputs 1 and 2. */
  Clip: {
    infer: (inputs) => {
      arity('Clip', inputs, 3);
      floats('Clip', inputs);
      sameDType('Clip', inputs);
      return [[inputs[0].shape, inputs[0].dtype]];
    },
    vjp: ({ node: { inputs: [x, lo, hi] }, grads: [g] }) => {
      const inside = T.and(T.greaterOrEqual(x, lo), T.lessOrEqual(x, hi));
      return [T.where(inside, g!, T.zeros(x.graph, [], x.dtype)), undefined, undefined];
    },
  },
  Min: { infer: binary('Min'), vjp: pickedInputVjp(T.lessOrEqual) },
  Max: { infer: binary('Max'), vjp: pickedInputVjp(T.greaterOrEqual) },
  Equal: { infer: binary('Equal', 'bool') },
  Less: { infer: binary('Less', 'bool') },
  Greater: { infer: binary('Greater', 'bool') },
  LessOrEqual: { infer: binary('LessOrEqual', 'bool') },
  GreaterOrEqual: { infer: binary('GreaterOrEqual', 'bool') },
  And: { infer: binary('And', 'bool') },
  Not: { infer: (inputs) => [[inputs[0].shape, 'bool']] },
  Identity: {
    infer: (inputs) => [[inputs[0].shape, inputs[0].dtype]],
    vjp: ({ grads: [g] }) => [g],
  },
};


function clampRange(dim: number, start: number, end: number): [number, number] {
  const norm = (i: number) => Math.min(Math.max(i < 0 ? i + dim : i, 0), dim);
  return [norm(start), norm(end)];
}
