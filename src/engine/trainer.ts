import type * as ort from 'onnxruntime-node';
import { AnyTypedArray, FloatDType } from './dtype';
import { Value } from './graph';
import { Rng } from './rng';
import { createSession, RuntimeOptions, tensor } from './runtime';
import { readSafetensors, writeSafetensors } from './safetensors';
import { size } from './shape';
import { names, TrainingProgram } from './training-program';

export type FloatArray = Float32Array | Float64Array;
export type Feeds = Record<string, AnyTypedArray>;

export interface TrainerOptions extends RuntimeOptions {
  /** Seeds parameter initialization. */
  seed: number;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  /** The program's metrics; after accumulation, their mean over the micro-batches. */
  metrics: Record<string, number>;
}

/**
 * Runs a TrainingProgram on onnxruntime: holds parameters and optimizer state as typed arrays
 * between steps, feeds them to the compiled step / grads / apply / evaluate sessions, and keeps
 * the returned arrays as the new values (no copies on our side).
 */
export class Trainer {
  /** Optimizer steps taken so far. */
  stepCount = 0;
  private accumulated: Map<string, FloatArray> | undefined;
  private accumulatedBatches = 0;
  private accumulatedLoss = 0;
  private accumulatedMetrics: Record<string, number> = {};
  /** Every feedable tensor by name (data inputs and parameters), for feed validation. */
  private readonly feedable: Map<string, Value>;

  private constructor(
    readonly program: TrainingProgram,
    private readonly sessions: Record<'step' | 'grads' | 'apply' | 'evaluate', ort.InferenceSession>,
    readonly params: Map<string, FloatArray>,
    private readonly state: Map<string, FloatArray>,
  ) {
    const { graph } = program;
    this.feedable = new Map([...graph.inputs.map((v) => [v.name, v] as const), ...[...graph.params].map(([n, p]) => [n, p.value] as const)]);
  }

  static async create(program: TrainingProgram, options: TrainerOptions): Promise<Trainer> {
    const { graph } = program;
    const rng = new Rng(options.seed);
    const params = new Map<string, FloatArray>();
    for (const [name, info] of graph.params) {
      const values = info.init(info.value.shape, rng);
      if (values.length !== size(info.value.shape)) {
        throw new Error(`initializer for ${name} gave ${values.length} values for shape [${info.value.shape.join(', ')}]`);
      }
      params.set(name, toFloat(graph.dtype, values));
    }
    const state = new Map<string, FloatArray>();
    for (const p of program.params) {
      for (const slot of program.stateSlots) state.set(names.state(p.name, slot), toFloat(graph.dtype, new Float64Array(size(p.shape))));
    }
    const [step, grads, apply, evaluate] = await Promise.all(
      [program.models.step, program.models.grads, program.models.apply, program.models.evaluate].map((m) => createSession(m, options)),
    );
    return new Trainer(program, { step, grads, apply, evaluate }, params, state);
  }

  get dtype(): FloatDType {
    return this.program.graph.dtype;
  }

  /** One optimizer step on one batch (forward, backward and update in a single ORT call). */
  async step(batch: Feeds, { lr }: { lr: number }): Promise<StepResult> {
    this.assertNotAccumulating();
    this.stepCount++;
    const out = await this.run('step', { ...batch, ...this.optimizerFeeds(lr) });
    this.takeUpdate(out);
    return { loss: scalar(out[names.loss]), gradNorm: scalar(out[names.gradNorm]), metrics: this.metricsOf(out) };
  }

  /** Adds one micro-batch's gradients; `applyAccumulated` then steps on their mean. */
  async accumulate(batch: Feeds): Promise<{ loss: number; metrics: Record<string, number> }> {
    const out = await this.run('grads', batch);
    this.accumulated ??= new Map(this.program.params.map((p) => [p.name, toFloat(this.dtype, new Float64Array(size(p.shape)))]));
    for (const p of this.program.params) {
      const sum = this.accumulated.get(p.name)!;
      const g = out[names.grad(p.name)].data as FloatArray;
      for (let i = 0; i < sum.length; i++) sum[i] += g[i];
    }
    this.accumulatedBatches++;
    const loss = scalar(out[names.loss]);
    this.accumulatedLoss += loss;
    const metrics = this.metricsOf(out);
    for (const [name, v] of Object.entries(metrics)) this.accumulatedMetrics[name] = (this.accumulatedMetrics[name] ?? 0) + v;
    return { loss, metrics };
  }

  async applyAccumulated({ lr }: { lr: number }): Promise<StepResult> {
    if (!this.accumulated || this.accumulatedBatches === 0) throw new Error('applyAccumulated: no gradients accumulated');
    this.stepCount++;
    const feeds: Feeds = { ...this.optimizerFeeds(lr), [names.gradScale]: toFloat(this.dtype, [1 / this.accumulatedBatches]) };
    for (const [name, g] of this.accumulated) feeds[names.grad(name)] = g;
    const out = await this.run('apply', feeds);
    this.takeUpdate(out);
    const loss = this.accumulatedLoss / this.accumulatedBatches;
    const metrics = Object.fromEntries(Object.entries(this.accumulatedMetrics).map(([name, v]) => [name, v / this.accumulatedBatches]));
    this.accumulated = undefined;
    this.accumulatedBatches = 0;
    this.accumulatedLoss = 0;
    this.accumulatedMetrics = {};
    return { loss, gradNorm: scalar(out[names.gradNorm]), metrics };
  }

  /** Loss (and the program's evalOutputs) without updating anything. */
  async evaluate(batch: Feeds): Promise<Record<string, ort.Tensor>> {
    return this.run('evaluate', batch);
  }

  /** Parameters in safetensors layout (optimizer state is not saved). */
  async save(path: string, metadata: Record<string, string> = {}): Promise<void> {
    const tensors = [...this.params].map(([name, data]) => ({ name, shape: this.program.graph.params.get(name)!.value.shape, data }));
    await writeSafetensors(path, tensors, metadata);
  }

  /** Optimizer state and step count, so a resumed run continues exactly where it stopped. */
  async saveOptimizerState(path: string): Promise<void> {
    const tensors = [...this.state].map(([name, data]) => ({ name, shape: [data.length], data }));
    await writeSafetensors(path, tensors, { step: String(this.stepCount) });
  }

  async loadOptimizerState(path: string): Promise<void> {
    const file = await readSafetensors(path);
    for (const [name, current] of this.state) {
      const t = file.tensors.get(name);
      if (!t || t.data.length !== current.length) throw new Error(`${path}: no optimizer state ${name} of ${current.length} values`);
      this.state.set(name, toFloat(this.dtype, t.data));
    }
    this.stepCount = Number(file.metadata.step ?? 0);
  }

  /** Replaces parameters with those in a safetensors file; names and shapes must match. */
  async load(path: string): Promise<void> {
    const file = await readSafetensors(path);
    for (const [name, info] of this.program.graph.params) {
      const t = file.tensors.get(name);
      if (!t) throw new Error(`${path}: no tensor named ${name}`);
      if (t.shape.join() !== info.value.shape.join()) {
        throw new Error(`${path}: ${name} has shape [${t.shape.join(', ')}], the graph wants [${info.value.shape.join(', ')}]`);
      }
      this.params.set(name, toFloat(this.dtype, t.data));
    }
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }

  private metricsOf(out: Record<string, ort.Tensor>): Record<string, number> {
    return Object.fromEntries(Object.keys(this.program.options.metrics ?? {}).map((m) => [m, scalar(out[names.metric(m)])]));
  }

  private optimizerFeeds(lr: number): Feeds {
    return { [names.step]: toFloat(this.dtype, [this.stepCount]), [names.lr]: toFloat(this.dtype, [lr]) };
  }

  private takeUpdate(out: Record<string, ort.Tensor>): void {
    for (const p of this.program.params) {
      this.params.set(p.name, out[names.newParam(p.name)].data as FloatArray);
      for (const slot of this.program.stateSlots) {
        this.state.set(names.state(p.name, slot), out[names.newState(p.name, slot)].data as FloatArray);
      }
    }
  }

  /** Feeds exactly the inputs the session declares: data from `feeds`, the rest from our state. */
  private async run(which: keyof Trainer['sessions'], feeds: Feeds): Promise<Record<string, ort.Tensor>> {
    const session = this.sessions[which];
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const data = feeds[name] ?? this.params.get(name) ?? this.state.get(name);
      const value = this.feedable.get(name)!;
      if (!data) throw new Error(`missing input ${name} (${value.dtype}[${value.shape.join(', ')}])`);
      if (data.length !== size(value.shape)) {
        throw new Error(`input ${name}: ${data.length} values given, shape [${value.shape.join(', ')}] needs ${size(value.shape)}`);
      }
      ortFeeds[name] = tensor(value.dtype, data, value.shape);
    }
    return session.run(ortFeeds);
  }

  private assertNotAccumulating(): void {
    if (this.accumulatedBatches > 0) throw new Error('step: gradients are being accumulated; call applyAccumulated first');
  }
}

function toFloat(dtype: FloatDType, values: ArrayLike<number>): FloatArray {
  return dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
}

function scalar(t: ort.Tensor): number {
  return Number((t.data as FloatArray)[0]);
}
