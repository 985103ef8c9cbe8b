import { AnyTypedArray, DType, FloatDType, isFloat } from './dtype';
import { GraphBuildError } from './errors';
import { OpAttrs, OpType, opDefinitions } from './ops';
import { fmt, Shape, size } from './shape';

export type ValueKind = 'input' | 'param' | 'const' | 'node';

/** A tensor in the graph. Shapes are static and checked when each op is added. */
export class Value {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly name: string,
    readonly shape: Shape,
    readonly dtype: DType,
    readonly kind: ValueKind,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}${fmt(this.shape)}:${this.dtype}`;
  }
}

export interface Node {
  op: OpType;
  inputs: Value[];
  outputs: Value[];
  attrs: OpAttrs;
}

/** Fills a parameter's initial values; gets a seeded random source. */
export type Initializer = (shape: Shape, random: { normal(): number; next(): number }) => number[] | Float32Array | Float64Array;

export interface ParamInfo {
  value: Value;
  init: Initializer;
  trainable: boolean;
}

/**
 * An append-only dataflow graph: nodes are stored in the order they were added, which is a
 * topological order, so autodiff walks them backwards and export prunes them forwards.
 * Builder methods (in graph-builder.ts) add nodes through `emit`, which runs the op's shape
 * inference and fails here, at build time, with the op and shapes named.
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly params = new Map<string, ParamInfo>();
  readonly constants = new Map<Value, AnyTypedArray>();
  private readonly names = new Set<string>();
  private readonly scalars = new Map<string, Value>();
  private nextId = 0;

  /** Float type of parameters and scalar constants. */
  constructor(readonly dtype: FloatDType = 'float32') {}

  input(name: string, shape: Shape, dtype: DType = this.dtype): Value {
    const value = this.newValue(name, shape, dtype, 'input');
    this.inputs.push(value);
    return value;
  }

  param(name: string, shape: Shape, init: Initializer, { trainable = true } = {}): Value {
    const value = this.newValue(name, shape, this.dtype, 'param');
    this.params.set(name, { value, init, trainable });
    return value;
  }

  constant(data: AnyTypedArray, shape: Shape, dtype: DType): Value {
    if (data.length !== size(shape)) {
      throw new GraphBuildError(`Constant: ${data.length} values do not fill shape ${fmt(shape)}`);
    }
    const value = this.newValue(`const_${this.nextId}`, shape, dtype, 'const');
    this.constants.set(value, data);
    return value;
  }

  /** A scalar constant, in the graph's float type unless told otherwise; one per (value, type). */
  scalar(x: number, dtype: DType = this.dtype): Value {
    const key = `${dtype}:${Object.is(x, -0) ? '-0' : x}`;
    const cached = this.scalars.get(key);
    if (cached) return cached;
    const data =
      dtype === 'float64' ? Float64Array.of(x) : dtype === 'int64' ? BigInt64Array.of(BigInt(x)) : dtype === 'int32' ? Int32Array.of(x) : dtype === 'bool' ? Uint8Array.of(x ? 1 : 0) : Float32Array.of(x);
    const value = this.constant(data, [], dtype);
    this.scalars.set(key, value);
    return value;
  }

  emit(op: OpType, inputs: Value[], attrs: OpAttrs = {}): Value[] {
    for (const input of inputs) {
      if (input.graph !== this) throw new GraphBuildError(`${op}: input ${input.name} belongs to another graph`);
    }
    const def = opDefinitions[op];
    if (!def) throw new GraphBuildError(`unknown op ${String(op)}`);
    const types = def.infer(inputs, attrs);
    const outputs = types.map(([shape, dtype]) => this.newValue(`${op}_${this.nextId}`, shape, dtype, 'node'));
    this.nodes.push({ op, inputs, outputs, attrs });
    return outputs;
  }

  emit1(op: OpType, inputs: Value[], attrs: OpAttrs = {}): Value {
    return this.emit(op, inputs, attrs)[0];
  }

  trainableParams(): Value[] {
    return [...this.params.values()].filter((p) => p.trainable).map((p) => p.value);
  }

  requireFloat(op: string, value: Value): void {
    if (!isFloat(value.dtype)) throw new GraphBuildError(`${op}: ${value} must be a float tensor`);
  }

  private newValue(name: string, shape: Shape, dtype: DType, kind: ValueKind): Value {
    if (this.names.has(name)) throw new GraphBuildError(`duplicate tensor name ${name}`);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new GraphBuildError(`${name}: shape ${fmt(shape)} must be non-negative integers`);
    }
    this.names.add(name);
    return new Value(this, this.nextId++, name, [...shape], dtype, kind);
  }
}
