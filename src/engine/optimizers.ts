import { GraphBuildError } from './errors';
import { Graph, Value } from './graph';
import * as T from './tensor-ops';

export interface AdamWConfig {
  kind: 'adamw';
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (applied to the parameter, not folded into the gradient). */
  weightDecay?: number;
}

export interface SgdConfig {
  kind: 'sgd';
  weightDecay?: number;
}

export type OptimizerConfig = AdamWConfig | SgdConfig;

/** Per-parameter state tensors an optimizer keeps between steps (names are suffixes). */
export function optimizerStateSlots(config: OptimizerConfig): string[] {
  return config.kind === 'adamw' ? ['adam_m', 'adam_v'] : [];
}

export interface UpdateInputs {
  params: Value[];
  grads: Map<Value, Value>;
  /** `state.get(param)` lists the param's state tensors in `optimizerStateSlots` order. */
  state: Map<Value, Value[]>;
  /** 1-based step number (float scalar), for Adam's bias correction. */
  step: Value;
  lr: Value;
}

export interface UpdateOutputs {
  params: Map<Value, Value>;
  state: Map<Value, Value[]>;
}

/** Emits one optimizer update as graph ops: new parameters and new state for every parameter. */
export function emitOptimizerUpdate(graph: Graph, config: OptimizerConfig, inputs: UpdateInputs): UpdateOutputs {
  const params = new Map<Value, Value>();
  const state = new Map<Value, Value[]>();
  if (config.kind === 'sgd') {
    const wd = config.weightDecay ?? 0;
    for (const p of inputs.params) {
      const g = wd ? T.add(inputs.grads.get(p)!, T.mul(p, wd)) : inputs.grads.get(p)!;
      params.set(p, T.sub(p, T.mul(g, inputs.lr)));
      state.set(p, []);
    }
    return { params, state };
  }
  if (config.kind !== 'adamw') throw new GraphBuildError(`unknown optimizer ${(config as { kind: string }).kind}`);
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01 } = config;
  // Bias corrections 1 - β^t, computed once per step in the graph.
  const correction1 = T.rsub(1, T.pow(graph.scalar(beta1), inputs.step));
  const correction2 = T.rsub(1, T.pow(graph.scalar(beta2), inputs.step));
  const stepSize = T.div(inputs.lr, correction1);
  const decay = T.rsub(1, T.mul(inputs.lr, weightDecay));
  for (const p of inputs.params) {
    const g = inputs.grads.get(p)!;
    const [m, v] = inputs.state.get(p)!;
    const m2 = T.add(T.mul(m, beta1), T.mul(g, 1 - beta1));
    const v2 = T.add(T.mul(v, beta2), T.mul(T.mul(g, g), 1 - beta2));
    const denom = T.add(T.sqrt(T.div(v2, correction2)), eps);
    params.set(p, T.sub(T.mul(p, decay), T.mul(T.div(m2, denom), stepSize)));
    state.set(p, [m2, v2]);
  }
  return { params, state };
}

/**
 * Global gradient-norm clipping: scales every gradient by min(1, maxNorm / ‖g‖) where ‖g‖ is
 * the norm over all parameters together. Returns the clipped gradients and the pre-clip norm.
 */
export function clipGradNorm(graph: Graph, grads: Map<Value, Value>, maxNorm: number): { grads: Map<Value, Value>; norm: Value } {
  const norm = globalNorm(graph, [...grads.values()]);
  const scale = T.minimum(T.div(graph.scalar(maxNorm), T.add(norm, 1e-6)), 1);
  return { grads: new Map([...grads].map(([p, g]) => [p, T.mul(g, scale)])), norm };
}

export function globalNorm(graph: Graph, tensors: Value[]): Value {
  const squares = tensors.map((g) => T.sumAll(T.mul(g, g)));
  return T.sqrt(squares.reduce((a, b) => T.add(a, b), graph.scalar(0)));
}
