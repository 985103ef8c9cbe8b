import { isFloat } from './dtype';
import { GraphBuildError } from './errors';
import { Graph, Value } from './graph';
import { opDefinitions, OpDef } from './ops';
import { fmt } from './shape';
import { add, zeros } from './tensor-ops';

/**
 * Reverse-mode autodiff: appends to the graph the ops that compute d(loss)/d(x) for each x in
 * `wrt`, walking nodes backwards from the loss and summing gradients of tensors used twice.
 * A parameter the loss does not depend on gets an explicit zero gradient.
 */
export function gradients(graph: Graph, loss: Value, wrt: Value[]): Map<Value, Value> {
  if (loss.rank !== 0) throw new GraphBuildError(`gradients: loss must be a scalar, got shape ${fmt(loss.shape)}`);
  if (!isFloat(loss.dtype)) throw new GraphBuildError(`gradients: loss must be a float, got ${loss.dtype}`);

  const targets = new Set(wrt.map((v) => v.id));
  const dependsOnTarget = forwardReach(graph, targets);
  const grads = new Map<number, Value>([[loss.id, graph.scalar(1, loss.dtype)]]);
  const accumulate = (v: Value, g: Value) => {
    const prev = grads.get(v.id);
    grads.set(v.id, prev ? add(prev, g) : g);
  };

  // Snapshot: the VJPs below append nodes we must not visit.
  const forward = graph.nodes.slice(0, graph.nodes.indexOf(producerOf(graph, loss)) + 1);
  for (let n = forward.length - 1; n >= 0; n--) {
    const node = forward[n];
    const outGrads = node.outputs.map((o) => grads.get(o.id));
    if (outGrads.every((g) => g === undefined)) continue;
    const needed = node.inputs.map((v) => dependsOnTarget.has(v.id) && isFloat(v.dtype));
    if (!needed.some(Boolean)) continue;
    const def: OpDef = opDefinitions[node.op];
    if (!def.vjp) {
      throw new GraphBuildError(`gradients: ${node.op} (${node.inputs.map((v) => fmt(v.shape)).join(', ')}) is not differentiable`);
    }
    const inGrads = def.vjp({ node, grads: outGrads });
    node.inputs.forEach((input, i) => {
      const g = inGrads[i];
      if (needed[i] && g) accumulate(input, g);
    });
  }

  const result = new Map<Value, Value>();
  for (const v of wrt) {
    result.set(v, grads.get(v.id) ?? zeros(graph, v.shape, v.dtype));
  }
  return result;
}

function producerOf(graph: Graph, value: Value) {
  const node = graph.nodes.find((n) => n.outputs.includes(value));
  if (!node) throw new GraphBuildError(`gradients: loss ${value.name} is not computed by any op`);
  return node;
}

/** Ids of every tensor that depends on one of `targets` (including the targets). */
function forwardReach(graph: Graph, targets: Set<number>): Set<number> {
  const reach = new Set(targets);
  for (const node of graph.nodes) {
    if (node.inputs.some((v) => reach.has(v.id))) for (const o of node.outputs) reach.add(o.id);
  }
  return reach;
}
