import { FloatDType, Graph, init, Initializer, ops as T, Value } from '../engine';
import { HiddenAct, ModelConfig } from './config';
import { LoraConfig, loraDeclare } from './lora/lora';
import { ropeTables } from './rope';

/** One decoder layer's parameters, named as in Hugging Face Llama/Mistral/Qwen checkpoints. */
interface LayerParams {
  inputNorm: Value;
  q: Value;
  k: Value;
  v: Value;
  o: Value;
  qBias?: Value;
  kBias?: Value;
  vBias?: Value;
  oBias?: Value;
  /** Qwen3: RMSNorm weights over each query / key head. */
  qNorm?: Value;
  kNorm?: Value;
  postAttentionNorm: Value;
  gate: Value;
  up: Value;
  down: Value;
  gateBias?: Value;
  upBias?: Value;
  downBias?: Value;
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
    const bias = (on: boolean, name: string, n: number) => (on ? p(name, [n], init.zeros()) : undefined);
    layers.push({
      inputNorm: p('input_layernorm.weight', [c.hiddenSize], init.ones()),
      q: p('self_attn.q_proj.weight', [qDim, c.hiddenSize], w),
      qBias: bias(c.qkvBias, 'self_attn.q_proj.bias', qDim),
      k: p('self_attn.k_proj.weight', [kvDim, c.hiddenSize], w),
      kBias: bias(c.qkvBias, 'self_attn.k_proj.bias', kvDim),
      v: p('self_attn.v_proj.weight', [kvDim, c.hiddenSize], w),
      vBias: bias(c.qkvBias, 'self_attn.v_proj.bias', kvDim),
      o: p('self_attn.o_proj.weight', [c.hiddenSize, qDim], w),
      oBias: bias(c.outputBias, 'self_attn.o_proj.bias', c.hiddenSize),
      ...(c.qkNorm ? { qNorm: p('self_attn.q_norm.weight', [c.headDim], init.ones()), kNorm: p('self_attn.k_norm.weight', [c.headDim], init.ones()) } : {}),
      postAttentionNorm: p('post_attention_layernorm.weight', [c.hiddenSize], init.ones()),
      gate: p('mlp.gate_proj.weight', [c.intermediateSize, c.hiddenSize], w),
      gateBias: bias(c.mlpBias, 'mlp.gate_proj.bias', c.intermediateSize),
      up: p('mlp.up_proj.weight', [c.intermediateSize, c.hiddenSize], w),
      upBias: bias(c.mlpBias, 'mlp.up_proj.bias', c.intermediateSize),
      down: p('mlp.down_proj.weight', [c.hiddenSize, c.intermediateSize], w),
      downBias: bias(c.mlpBias, 'mlp.down_proj.bias', c.hiddenSize),
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

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The MLP's activation, as transformers' ACT2FN defines it. */
export function activation(kind: HiddenAct): (x: Value) => Value {
  switch (kind) {
    case 'silu':
      return T.silu;
    case 'gelu_pytorch_tanh':
      return (x) => T.mul(T.mul(x, 0.5), T.add(T.tanh(T.mul(T.add(x, T.mul(T.mul(T.mul(x, x), x), 0.044715)), SQRT_2_OVER_PI)), 1));
    case 'gelu':
      return (x) => T.mul(T.mul(x, 0.5), T.add(erf(T.mul(x, Math.SQRT1_2)), 1));
  }
}

/**
 * erf from ops the engine differentiates (ONNX Erf has no VJP here): Abramowitz & Stegun 7.1.26,
 * |error| < 1.5e-7, below float32 resolution around 1. |x| is sqrt(x² + 1e-30) so its gradient stays finite at 0.
 */
function erf(x: Value): Value {
  const abs = T.sqrt(T.add(T.mul(x, x), 1e-30));
  const t = T.reciprocal(T.add(T.mul(abs, 0.3275911), 1));
  let poly = T.mul(t, 1.061405429);
  for (const a of [-1.453152027, 1.421413741, -0.284496736, 0.254829592]) poly = T.mul(T.add(poly, a), t);
  const positive = T.rsub(1, T.mul(poly, T.exp(T.neg(T.mul(x, x)))));
  return T.mul(T.div(x, abs), positive);
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

/**
 * The decoder from token ids to logits [B, P, vocab]; with `pick`, logits of the positions it
 * selects from the last hidden states [B, P, hidden] (e.g. only each row's last token when
 * serving a prefill: for the default model the vocabulary projection is about a fifth of a token's
 * multiply-adds, counted from the shapes).
 */
export function decoderLogits(ids: Value, p: DecoderParams, c: ModelConfig, ctx: AttentionContext, pick?: (hidden: Value) => Value): Value {
  const [B, P] = ids.shape;
  const heads = (x: Value, n: number) => T.transpose(T.reshape(x, [B, P, n, c.headDim]), [0, 2, 1, 3]);
  let x = T.gather(p.embed, ids, 0);
  const act = activation(c.hiddenAct);
  p.layers.forEach((layer, l) => {
    const h = rmsNorm(x, layer.inputNorm, c.rmsNormEps);
    // Qwen3 normalizes each head before the rotation.
    const headNorm = (y: Value, weight?: Value) => (weight ? rmsNorm(y, weight, c.rmsNormEps) : y);
    const q = applyRope(headNorm(heads(linear(h, layer.q, layer.qBias), c.numHeads), layer.qNorm), ctx.cos, ctx.sin);
    const k = applyRope(headNorm(heads(linear(h, layer.k, layer.kBias), c.numKvHeads), layer.kNorm), ctx.cos, ctx.sin);
    const v = heads(linear(h, layer.v, layer.vBias), c.numKvHeads);
    const attended = ctx.attend(l, q, k, v);
    const merged = T.reshape(T.transpose(attended, [0, 2, 1, 3]), [B, P, c.numHeads * c.headDim]);
    x = T.add(x, linear(merged, layer.o, layer.oBias));
    const h2 = rmsNorm(x, layer.postAttentionNorm, c.rmsNormEps);
    x = T.add(x, linear(T.mul(act(linear(h2, layer.gate, layer.gateBias)), linear(h2, layer.up, layer.upBias)), layer.down, layer.downBias));
  });
  return linear(rmsNorm(pick ? pick(x) : x, p.norm, c.rmsNormEps), p.lmHead);
}

/** Softmax attention with an additive bias (0 = visible, −1e9 = masked). */
export function scaledDotAttention(q: Value, k: Value, v: Value, bias: Value, groups: number): Value {
  const scale = 1 / Math.sqrt(q.shape[q.rank - 1]);
  const scores = T.add(T.mul(T.matmul(q, T.transpose(repeatKv(k, groups), [0, 1, 3, 2])), scale), bias);
  return T.matmul(T.softmax(scores, -1), repeatKv(v, groups));
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
 * With `lora`, the base weights are inputs and the adapters' A and B the only parameters.
 */
export function buildCausalLmGraph(c: ModelConfig, batch: number, seq: number, dtype: FloatDType = 'float32', { lora }: { lora?: LoraConfig } = {}): CausalLmGraph {
  const g = new Graph(dtype);
  const ids = g.input('input_ids', [batch, seq], 'int64');
  const targets = g.input('target_ids', [batch, seq], 'int64');
  const mask = g.input('loss_mask', [batch, seq]);
  // With LoRA the base weights are frozen inputs and only the adapters are parameters.
  const params = declareDecoderParams(g, c, lora ? loraDeclare(g, lora) : undefined);
  const { cos, sin } = ropeTables(c, Array.from({ length: seq }, (_, i) => i), dtype);
  const causal = dtype === 'float64' ? new Float64Array(seq * seq) : new Float32Array(seq * seq);
  // Causal, and (Mistral) a key more than sliding_window − 1 positions back is out of sight.
  const window = c.slidingWindow ?? Infinity;
  for (let i = 0; i < seq; i++) for (let j = 0; j < seq; j++) if (j > i || i - j >= window) causal[i * seq + j] = -1e9;
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
