import { onnx } from 'onnx-proto';
import { AnyTypedArray, DType, onnxDataType } from './dtype';
import { GraphBuildError } from './errors';
import { Graph, Node, Value } from './graph';
import { OnnxAttr, OnnxForm, opDefinitions } from './ops';
import { Shape } from './shape';

export const OPSET = 18;
const IR_VERSION = 8;

export interface ExportOptions {
  /** Graph outputs by name; a value whose own name differs is exposed through Identity. */
  outputs: Record<string, Value>;
  /** Parameter values baked in as initializers; parameters without one become graph inputs. */
  bakedParams?: Map<string, AnyTypedArray>;
  name?: string;
}

/**
 * Serializes the part of the graph the outputs need as an ONNX ModelProto (opset 18).
 * Inputs and parameters that the outputs do not use are left out, so the session's input list
 * is exactly what must be fed.
 */
export function exportOnnx(graph: Graph, { outputs, bakedParams, name = 'closer' }: ExportOptions): Uint8Array {
  const needed = neededNodes(graph, Object.values(outputs));
  const used = new Set<Value>();
  for (const node of needed) for (const v of node.inputs) used.add(v);
  for (const v of Object.values(outputs)) used.add(v);

  const initializers: onnx.ITensorProto[] = [];
  const inputs: onnx.IValueInfoProto[] = [];
  for (const v of graph.inputs) if (used.has(v)) inputs.push(valueInfo(v.name, v.shape, v.dtype));
  for (const [paramName, info] of graph.params) {
    if (!used.has(info.value)) continue;
    const baked = bakedParams?.get(paramName);
    if (baked) initializers.push(tensorProto(paramName, info.value.shape, info.value.dtype, baked));
    else inputs.push(valueInfo(paramName, info.value.shape, info.value.dtype));
  }
  for (const [v, data] of graph.constants) if (used.has(v)) initializers.push(tensorProto(v.name, v.shape, v.dtype, data));

  const nodes: onnx.INodeProto[] = [];
  needed.forEach((node, i) => nodes.push(nodeProto(node, i, initializers)));
  const graphOutputs: onnx.IValueInfoProto[] = [];
  for (const [outName, v] of Object.entries(outputs)) {
    if (outName !== v.name) nodes.push({ opType: 'Identity', input: [v.name], output: [outName], name: `out_${outName}` });
    graphOutputs.push(valueInfo(outName, v.shape, v.dtype));
  }

  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'closer-engine',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: { name, node: nodes, initializer: initializers, input: inputs, output: graphOutputs },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

function neededNodes(graph: Graph, outputs: Value[]): Node[] {
  const producer = new Map<Value, Node>();
  for (const node of graph.nodes) for (const o of node.outputs) producer.set(o, node);
  const keep = new Set<Node>();
  const stack = [...outputs];
  while (stack.length) {
    const v = stack.pop()!;
    const node = producer.get(v);
    if (!node || keep.has(node)) continue;
    keep.add(node);
    stack.push(...node.inputs);
  }
  return graph.nodes.filter((n) => keep.has(n));
}

function nodeProto(node: Node, index: number, initializers: onnx.ITensorProto[]): onnx.INodeProto {
  const form: OnnxForm = opDefinitions[node.op].onnx?.(node) ?? {};
  const input = node.inputs.map((v) => v.name);
  (form.intInputs ?? []).forEach((ints: number | number[], k: number) => {
    const constName = `${node.outputs[0].name}_i${k}`;
    const data = BigInt64Array.from((Array.isArray(ints) ? ints : [ints]).map(BigInt));
    initializers.push(tensorProto(constName, Array.isArray(ints) ? [ints.length] : [], 'int64', data));
    input.push(constName);
  });
  return {
    opType: node.op,
    name: `n${index}_${node.op}`,
    input,
    output: node.outputs.map((v) => v.name),
    attribute: Object.entries(form.attributes ?? {}).map(([k, v]) => attribute(k, v)),
  };
}

function attribute(name: string, value: OnnxAttr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (!Number.isInteger(value)) throw new GraphBuildError(`attribute ${name}: only integer attributes are used (got ${value})`);
  return { name, type: T.INT, i: value };
}

function valueInfo(name: string, shape: Shape, dtype: DType): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnxDataType[dtype], shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  };
}

function tensorProto(name: string, shape: Shape, dtype: DType, data: AnyTypedArray): onnx.ITensorProto {
  return {
    name,
    dims: [...shape],
    dataType: onnxDataType[dtype],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}
