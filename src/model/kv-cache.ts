import { Graph, ops as T, Value } from '../engine';
import { ModelConfig } from './config';
import { declareDecoderParams, decoderLogits, DecoderParams, ropeTables, scaledDotAttention } from './llama';

/**
 * The serving graph: a chunk of P new tokens per row attends over a fixed-capacity key/value
 * cache it is written into. P = 1 is the decode step; larger P is prefill. Shapes are static, so
 * the cost per generated token depends on the cache capacity, never on re-running the context.
 *
 * Inputs: input_ids [B, P]; rope_cos / rope_sin [B, 1, P, hd]; attn_bias [B, 1, P, C] (0 where a
 * query may see a cache slot, −1e9 elsewhere); write [B, 1, C, P] (one-hot: chunk token → slot);
 * keep [B, 1, C, 1] (0 for slots being overwritten); past.{l}.key / past.{l}.value [B, Hkv, C, hd].
 * Outputs: logits [B, P, vocab]; present.{l}.key / present.{l}.value.
 */
export interface StepGraph {
  graph: Graph;
  params: DecoderParams;
  logits: Value;
  presents: Record<string, Value>;
}

export const cacheNames = {
  past: (layer: number, kind: 'key' | 'value') => `past.${layer}.${kind}`,
  present: (layer: number, kind: 'key' | 'value') => `present.${layer}.${kind}`,
};

export function buildStepGraph(c: ModelConfig, batch: number, chunk: number, capacity: number): StepGraph {
  const g = new Graph('float32');
  const ids = g.input('input_ids', [batch, chunk], 'int64');
  const cos = g.input('rope_cos', [batch, 1, chunk, c.headDim]);
  const sin = g.input('rope_sin', [batch, 1, chunk, c.headDim]);
  const bias = g.input('attn_bias', [batch, 1, chunk, capacity]);
  const write = g.input('write', [batch, 1, capacity, chunk]);
  const keep = g.input('keep', [batch, 1, capacity, 1]);
  const cacheShape = [batch, c.numKvHeads, capacity, c.headDim];
  const presents: Record<string, Value> = {};
  const params = declareDecoderParams(g, c);
  const logits = decoderLogits(ids, params, c, {
    cos,
    sin,
    attend: (layer, q, k, v) => {
      const store = (kind: 'key' | 'value', fresh: Value) => {
        const past = g.input(cacheNames.past(layer, kind), cacheShape);
        const present = T.add(T.mul(past, keep), T.matmul(write, fresh));
        presents[cacheNames.present(layer, kind)] = present;
        return present;
      };
      return scaledDotAttention(q, store('key', k), store('value', v), bias, c.numHeads / c.numKvHeads);
    },
  });
  return { graph: g, params, logits, presents };
}

/** Per-step inputs for rows that already hold `lengths[b]` tokens and add `counts[b]` (≤ chunk) more. */
export function stepInputs(c: ModelConfig, lengths: number[], counts: number[], chunk: number, capacity: number) {
  const B = lengths.length;
  const hd = c.headDim;
  const cos = new Float32Array(B * chunk * hd);
  const sin = new Float32Array(B * chunk * hd);
  const bias = new Float32Array(B * chunk * capacity).fill(-1e9);
  const write = new Float32Array(B * capacity * chunk);
  const keep = new Float32Array(B * capacity).fill(1);
  for (let b = 0; b < B; b++) {
    if (lengths[b] + counts[b] > capacity) throw new Error(`row ${b}: ${lengths[b] + counts[b]} tokens exceed the cache capacity ${capacity}`);
    const positions = Array.from({ length: chunk }, (_, i) => lengths[b] + Math.min(i, Math.max(0, counts[b] - 1)));
    const tables = ropeTables(c, positions);
    cos.set(tables.cos, b * chunk * hd);
    sin.set(tables.sin, b * chunk * hd);
    for (let i = 0; i < chunk; i++) {
      // Padding queries (i ≥ count) see slot 0 only, so their softmax stays finite; their logits are ignored.
      const visible = i < counts[b] ? lengths[b] + i : 0;
      bias.fill(0, (b * chunk + i) * capacity, (b * chunk + i) * capacity + visible + 1);
      if (i < counts[b]) {
        const slot = lengths[b] + i;
        write[(b * capacity + slot) * chunk + i] = 1;
        keep[b * capacity + slot] = 0;
      }
    }
  }
  return { cos, sin, bias, write, keep };
}
