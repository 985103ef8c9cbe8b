import { FloatDType, Graph, init, Initializer, ops as T, Value } from '../engine';
import { ModelConfig } from './config';

/** One decoder layer's parameters, named as in Hugging Face Llama/Qwen2 checkpoints. */
interface LayerParams {
  inputNorm: Value;
  q: Value;
  k: Value;
  v: Value;
  qBias?: Value;
  kBias?: Value;
  vBias?: Value;
  o: Value;
  postAttentionNorm: Value;
  gate: Value;
  up: Value;
  down: Value;
}

export interface DecoderParams {
  embed: Value;
  layers: LayerParams[];
  norm: Value;
  /** [vocab, hidden]; the embedding itself when tied. */
  lmHead: Value;
}

/** How a parameter enters a graph: a trainable parameter by default, or e.g. a fed input when serving. */
export type DeclareParam = (name: string, shape: number[], initializer: Initializer) => Value;

/**
 * Declares every parameter with its Hugging Face name and layout (Linear weights are
 * [out_features, in_features]), so checkpoints load without renaming or transposing.
 */
export function declareDecoderParams(g: Graph, c: ModelConfig, declare: DeclareParam = (name, shape, initializer) => g.param(name, shape, initializer)): DecoderParams {
  const w: Initializer = init.normal(0.02);
  const qDim = c.numHeads * c.headDim;
  const kvDim = c.numKvHeads * c.headDim;
  const embed = declare('model.embed_tokens.weight', [c.vocabSize, c.hiddenSize], w);
  const layers: LayerParams[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    const p = (name: string, shape: number[], initializer: Initializer) => declare(`model.layers.${l}.${name}`, shape, initializer);
    layers.push({
      inputNorm: p('input_layernorm.weight', [c.hiddenSize], init.ones()),
      q: p('self_attn.q_proj.weight', [qDim, c.hiddenSize], w),
      k: p('self_attn.k_proj.weight', [kvDim, c.hiddenSize], w),
      v: p('self_attn.v_proj.weight', [kvDim, c.hiddenSize], w),
      ...(c.qkvBias
        ? {
            qBias: p('self_attn.q_proj.bias', [qDim], init.zeros()),
            kBias: p('self_attn.k_proj.bias', [kvDim], init.zeros()),
            vBias: p('self_attn.v_proj.bias', [kvDim], init.zeros()),
          }
        : {}),
      o: p('self_attn.o_proj.weight', [c.hiddenSize, qDim], w),
      postAttentionNorm: p('post_attention_layernorm.weight', [c.hiddenSize], init.ones()),
      gate: p('mlp.gate_proj.weight', [c.intermediateSize, c.hiddenSize], w),
      up: p('mlp.up_proj.weight', [c.intermediateSize, c.hiddenSize], w),
      down: p('mlp.down_proj.weight', [c.hiddenSize, c.intermediateSize], w),
    });
  }
  const norm = declare('model.norm.weight', [c.hiddenSize], init.ones());
  const lmHead = c.tieWordEmbeddings ? embed : declare('lm_head.weight', [c.vocabSize, c.hiddenSize], w);
  return { embed, layers, norm, lmHead };
}

/** x·Wᵀ (+ b) for a weight stored [out, in]. */
function linear(x: Value, weight: Value, bias?: Value): Value {
  return T.linear(x, T.transpose(weight, [1, 0]), bias);
}

export function rmsNorm(x: Value, weight: Value, eps: number): Value {
  const meanSquare = T.reduceMean(T.mul(x, x), [-1], true);
  return T.mul(T.mul(x, T.reciprocal(T.sqrt(T.add(meanSquare, eps)))), weight);
}

/** Hugging Face's rotary embedding: x·cos + rotate_half(x)·sin, with rotate_half([a, b]) = [−b, a]. */
function applyRope(x: Value, cos: Value, sin: Value): Value {
  const half = x.shape[x.rank - 1] / 2;
  const [a, b] = T.split(x, [half, half], -1);
  return T.add(T.mul(x, cos), T.mul(T.concat([T.neg(b), a], -1), sin));
}

/** Grouped-query attention: each key/value head serves numHeads / numKvHeads query heads. */
function repeatKv(x: Value, groups: number): Value {
  if (groups === 1) return x;
  const [b, h, s, d] = x.shape;
  return T.reshape(T.expand(T.reshape(x, [b, h, 1, s, d]), [b, h, groups, s, d]), [b, h * groups, s, d]);
}

/**
 * How a layer's attention reaches keys and values: over the chunk itself (training) or over a
 * key/value cache the chunk is written into (serving). q: [B, H, P, hd]; k, v: [B, Hkv, P, hd].
 */
export interface AttentionContext {
  attend(layer: number, q: Value, k: Value, v: Value): Value;
  /** Rotary tables, broadcastable to [B, heads, P, hd]. */
  cos: Value;
  sin: Value;
}

/** The decoder from token ids to logits [B, P, vocab]. */
export function decoderLogits(ids: Value, p: DecoderParams, c: ModelConfig, ctx: AttentionContext): Value {
  const [B, P] = ids.shape;
  const heads = (x: Value, n: number) => T.transpose(T.reshape(x, [B, P, n, c.headDim]), [0, 2, 1, 3]);
  let x = T.gather(p.embed, ids, 0);
  p.layers.forEach((layer, l) => {
    const h = rmsNorm(x, layer.inputNorm, c.rmsNormEps);
    const q = applyRope(heads(linear(h, layer.q, layer.qBias), c.numHeads), ctx.cos, ctx.sin);
    const k = applyRope(heads(linear(h, layer.k, layer.kBias), c.numKvHeads), ctx.cos, ctx.sin);
    const v = heads(linear(h, layer.v, layer.vBias), c.numKvHeads);
    const attended = ctx.attend(l, q, k, v);
    const merged = T.reshape(T.transpose(attended, [0, 2, 1, 3]), [B, P, c.numHeads * c.headDim]);
    x = T.add(x, linear(merged, layer.o));
    const h2 = rmsNorm(x, layer.postAttentionNorm, c.rmsNormEps);
    x = T.add(x, linear(T.mul(T.silu(linear(h2, layer.gate)), linear(h2, layer.up)), layer.down));
  });
  return linear(rmsNorm(x, p.norm, c.rmsNormEps), p.lmHead);
}

/** Softmax attention with an additive bias (0 = visible, −1e9 = masked). */
export function scaledDotAttention(q: Value, k: Value, v: Value, bias: Value, groups: number): Value {
  const scale = 1 / Math.sqrt(q.shape[q.rank - 1]);
  const scores = T.add(T.mul(T.matmul(q, T.transpose(repeatKv(k, groups), [0, 1, 3, 2])), scale), bias);
  return T.matmul(T.softmax(scores, -1), repeatKv(v, groups));
}

/** cos and sin tables [positions.length, headDim] for the given positions. */
export function ropeTables(c: ModelConfig, positions: ArrayLike<number>, dtype: FloatDType = 'float32') {
  const half = c.headDim / 2;
  const n = positions.length;
  const cos = dtype === 'float64' ? new Float64Array(n * c.headDim) : new Float32Array(n * c.headDim);
  const sin = dtype === 'float64' ? new Float64Array(n * c.headDim) : new Float32Array(n * c.headDim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < half; j++) {
      const angle = positions[i] / c.ropeTheta ** ((2 * j) / c.headDim);
      for (const k of [j, j + half]) {
        cos[i * c.headDim + k] = Math.cos(angle);
        sin[i * c.headDim + k] = Math.sin(angle);
      }
    }
  }
  return { cos, sin };
}

export interface CausalLmGraph {
  graph: Graph;
  params: DecoderParams;
  logits: Value;
  /** log p(target_t | ids_≤t), [B, S]. */
  tokenLogProbs: Value;
  /** Mean negative log-likelihood over positions where loss_mask is 1. */
  loss: Value;
}

/**
 * The training graph: inputs `input_ids` [B, S], `target_ids` [B, S] (next tokens) and
 * `loss_mask` [B, S] (1 where a target is scored) → logits, per-token log-probs, masked loss.
 */
export function buildCausalLmGraph(c: ModelConfig, batch: number, seq: number, dtype: FloatDType = 'float32'): CausalLmGraph {
  const g = new Graph(dtype);
  const ids = g.input('input_ids', [batch, seq], 'int64');
  const targets = g.input('target_ids', [batch, seq], 'int64');
  const mask = g.input('loss_mask', [batch, seq]);
  const params = declareDecoderParams(g, c);
  const { cos, sin } = ropeTables(c, Array.from({ length: seq }, (_, i) => i), dtype);
  const causal = dtype === 'float64' ? new Float64Array(seq * seq) : new Float32Array(seq * seq);
  for (let i = 0; i < seq; i++) for (let j = i + 1; j < seq; j++) causal[i * seq + j] = -1e9;
  const bias = g.constant(causal, [seq, seq], dtype);
  const groups = c.numHeads / c.numKvHeads;
  const logits = decoderLogits(ids, params, c, {
    cos: g.constant(cos, [seq, c.headDim], dtype),
    sin: g.constant(sin, [seq, c.headDim], dtype),
    attend: (_, q, k, v) => scaledDotAttention(q, k, v, bias, groups),
  });
  const tokenLogProbs = T.squeeze(T.gatherElements(T.logSoftmax(logits, -1), T.unsqueeze(targets, [-1]), 2), [-1]);
  const loss = T.neg(T.div(T.sumAll(T.mul(tokenLogProbs, mask)), T.maximum(T.sumAll(mask), 1)));
  return { graph: g, params, logits, tokenLogProbs, loss };
}
