import type * as ort from 'onnxruntime-node';
import { createSession, exportOnnx, RuntimeOptions, tensor } from '../engine';
import { Checkpoint } from './checkpoint';
import { ModelConfig } from './config';
import { buildStepGraph, cacheNames, stepInputs } from './kv-cache';

/** Key/value cache for a batch of rows, held between steps. */
export class KvCache {
  /** Tokens stored per row. */
  readonly lengths: number[];
  past: Record<string, Float32Array>;

  constructor(
    readonly batch: number,
    readonly capacity: number,
    config: ModelConfig,
  ) {
    this.lengths = new Array<number>(batch).fill(0);
    const size = batch * config.numKvHeads * capacity * config.headDim;
    this.past = {};
    for (let l = 0; l < config.numLayers; l++) {
      for (const kind of ['key', 'value'] as const) this.past[cacheNames.past(l, kind)] = new Float32Array(size);
    }
  }
}

/**
 * A loaded causal LM for serving: compiles (and caches) one ORT session per (batch, chunk)
 * shape with the weights baked in, and runs prefill and decode steps against a KvCache.
 */
export class CausalLm {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private readonly baked: Map<string, Float32Array>;

  constructor(
    readonly checkpoint: Checkpoint,
    readonly capacity: number,
    private readonly runtime: RuntimeOptions = {},
  ) {
    this.baked = new Map([...checkpoint.tensors].map(([name, t]) => [name, Float32Array.from(t.data)]));
  }

  get config(): ModelConfig {
    return this.checkpoint.config;
  }

  newCache(batch: number): KvCache {
    return new KvCache(batch, this.capacity, this.config);
  }

  /**
   * Appends `tokens[b]` to row b of the cache (rows may add different counts, including none) and
   * returns, for each row, the logits after its last new token (undefined for rows that added none).
   */
  async append(cache: KvCache, tokens: number[][]): Promise<(Float32Array | undefined)[]> {
    const longest = Math.max(...tokens.map((t) => t.length));
    const results: (Float32Array | undefined)[] = new Array(cache.batch).fill(undefined);
    if (longest === 0) return results;
    const chunk = longest === 1 ? 1 : Math.min(this.capacity, 2 ** Math.ceil(Math.log2(longest)));
    for (let start = 0; start < longest; start += chunk) {
      const part = tokens.map((t) => t.slice(start, start + chunk));
      const logits = await this.step(cache, part, chunk);
      part.forEach((t, b) => t.length > 0 && (results[b] = logits[b]));
    }
    return results;
  }

  private async step(cache: KvCache, tokens: number[][], chunk: number): Promise<Float32Array[]> {
    const c = this.config;
    const B = cache.batch;
    const counts = tokens.map((t) => t.length);
    const inputs = stepInputs(c, cache.lengths, counts, chunk, cache.capacity);
    const ids = new BigInt64Array(B * chunk);
    tokens.forEach((t, b) => t.forEach((id, i) => (ids[b * chunk + i] = BigInt(id))));
    const session = await this.session(B, chunk);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: tensor('int64', ids, [B, chunk]),
      rope_cos: tensor('float32', inputs.cos, [B, 1, chunk, c.headDim]),
      rope_sin: tensor('float32', inputs.sin, [B, 1, chunk, c.headDim]),
      attn_bias: tensor('float32', inputs.bias, [B, 1, chunk, cache.capacity]),
      write: tensor('float32', inputs.write, [B, 1, cache.capacity, chunk]),
      keep: tensor('float32', inputs.keep, [B, 1, cache.capacity, 1]),
    };
    const cacheShape = [B, c.numKvHeads, cache.capacity, c.headDim];
    for (const [name, data] of Object.entries(cache.past)) feeds[name] = tensor('float32', data, cacheShape);
    const out = await session.run(feeds);
    for (let l = 0; l < c.numLayers; l++) {
      for (const kind of ['key', 'value'] as const) cache.past[cacheNames.past(l, kind)] = out[cacheNames.present(l, kind)].data as Float32Array;
    }
    counts.forEach((n, b) => (cache.lengths[b] += n));
    const logits = out.logits.data as Float32Array;
    const V = c.vocabSize;
    return counts.map((n, b) => logits.slice((b * chunk + Math.max(0, n - 1)) * V, (b * chunk + Math.max(0, n - 1) + 1) * V));
  }

  private session(batch: number, chunk: number): Promise<ort.InferenceSession> {
    const key = `${batch}x${chunk}`;
    let session = this.sessions.get(key);
    if (!session) {
      const step = buildStepGraph(this.config, batch, chunk, this.capacity);
      const model = exportOnnx(step.graph, { outputs: { logits: step.logits, ...step.presents }, bakedParams: this.baked });
      session = createSession(model, this.runtime);
      this.sessions.set(key, session);
    }
    return session;
  }

  async release(): Promise<void> {
    await Promise.all([...this.sessions.values()].map(async (s) => (await s).release()));
    this.sessions.clear();
  }
}
