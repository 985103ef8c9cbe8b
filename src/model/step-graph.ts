import { Graph, init, ops as T, Value } from '../engine';
import { ModelConfig } from './config';
import { expectedParameters } from './checkpoint';
import { AttentionContext, declareDecoderParams, decoderLogits } from './llama';

/**
 * The serving graph: a chunk of P new tokens per row attends over the row's past keys/values
 * (a capacity bucket of C slots, masked past each row's length) and over itself (causally).
 * P = 1 is the decode step; larger P is prefill.
 *
 * It outputs only the new keys/values, never the cache: the caller writes them into its own
 * typed arrays, so a step costs reading the cache once, not rewriting and copying it out.
 * The past is never concatenated with the new keys either (that would copy the cache inside
 * the graph): scores against past and new keys are computed apart, concatenated (small:
 * [.., P, C + P]), softmaxed, and split again.
 *
 * Inputs: input_ids [B, P]; with P > 1 last_token [B, 1, P] (one-hot at the row's last new
 * token); rope_cos / rope_sin [B, 1, P, hd]; past_bias [B, 1, 1, C] (0 for a
 * past slot the row holds, −1e9 past its length), or with a sliding window [B, 1, G·P, C] per query
 * row (G = query heads per key/value head), −1e9 also for slots the window has left behind; past.{l}.key / past.{l}.value [B, Hkv, C, hd];
 * the weights as `servingWeights` lays them out (inputs, so new weights need no recompilation).
 * Outputs: logits [B, 1, vocab] (the last new token's); log_z [B, 1, 1], log Σ exp of those logits;
 * new.{l}.key / new.{l}.value [B, Hkv, P, hd] (keys after RoPE).
 */
export interface StepGraph {
  graph: Graph;
  logits: Value;
  /**
   * The raw log-normalizer every sampled token's log-prob needs, with ORT's vectorized Exp: Math.exp
   * over the vocabulary took ~23 µs a row in the sampler (docs/performance.md, "The greedy pick").
   */
  logZ: Value;
  freshKv: Record<string, Value>;
}

/** A windowed model's past mask differs per query position; otherwise one mask serves the row. */
export function pastBiasShape(c: ModelConfig, batch: number, chunk: number, capacity: number): number[] {
  return c.slidingWindow === undefined ? [batch, 1, 1, capacity] : [batch, 1, (c.numHeads / c.numKvHeads) * chunk, capacity];
}

export const kvNames = {
  past: (layer: number, kind: KvKind) => `past.${layer}.${kind}`,
  fresh: (layer: number, kind: KvKind) => `new.${layer}.${kind}`,
};

export type KvKind = 'key' | 'value';
export const KV_KINDS: readonly KvKind[] = ['key', 'value'];

export function buildStepGraph(c: ModelConfig, batch: number, chunk: number, capacity: number): StepGraph {
  const g = new Graph('float32');
  const hd = c.headDim;
  const groups = c.numHeads / c.numKvHeads;
  const ids = g.input('input_ids', [batch, chunk], 'int64');
  const cos = g.input('rope_cos', [batch, 1, chunk, hd]);
  const sin = g.input('rope_sin', [batch, 1, chunk, hd]);
  const pastBias = g.input('past_bias', pastBiasShape(c, batch, chunk, capacity));
  // Query rows are ordered (group member, position) after the GQA reshape below.
  const window = c.slidingWindow ?? Infinity;
  const causal = new Float32Array(groups * chunk * chunk);
  for (let r = 0; r < groups * chunk; r++) for (let j = 0; j < chunk; j++) if (j > r % chunk || r % chunk - j >= window) causal[r * chunk + j] = -1e9;
  const causalBias = g.constant(causal, [groups * chunk, chunk], 'float32');
  const transposed = (name: string, [rows, cols]: readonly number[]) => T.transpose(g.param(`${name}.T`, [cols, rows], init.zeros()), [1, 0]);
  const params = declareDecoderParams(g, c, (name, shape, initializer) => (shape.length === 2 && name !== EMBEDDING ? transposed(name, shape) : g.param(name, shape, initializer)));
  const freshKv: Record<string, Value> = {};
  const keysT = (x: Value) => T.transpose(x, [0, 1, 3, 2]);
  const attention: AttentionContext = {
    cos,
    sin,
    attend: (layer, q, k, v) => {
      freshKv[kvNames.fresh(layer, 'key')] = k;
      freshKv[kvNames.fresh(layer, 'value')] = v;
      const pastShape = [batch, c.numKvHeads, capacity, hd];
      const pastK = g.input(kvNames.past(layer, 'key'), pastShape);
      const pastV = g.input(kvNames.past(layer, 'value'), pastShape);
      // Grouped-query attention without repeating keys: the query heads sharing a key/value
      // head become extra query rows of that head.
      const qs = T.mul(T.reshape(q, [batch, c.numKvHeads, groups * chunk, hd]), 1 / Math.sqrt(hd));
      // A decode step's own key is one vector per head: a product and a sum, not B·H one-element matmuls.
      const ownScores = chunk === 1 ? T.reduceSum(T.mul(qs, k), [-1], true) : T.add(T.matmul(qs, keysT(k)), causalBias);
      const scores = T.concat([T.add(T.matmul(qs, keysT(pastK)), pastBias), ownScores], -1);
      const [toPast, toNew] = T.split(T.softmax(scores, -1), [capacity, chunk], -1);
      const attended = T.add(T.matmul(toPast, pastV), chunk === 1 ? T.mul(toNew, v) : T.matmul(toNew, v));
      return T.reshape(attended, [batch, c.numHeads, chunk, hd]);
    },
  };
  // A prefill needs only each row's last logits: a one-hot product picks that position before the
  // vocabulary projection (the engine's MatMul, no index arithmetic per row).
  const lastToken = chunk === 1 ? undefined : g.input('last_token', [batch, 1, chunk]);
  const logits = decoderLogits(ids, params, c, attention, lastToken && ((hidden) => T.matmul(lastToken, hidden)));
  const max = T.reduceMax(logits, [-1], true);
  const logZ = T.add(max, T.log(T.reduceSum(T.exp(T.sub(logits, max)), [-1], true)));
  return { graph: g, logits, logZ, freshKv };
}

const EMBEDDING = 'model.embed_tokens.weight';

/**
 * Weights as the step graph takes them: matrices other than the embedding are fed transposed
 * ([in, out], as `${name}.T`), so ORT's optimizer cancels the graph's transposes and no weight is
 * transposed at run time. A tied LM head reads the embedding itself: ORT fuses the head's
 * transpose into its MatMul (FusedMatMul, transB), so the embedding is held once.
 */
export function servingWeights(c: ModelConfig, params: ReadonlyMap<string, Float32Array>): Map<string, { data: Float32Array; shape: number[] }> {
  const fed = new Map<string, { data: Float32Array; shape: number[] }>();
  const expected = [...expectedParameters(c)];
  for (const [name, shape] of expected) {
    const data = params.get(name);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!data) throw new Error(`weights: ${name} is missing`);
    if (data.length !== size) throw new Error(`weights: ${name} has ${data.length} values, expected ${size} for shape [${shape.join(', ')}]`);
    if (shape.length !== 2 || name === EMBEDDING) fed.set(name, { data, shape: [...shape] });
    else fed.set(`${name}.T`, { data: transpose2d(data, shape[0], shape[1]), shape: [shape[1], shape[0]] });
  }
  return fed;
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[k * rows + r] = data[r * cols + k];
  return out;
}
