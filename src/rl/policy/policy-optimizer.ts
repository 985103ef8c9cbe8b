import { buildTrainingProgram, Feeds, Rng, RuntimeOptions, Trainer } from '../../engine';
import { expectedParameters, LoraConfig, mergeLora, ModelConfig } from '../../model';
import { Episode } from '../episode';
import { aggregationWeights, LossAggregation } from './aggregation';
import { buildPolicyGraph, PolicyLossConfig, policyInputNames as names } from './policy-loss';
import { SequenceRow, sequenceRow } from './sequences';

export interface PolicyOptimizerConfig {
  loss: PolicyLossConfig;
  aggregation: LossAggregation;
  learningRate: number;
  weightDecay: number;
  maxGradNorm: number;
  /** Sequences per engine call (the training graph's batch dimension). */
  microBatch: number;
  /** Tokens per training row: the longest episode that can be learned from. */
  sequenceLength: number;
  /** Passes over each rollout batch (TRL's num_iterations). */
  epochs: number;
  /** Optimizer steps per epoch: the shuffled rollout batch split into this many parts. */
  miniBatches: number;
  /** Train a LoRA adapter instead of every weight: the base stays frozen, AdamW state is the adapter's only. */
  lora?: LoraConfig;
}

/**
 * Defaults for the shipped 2M-parameter model (3e-4 kept KL below 0.02 over a 20-step pilot on
 * seed 0, which the experiment's seeds do not use); a large checkpoint wants ~1e-6.
 */
export const defaultPolicyOptimizerConfig: Omit<PolicyOptimizerConfig, 'loss'> = {
  aggregation: 'token-mean',
  learningRate: 3e-4,
  weightDecay: 0,
  maxGradNorm: 1,
  microBatch: 8,
  sequenceLength: 512,
  epochs: 1,
  miniBatches: 2,
};

/** Means over the update's optimizer steps. */
export interface UpdateMetrics {
  loss: number;
  gradNorm: number;
  clipFraction: number;
  kl: number;
  entropy: number;
  optimizerSteps: number;
  trainedTokens: number;
  /** With rehearsal: the supervised rows' mean negative log-likelihood before the update. */
  rehearsalNll?: number;
}

/**
 * The policy update on the engine: clipped policy gradient + KL to a frozen reference, AdamW with
 * gradient clipping, several mini-batch epochs per rollout batch, micro-batches accumulated.
 */
export class PolicyOptimizer {
  private merged: { step: number; params: Map<string, Float32Array> } | undefined;

  private constructor(
    readonly config: PolicyOptimizerConfig,
    private readonly trainer: Trainer,
    /** The reference model's parameters (the initial policy), fed in place of the trained ones. */
    private readonly reference: Map<string, Float32Array>,
    /** With LoRA: the frozen base weights, fed to every engine call (the initial arrays, not copies). */
    private readonly frozen: Map<string, Float32Array>,
    private readonly shapes: Map<string, readonly number[]>,
  ) {}

  static async create(model: ModelConfig, initial: Map<string, Float32Array>, config: PolicyOptimizerConfig, runtime: RuntimeOptions = {}) {
    const policy = buildPolicyGraph(model, config.microBatch, config.sequenceLength, config.loss, 'float32', config.lora);
    const program = buildTrainingProgram(policy.graph, policy.loss, {
      optimizer: { kind: 'adamw', weightDecay: config.weightDecay },
      maxGradNorm: config.maxGradNorm,
      metrics: policy.metrics,
      evalOutputs: { token_logprobs: policy.tokenLogProbs },
    });
    const trainer = await Trainer.create(program, { seed: 0, ...runtime });
    const frozen = new Map<string, Float32Array>();
    const shapes = expectedParameters(model);
    const take = (name: string) => {
      const values = initial.get(name);
      if (!values) throw new Error(`initial parameters lack ${name}`);
      return values;
    };
    // LoRA: every base weight is a graph input and the adapters start from their initializers.
    if (config.lora) for (const name of shapes.keys()) frozen.set(name, take(name));
    else for (const name of trainer.params.keys()) trainer.params.set(name, Float32Array.from(take(name)));
    const reference = new Map([...trainer.params].map(([name, v]) => [name, Float32Array.from(v)]));
    return new PolicyOptimizer(config, trainer, reference, frozen, shapes);
  }

  /**
   * The current policy's full weights by Hugging Face name (replaced, not mutated, by each
   * optimizer step); with LoRA, the base with the adapter merged in.
   */
  get params(): Map<string, Float32Array> {
    const lora = this.config.lora;
    if (!lora) return this.trainer.params as Map<string, Float32Array>;
    if (this.merged?.step !== this.trainer.stepCount) {
      this.merged = { step: this.trainer.stepCount, params: mergeLora(lora, this.frozen, this.adapter, this.shapes) };
    }
    return this.merged.params;
  }

  /** The trained tensors: every weight, or with LoRA only the adapter's lora_A / lora_B (PEFT names). */
  get adapter(): Map<string, Float32Array> {
    return this.trainer.params as Map<string, Float32Array>;
  }

  get optimizerSteps(): number {
    return this.trainer.stepCount;
  }

  /**
   * Learns from one rollout batch. `advantages[i][t]` belongs to agent turn t of episode i. The
   * shuffling of episodes into mini-batches follows `seed`. With `rehearsal`, its supervised rows
   * are spread over the mini-batches and each mini-batch's loss adds `coef` × their mean
   * negative log-likelihood (see `rehearsalRows`); clip fraction, KL and entropy then cover both.
   */
  async update(episodes: Episode[], advantages: number[][], seed: number, rehearsal?: { rows: SequenceRow[]; coef: number }): Promise<UpdateMetrics> {
    const rows = episodes.map((e, i) => sequenceRow(e, advantages[i], this.config.sequenceLength));
    const supervised = rehearsal?.rows ?? [];
    const rehearsalNll = supervised.length ? await this.markOnPolicy(supervised) : undefined;
    const refLogProbs = await this.referenceLogProbs([...rows, ...supervised]);
    const rng = new Rng(seed);
    const totals = { loss: 0, gradNorm: 0, clipFraction: 0, kl: 0, entropy: 0, steps: 0 };
    for (let epoch = 0; epoch < this.config.epochs; epoch++) {
      const parts = split(shuffled(rows.length, rng), this.config.miniBatches);
      const supervisedParts = dealt(supervised.length, parts.length);
      for (const [p, part] of parts.entries()) {
        const items = [
          ...part.map((i) => ({ row: rows[i], ref: refLogProbs[i] })),
          ...supervisedParts[p].map((j) => ({ row: supervised[j], ref: refLogProbs[rows.length + j] })),
        ];
        const micro = split(items, Math.ceil(items.length / this.config.microBatch));
        const weights = [
          ...aggregationWeights(part.map((i) => rows[i].mask), this.config.aggregation, micro.length),
          ...meanWeights(supervisedParts[p].map((j) => supervised[j].mask), (rehearsal?.coef ?? 0) * micro.length),
        ];
        const weightOf = new Map(items.map((it, k) => [it, weights[k]]));
        for (const chunk of micro) await this.trainer.accumulate(this.feeds(chunk.map((it) => ({ ...it, weights: weightOf.get(it)! }))));
        const step = await this.trainer.applyAccumulated({ lr: this.config.learningRate });
        totals.loss += step.loss;
        totals.gradNorm += step.gradNorm;
        totals.clipFraction += step.metrics.clip_fraction;
        totals.kl += step.metrics.kl;
        totals.entropy += step.metrics.entropy;
        totals.steps++;
      }
    }
    const n = Math.max(1, totals.steps);
    return {
      loss: totals.loss / n,
      gradNorm: totals.gradNorm / n,
      clipFraction: totals.clipFraction / n,
      kl: totals.kl / n,
      entropy: totals.entropy / n,
      optimizerSteps: totals.steps,
      trainedTokens: rows.reduce((a, r) => a + r.mask.reduce((s, v) => s + v, 0), 0),
      ...(rehearsalNll === undefined ? {} : { rehearsalNll }),
    };
  }

  /**
   * Sets supervised rows' old log-probs to the current policy's, so the update starts on-policy
   * for them; returns their mean negative log-likelihood (how much of the supervised data the
   * policy has kept, before this update).
   */
  private async markOnPolicy(rows: SequenceRow[]): Promise<number> {
    const current = await this.logProbsOf(rows, this.adapter);
    let nll = 0;
    let tokens = 0;
    rows.forEach((row, i) => {
      row.mask.forEach((m, t) => {
        row.oldLogProbs[t] = m * current[i][t];
        nll -= m * current[i][t];
        tokens += m;
      });
    });
    return nll / Math.max(1, tokens);
  }

  /** Per-token log-probs under the policy's current parameters (e.g. to check a rollout's log-probs). */
  async tokenLogProbs(episodes: Episode[]): Promise<Float32Array[]> {
    const rows = episodes.map((e) => sequenceRow(e, e.agentTurns.map(() => 0), this.config.sequenceLength));
    return this.logProbsOf(rows, this.adapter);
  }

  async save(paramsPath: string, optimizerPath: string): Promise<void> {
    await this.trainer.save(paramsPath);
    await this.trainer.saveOptimizerState(optimizerPath);
  }

  async restore(paramsPath: string, optimizerPath: string): Promise<void> {
    await this.trainer.load(paramsPath);
    await this.trainer.loadOptimizerState(optimizerPath);
  }

  async release(): Promise<void> {
    await this.trainer.release();
  }

  private referenceLogProbs(rows: SequenceRow[]): Promise<Float32Array[]> {
    return this.logProbsOf(rows, this.reference);
  }

  /** Forward passes only, micro-batch by micro-batch, with the given parameters fed in. */
  private async logProbsOf(rows: SequenceRow[], params: Map<string, Float32Array>): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const L = this.config.sequenceLength;
    for (let at = 0; at < rows.length; at += this.config.microBatch) {
      const chunk = rows.slice(at, at + this.config.microBatch);
      const zeros = new Float32Array(L);
      const feeds = this.feeds(chunk.map((row) => ({ row, ref: zeros, weights: zeros })));
      const result = await this.trainer.evaluate({ ...feeds, ...Object.fromEntries(params) });
      const logProbs = result.token_logprobs.data as Float32Array;
      chunk.forEach((_, b) => out.push(logProbs.slice(b * L, (b + 1) * L)));
    }
    return out;
  }

  /** One micro-batch; missing rows are padding with zero weight. */
  private feeds(items: { row: SequenceRow; ref: Float32Array; weights: Float32Array }[]): Feeds {
    const B = this.config.microBatch;
    const L = this.config.sequenceLength;
    const ints = (pick: (r: SequenceRow) => BigInt64Array) => {
      const a = new BigInt64Array(B * L);
      items.forEach((it, b) => a.set(pick(it.row), b * L));
      return a;
    };
    const floats = (pick: (it: (typeof items)[number]) => Float32Array) => {
      const a = new Float32Array(B * L);
      items.forEach((it, b) => a.set(pick(it), b * L));
      return a;
    };
    return {
      [names.inputIds]: ints((r) => r.inputIds),
      [names.targetIds]: ints((r) => r.targetIds),
      [names.mask]: floats((it) => it.row.mask),
      [names.oldLogProbs]: floats((it) => it.row.oldLogProbs),
      [names.advantages]: floats((it) => it.row.advantages),
      [names.refLogProbs]: floats((it) => it.ref),
      [names.tokenWeights]: floats((it) => it.weights),
      ...Object.fromEntries(this.frozen),
    };
  }
}

function shuffled(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Indices 0…n−1 dealt round-robin into exactly `parts` piles (some empty when n < parts). */
function dealt(n: number, parts: number): number[][] {
  const piles: number[][] = Array.from({ length: parts }, () => []);
  for (let i = 0; i < n; i++) piles[i % parts].push(i);
  return piles;
}

/** Token weights making Σ weight·ℓ `scale` × the mean over every masked token of the rows. */
function meanWeights(masks: Float32Array[], scale: number): Float32Array[] {
  const tokens = masks.reduce((a, m) => a + m.reduce((s, v) => s + v, 0), 0);
  return masks.map((m) => m.map((v) => (v * scale) / Math.max(1, tokens)));
}

/** Splits into `parts` nearly equal consecutive pieces (none empty when parts ≤ length). */
function split<T>(items: T[], parts: number): T[][] {
  const k = Math.max(1, Math.min(parts, items.length));
  return Array.from({ length: k }, (_, p) => items.slice(Math.floor((p * items.length) / k), Math.floor(((p + 1) * items.length) / k)));
}
