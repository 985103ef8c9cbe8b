import type * as ort from 'onnxruntime-node';
import { createSession, exportOnnx, RuntimeOptions, tensor } from '../engine';
import { Checkpoint } from './checkpoint';
import { checkContext, ModelConfig } from './config';
import { SlotKvCache } from './kv-cache';
import { ropeTables } from './rope';
import { buildStepGraph, KV_KINDS, kvNames, pastBiasShape, servingWeights } from './step-graph';

/**
 * How weights reach the step graphs. 'baked': initializers, so ORT constant-folds and pre-packs
 * them (faster steps, but every (batch, chunk, capacity) session holds its own copies, a session
 * compiles slowly, and a protobuf caps the weights at 2 GB; new weights recompile each session
 * shape on its next use). 'fed': graph inputs backed by the one Float32Array per weight that this
 * class holds, shared by every session (ORT reads CPU tensors in place); new weights are a swap.
 * 'decode-baked': baked into the decode steps (one token per row, run once per generated token)
 * and one row's prefills of at most BAKED_PREFILL_MAX_CHUNK tokens (a turn's usual prefill, whose
 * time fed weights about double, since ORT packs fed weights on every run), fed to the other
 * prefill chunks (rarer, and where the copies would cost the most memory).
 */
export type WeightMode = 'baked' | 'fed' | 'decode-baked';

/**
 * Default: baked up to this many bytes of float32 weights, fed above. Measured on 2 cores
 * (docs/models.md): baked decodes a 135M model 1.3–1.7× faster but took 10 s to compile each
 * session shape and ~0.8 GiB more memory per session shape; for a small model the copies cost little.
 */
export const BAKED_WEIGHTS_MAX_BYTES = 64 * 2 ** 20;

/**
 * 'decode-baked' also bakes one row's prefill chunks of at most this many tokens. Measured on
 * the default model, one row at a 192-slot capacity, one-core ORT: 16 / 32 / 64 new tokens took
 * 1.7 / 2.4–2.8 / 4.3–4.8 ms baked against 3.5–4.2 / 4.7–5.0 / 6.6–6.7 ms fed (docs/performance.md).
 */
export const BAKED_PREFILL_MAX_CHUNK = 64;

export interface CausalLmOptions extends RuntimeOptions {
  /** Default: 'fed' above BAKED_WEIGHTS_MAX_BYTES; below it 'baked', or 'decode-baked' when `allShapes`. */
  weights?: WeightMode;
  /**
   * Every step shape will be compiled (a served model, POLICY_PRECOMPILE): each baked shape holds
   * its own copy of the weights, so by default only the decode steps and one row's small prefills
   * are baked. Measured on the default model, 152 shapes: 1.9 GB resident baked, 0.78 GB
   * decode-baked (0.57 GB with decode steps alone), 0.31 GB fed, with decode-baked decoding as fast
   * as baked (docs/performance.md, "Serving throughput").
   */
  allShapes?: boolean;
}

/** One row's output of a step: the logits after its last new token and their log Σ exp. */
export interface RowLogits {
  logits: Float32Array;
  logZ: number;
}

/** A loaded causal LM for serving: one ORT session per (batch, chunk, capacity) shape, compiled on first use. */
export class CausalLm {
  readonly config: ModelConfig;
  private sessions = new Map<string, Promise<ort.InferenceSession>>();
  /** Sessions of replaced weights, released once no step runs. */
  private retired: Promise<ort.InferenceSession>[] = [];
  private runningSteps = 0;
  private compiled = 0;
  private weights = new Map<string, { data: Float32Array; shape: number[] }>();
  private fedWeights: Record<string, ort.Tensor> = {};
  private readonly rope: { cos: Float32Array; sin: Float32Array };
  private readonly freshNames: string[];
  private readonly weightMode: WeightMode;

  constructor(
    checkpoint: Checkpoint,
    /** Longest sequence a row may hold (prompt + reply). */
    readonly maxContext: number,
    { weights, allShapes = false, ...runtime }: CausalLmOptions = {},
  ) {
    this.config = checkpoint.config;
    this.runtime = runtime;
    const bytes = [...checkpoint.tensors.values()].reduce((n, t) => n + t.data.length * 4, 0);
    this.weightMode = weights ?? (bytes > BAKED_WEIGHTS_MAX_BYTES ? 'fed' : allShapes ? 'decode-baked' : 'baked');
    checkContext(this.config, maxContext);
    // Float32 tensors are used as they are: a loaded model holds one copy of its weights.
    this.setWeights(new Map([...checkpoint.tensors].map(([name, t]) => [name, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data)])));
    this.rope = ropeTables(this.config, Array.from({ length: maxContext }, (_, i) => i)) as { cos: Float32Array; sin: Float32Array };
    this.freshNames = Array.from({ length: this.config.numLayers }, (_, l) => KV_KINDS.map((kind) => kvNames.fresh(l, kind))).flat();
  }

  private readonly runtime: RuntimeOptions;

  newCache(): SlotKvCache {
    return new SlotKvCache(this.config, this.maxContext);
  }

  /** Replaces every weight (Hugging Face names and layouts); shapes must match the config. */
  setWeights(params: ReadonlyMap<string, Float32Array>): void {
    this.weights = servingWeights(this.config, params);
    if (this.weightMode !== 'baked') this.fedWeights = Object.fromEntries([...this.weights].map(([name, { data, shape }]) => [name, tensor('float32', data, shape)]));
    if (this.weightMode === 'fed') return;
    this.retired.push(...this.sessions.values());
    this.sessions = new Map();
    this.releaseRetired();
  }

  /**
   * Runs `tokens[b]` (≤ chunk tokens, possibly none for a padding row) through the rows in slots
   * first + b, appends their keys/values to the cache, and returns each row's logits after its
   * last new token with their log-normalizer (a padding row's are meaningless). The cache must already fit every row's new length (`SlotKvCache.fit`).
   */
  async forward(cache: SlotKvCache, first: number, tokens: number[][], chunk: number): Promise<RowLogits[]> {
    const c = this.config;
    const hd = c.headDim;
    const B = tokens.length;
    const C = cache.capacity;
    const ids = new BigInt64Array(B * chunk);
    const cos = new Float32Array(B * chunk * hd);
    const sin = new Float32Array(B * chunk * hd);
    const biasShape = pastBiasShape(c, B, chunk, C);
    const queryRows = biasShape[2];
    const bias = new Float32Array(B * queryRows * C).fill(-1e9);
    const counts = tokens.map((t) => t.length);
    tokens.forEach((row, b) => {
      const held = cache.lengths[first + b] ?? 0;
      if (held + row.length > C) throw new Error(`row ${first + b}: ${held + row.length} positions exceed the cache bucket ${C}`);
      row.forEach((id, i) => (ids[b * chunk + i] = BigInt(id)));
      // Padding queries take the last real position: their outputs are discarded.
      for (let i = 0; i < chunk; i++) {
        const position = Math.min(held + i, this.maxContext - 1);
        cos.set(this.rope.cos.subarray(position * hd, (position + 1) * hd), (b * chunk + i) * hd);
        sin.set(this.rope.sin.subarray(position * hd, (position + 1) * hd), (b * chunk + i) * hd);
      }
      // Row r of a windowed mask is query position held + r % chunk: it sees the last `window` positions.
      for (let r = 0; r < queryRows; r++) {
        const at = (b * queryRows + r) * C;
        const first = c.slidingWindow === undefined ? 0 : Math.max(0, held + (r % chunk) - c.slidingWindow + 1);
        bias.fill(0, at + Math.min(first, held), at + held);
      }
    });
    const feeds: Record<string, ort.Tensor> = {
      ...(this.baked(B, chunk) ? {} : this.fedWeights),
      input_ids: tensor('int64', ids, [B, chunk]),
      rope_cos: tensor('float32', cos, [B, 1, chunk, hd]),
      rope_sin: tensor('float32', sin, [B, 1, chunk, hd]),
      past_bias: tensor('float32', bias, biasShape),
    };
    if (chunk > 1) {
      const last = new Float32Array(B * chunk);
      counts.forEach((n, b) => (last[b * chunk + Math.max(0, n - 1)] = 1));
      feeds.last_token = tensor('float32', last, [B, 1, chunk]);
    }
    const pastShape = [B, c.numKvHeads, C, hd];
    for (const [name, view] of cache.views(first, B)) feeds[name] = tensor('float32', view, pastShape);
    const session = this.session(B, chunk, C);
    this.runningSteps++;
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await (await session).run(feeds);
    } finally {
      this.runningSteps--;
      this.releaseRetired();
    }
    cache.append(first, counts, chunk, this.freshNames.map((name) => out[name].data as Float32Array));
    // One position per row: the step's only token, or the prefill's last (`last_token`).
    const logits = out.logits.data as Float32Array;
    const logZ = out.log_z.data as Float32Array;
    const V = c.vocabSize;
    return counts.map((_, b) => ({ logits: logits.subarray(b * V, (b + 1) * V), logZ: logZ[b] }));
  }

  /** ORT sessions compiled since the model loaded (one per step shape, again after new baked weights). */
  get compiledShapes(): number {
    return this.compiled;
  }

  /** Compiles the session of a step shape now, so the first step of that shape does not wait for it. */
  async prepare(batch: number, chunk: number, capacity: number): Promise<void> {
    await this.session(batch, chunk, capacity);
  }

  private session(batch: number, chunk: number, capacity: number): Promise<ort.InferenceSession> {
    const key = `${batch}x${chunk}x${capacity}`;
    let session = this.sessions.get(key);
    if (!session) {
      const step = buildStepGraph(this.config, batch, chunk, capacity);
      const bakedParams = this.baked(batch, chunk) ? new Map([...this.weights].map(([name, w]) => [name, w.data])) : undefined;
      // A one-token step is ~150 tiny ops: a second thread only adds hand-offs (and stalls when the other core is busy).
      const runtime = batch * chunk === 1 ? { ...this.runtime, intraOpThreads: 1 } : this.runtime;
      session = createSession(exportOnnx(step.graph, { outputs: { logits: step.logits, log_z: step.logZ, ...step.freshKv }, bakedParams }), runtime);
      this.sessions.set(key, session);
      this.compiled++;
    }
    return session;
  }

  /** Whether the steps of `batch` rows of `chunk` new tokens hold the weights as initializers. */
  private baked(batch: number, chunk: number): boolean {
    return this.weightMode === 'baked' || (this.weightMode === 'decode-baked' && (chunk === 1 || (batch === 1 && chunk <= BAKED_PREFILL_MAX_CHUNK)));
  }

  private releaseRetired(): void {
    if (this.runningSteps > 0 || this.retired.length === 0) return;
    const retired = this.retired;
    this.retired = [];
    for (const s of retired) void s.then((session) => session.release()).catch(() => undefined);
  }

  async release(): Promise<void> {
    await Promise.all([...this.sessions.values(), ...this.retired].map(async (s) => (await s).release()));
    this.sessions.clear();
    this.retired = [];
  }
}
