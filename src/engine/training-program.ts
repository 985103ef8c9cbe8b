import { gradients } from './autodiff';
import { GraphBuildError } from './errors';
import { Graph, Value } from './graph';
import { exportOnnx } from './onnx-export';
import { clipGradNorm, emitOptimizerUpdate, globalNorm, OptimizerConfig, optimizerStateSlots } from './optimizers';

export interface TrainingProgramOptions {
  optimizer: OptimizerConfig;
  /** Global gradient-norm clipping threshold; off when undefined. */
  maxGradNorm?: number;
  /** More tensors to return from `evaluate` (e.g. per-token log-probs), by name. */
  evalOutputs?: Record<string, Value>;
  /** Scalars computed with the loss (e.g. clip fraction, entropy), returned by step and accumulate. */
  metrics?: Record<string, Value>;
}

/** The ONNX models a Trainer runs, all cut from one graph. */
export interface TrainingModels {
  /** data + params + state + step + lr → loss, grad_norm, metrics, new params, new state (one fused step). */
  step: Uint8Array;
  /** data + params → loss, metrics and every gradient (for accumulation over micro-batches). */
  grads: Uint8Array;
  /** params + summed gradients + grad_scale + state + step + lr → new params, new state. */
  apply: Uint8Array;
  /** data + params → loss and evalOutputs. */
  evaluate: Uint8Array;
}

export const names = {
  newParam: (p: string) => `${p}.next`,
  grad: (p: string) => `${p}.grad`,
  state: (p: string, slot: string) => `${p}.${slot}`,
  newState: (p: string, slot: string) => `${p}.${slot}.next`,
  step: 'optimizer.step',
  lr: 'optimizer.lr',
  gradScale: 'optimizer.grad_scale',
  loss: 'loss',
  gradNorm: 'grad_norm',
  metric: (m: string) => `metric.${m}`,
};

export interface TrainingProgram {
  graph: Graph;
  options: TrainingProgramOptions;
  /** Trainable parameters, in a fixed order. */
  params: Value[];
  stateSlots: string[];
  models: TrainingModels;
}

/**
 * Differentiates `loss` w.r.t. every trainable parameter, appends the optimizer update, and
 * exports the step / grads / apply / evaluate models. All build errors surface here.
 */
export function buildTrainingProgram(graph: Graph, loss: Value, options: TrainingProgramOptions): TrainingProgram {
  const params = graph.trainableParams();
  if (params.length === 0) throw new GraphBuildError('buildTrainingProgram: the graph has no trainable parameters');
  const metrics: Record<string, Value> = {};
  for (const [name, value] of Object.entries(options.metrics ?? {})) {
    if (value.shape.length !== 0) throw new GraphBuildError(`buildTrainingProgram: metric ${name} must be a scalar, got [${value.shape.join(', ')}]`);
    metrics[names.metric(name)] = value;
  }
  const slots = optimizerStateSlots(options.optimizer);
  const state = new Map(params.map((p) => [p, slots.map((s) => graph.input(names.state(p.name, s), p.shape))]));
  const step = graph.input(names.step, []);
  const lr = graph.input(names.lr, []);
  const rawGrads = gradients(graph, loss, params);

  const fused = clipped(graph, rawGrads, options.maxGradNorm);
  const fusedUpdate = emitOptimizerUpdate(graph, options.optimizer, { params, grads: fused.grads, state, step, lr });

  // Apply path: summed micro-batch gradients come in as inputs and are scaled to their mean.
  const gradScale = graph.input(names.gradScale, []);
  const summed = new Map(params.map((p) => [p, graph.input(names.grad(p.name), p.shape)]));
  const averaged = new Map([...summed].map(([p, g]) => [p, graph.emit1('Mul', [g, gradScale])]));
  const applied = clipped(graph, averaged, options.maxGradNorm);
  const appliedUpdate = emitOptimizerUpdate(graph, options.optimizer, { params, grads: applied.grads, state, step, lr });

  const updateOutputs = (update: typeof fusedUpdate) => {
    const out: Record<string, Value> = {};
    for (const p of params) {
      out[names.newParam(p.name)] = update.params.get(p)!;
      update.state.get(p)!.forEach((v, i) => (out[names.newState(p.name, slots[i])] = v));
    }
    return out;
  };

  const models: TrainingModels = {
    step: exportOnnx(graph, { outputs: { [names.loss]: loss, [names.gradNorm]: fused.norm, ...metrics, ...updateOutputs(fusedUpdate) } }),
    grads: exportOnnx(graph, {
      outputs: { [names.loss]: loss, ...metrics, ...Object.fromEntries(params.map((p) => [names.grad(p.name), rawGrads.get(p)!])) },
    }),
    apply: exportOnnx(graph, { outputs: { [names.gradNorm]: applied.norm, ...updateOutputs(appliedUpdate) } }),
    evaluate: exportOnnx(graph, { outputs: { [names.loss]: loss, ...(options.evalOutputs ?? {}) } }),
  };
  return { graph, options, params, stateSlots: slots, models };
}

function clipped(graph: Graph, grads: Map<Value, Value>, maxNorm: number | undefined) {
  return maxNorm === undefined ? { grads, norm: globalNorm(graph, [...grads.values()]) } : clipGradNorm(graph, grads, maxNorm);
}
