/**
 * The serving path this repository used before issue #14, kept verbatim in behaviour as the
 * benchmark baseline (not used by the product): every step attends over a fixed-capacity cache,
 * writes the new keys/values with a one-hot matmul (`present = past·keep + write·fresh`) over all
 * slots of every layer, and returns the whole cache to JS.
 */
import type * as ort from 'onnxruntime-node';
import { createSession, exportOnnx, Graph, ops as T, RuntimeOptions, tensor, Value } from '../../src/engine';
import { Checkpoint, ModelConfig } from '../../src/model';
import { declareDecoderParams, decoderLogits, scaledDotAttention } from '../../src/model/llama';
import { ropeTables } from '../../src/model/rope';

const pastName = (layer: number, kind: string) => `past.${layer}.${kind}`;
const presentName = (layer: number, kind: string) => `present.${layer}.${kind}`;

function buildFixedCapacityStep(c: ModelConfig, batch: number, chunk: number, capacity: number) {
  const g = new Graph('float32');
  const ids = g.input('input_ids', [batch, chunk], 'int64');
  const cos = g.input('rope_cos', [batch, 1, chunk, c.headDim]);
  const sin = g.input('rope_sin', [batch, 1, chunk, c.headDim]);
  const bias = g.input('attn_bias', [batch, 1, chunk, capacity]);
  const write = g.input('write', [batch, 1, capacity, chunk]);
  const keep = g.input('keep', [batch, 1, capacity, 1]);
  const presents: Record<string, Value> = {};
  const logits = decoderLogits(ids, declareDecoderParams(g, c), c, {
    cos,
    sin,
    attend: (layer, q, k, v) => {
      const store = (kind: string, fresh: Value) => {
        const past = g.input(pastName(layer, kind), [batch, c.numKvHeads, capacity, c.headDim]);
        return (presents[presentName(layer, kind)] = T.add(T.mul(past, keep), T.matmul(write, fresh)));
      };
      return scaledDotAttention(q, store('key', k), store('value', v), bias, c.numHeads / c.numKvHeads);
    },
  });
  return { graph: g, logits, presents };
}

/** Batched cache of the old path: every row holds `capacity` slots. */
export class FixedCapacityLm {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private readonly baked: Map<string, Float32Array>;

  constructor(
    private readonly checkpoint: Checkpoint,
    readonly capacity: number,
    private readonly runtime: RuntimeOptions,
  ) {
    this.baked = new Map([...checkpoint.tensors].map(([name, t]) => [name, Float32Array.from(t.data)]));
  }

  newCache(batch: number) {
    const c = this.checkpoint.config;
    const past: Record<string, Float32Array> = {};
    for (let l = 0; l < c.numLayers; l++) for (const kind of ['key', 'value']) past[pastName(l, kind)] = new Float32Array(batch * c.numKvHeads * this.capacity * c.headDim);
    return { batch, lengths: new Array<number>(batch).fill(0), past };
  }

  /** Appends tokens[b] to row b (equal counts per row here) and returns each row's last logits. */
  async append(cache: ReturnType<FixedCapacityLm['newCache']>, tokens: number[][]): Promise<Float32Array[]> {
    const c = this.checkpoint.config;
    const B = cache.batch;
    const chunk = tokens[0].length;
    const C = this.capacity;
    const cos = new Float32Array(B * chunk * c.headDim);
    const sin = new Float32Array(B * chunk * c.headDim);
    const bias = new Float32Array(B * chunk * C).fill(-1e9);
    const write = new Float32Array(B * C * chunk);
    const keep = new Float32Array(B * C).fill(1);
    const ids = new BigInt64Array(B * chunk);
    for (let b = 0; b < B; b++) {
      const tables = ropeTables(c, Array.from({ length: chunk }, (_, i) => cache.lengths[b] + i));
      cos.set(tables.cos, b * chunk * c.headDim);
      sin.set(tables.sin, b * chunk * c.headDim);
      for (let i = 0; i < chunk; i++) {
        ids[b * chunk + i] = BigInt(tokens[b][i]);
        const slot = cache.lengths[b] + i;
        bias.fill(0, (b * chunk + i) * C, (b * chunk + i) * C + slot + 1);
        write[(b * C + slot) * chunk + i] = 1;
        keep[b * C + slot] = 0;
      }
    }
    const feeds: Record<string, ort.Tensor> = {
      input_ids: tensor('int64', ids, [B, chunk]),
      rope_cos: tensor('float32', cos, [B, 1, chunk, c.headDim]),
      rope_sin: tensor('float32', sin, [B, 1, chunk, c.headDim]),
      attn_bias: tensor('float32', bias, [B, 1, chunk, C]),
      write: tensor('float32', write, [B, 1, C, chunk]),
      keep: tensor('float32', keep, [B, 1, C, 1]),
    };
    for (const [name, data] of Object.entries(cache.past)) feeds[name] = tensor('float32', data, [B, c.numKvHeads, C, c.headDim]);
    const out = await (await this.session(B, chunk)).run(feeds);
    for (const name of Object.keys(cache.past)) cache.past[name] = out[name.replace('past', 'present')].data as Float32Array;
    cache.lengths.forEach((_, b) => (cache.lengths[b] += chunk));
    const logits = out.logits.data as Float32Array;
    const V = c.vocabSize;
    return tokens.map((_, b) => logits.subarray((b * chunk + chunk - 1) * V, (b * chunk + chunk) * V));
  }

  private session(batch: number, chunk: number): Promise<ort.InferenceSession> {
    const key = `${batch}x${chunk}`;
    let session = this.sessions.get(key);
    if (!session) {
      const step = buildFixedCapacityStep(this.checkpoint.config, batch, chunk, this.capacity);
      session = createSession(exportOnnx(step.graph, { outputs: { logits: step.logits, ...step.presents }, bakedParams: this.baked }), this.runtime);
      this.sessions.set(key, session);
    }
    return session;
  }

  async release(): Promise<void> {
    await Promise.all([...this.sessions.values()].map(async (s) => (await s).release()));
  }
}
