/**
 * A decoder-only transformer written out with plain loops over Hugging Face-named weights,
 * independently of the engine's graph code: the yardstick the graphs are tested against.
 * It follows transformers' modeling_{llama,mistral,qwen2,qwen3}.py and modeling_rope_utils.py
 * statement by statement, in float64.
 */
export interface ReferenceConfig {
  model_type: 'llama' | 'mistral' | 'qwen2' | 'qwen3';
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim?: number;
  hidden_act?: 'silu' | 'gelu' | 'gelu_pytorch_tanh';
  rope_theta: number;
  rope_scaling?: Record<string, number | string> | null;
  rms_norm_eps: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  attention_bias?: boolean;
  mlp_bias?: boolean;
  sliding_window?: number | null;
}

export type Weights = Record<string, Float64Array>;

/** transformers' ROPE_INIT_FUNCTIONS for the types Closer supports: (inv_freq, attention_factor). */
export function referenceRope(c: ReferenceConfig): { invFreq: number[]; attentionFactor: number } {
  const dim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  const base = c.rope_theta;
  const arange = (n: number) => Array.from({ length: n }, (_, i) => i);
  const defaults = arange(dim / 2).map((i) => 1 / base ** ((2 * i) / dim));
  const s = c.rope_scaling;
  const type = s ? (s.rope_type ?? s.type) : 'default';
  if (!s || type === 'default' || type === 'dynamic') return { invFreq: defaults, attentionFactor: 1 };
  const factor = Number(s.factor);
  if (type === 'linear') return { invFreq: defaults.map((f) => f / factor), attentionFactor: 1 };
  if (type === 'llama3') {
    const old = Number(s.original_max_position_embeddings);
    const [lowF, highF] = [Number(s.low_freq_factor), Number(s.high_freq_factor)];
    return {
      invFreq: defaults.map((inv) => {
        const wavelen = (2 * Math.PI) / inv;
        const scaled = wavelen > old / lowF ? inv / factor : inv;
        const smooth = (old / wavelen - lowF) / (highF - lowF);
        const medium = !(wavelen < old / highF) && !(wavelen > old / lowF);
        return medium ? ((1 - smooth) * scaled) / factor + smooth * scaled : scaled;
      }),
      attentionFactor: 1,
    };
  }
  if (type === 'yarn') {
    const original = Number(s.original_max_position_embeddings ?? c.max_position_embeddings);
    const attentionFactor = s.attention_factor !== undefined ? Number(s.attention_factor) : factor <= 1 ? 1 : 0.1 * Math.log(factor) + 1;
    const correction = (rot: number) => (dim * Math.log(original / (rot * 2 * Math.PI))) / (2 * Math.log(base));
    const low = Math.max(Math.floor(correction(Number(s.beta_fast ?? 32))), 0);
    const high = Math.min(Math.ceil(correction(Number(s.beta_slow ?? 1))), dim - 1);
    const ramp = arange(dim / 2).map((i) => Math.min(Math.max((i - low) / (low === high ? high + 0.001 - low : high - low), 0), 1));
    const posFreqs = arange(dim / 2).map((i) => base ** ((2 * i) / dim));
    return {
      invFreq: posFreqs.map((p, i) => {
        const extrapolationFactor = 1 - ramp[i];
        return (1 / (factor * p)) * (1 - extrapolationFactor) + (1 / p) * extrapolationFactor;
      }),
      attentionFactor,
    };
  }
  throw new Error(`reference: rope type ${type}`);
}

function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    // Maclaurin series; converges fast enough in float64 for |x| < 3.
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  // Asymptotic series of erfc for large |x|.
  let series = 1;
  let term = 1;
  for (let n = 1; n < 6; n++) {
    term *= -(2 * n - 1) / (2 * a * a);
    series += term;
  }
  return Math.sign(x) * (1 - (Math.exp(-a * a) / (a * Math.sqrt(Math.PI))) * series);
}

const ACT = {
  silu: (x: number) => x / (1 + Math.exp(-x)),
  gelu: (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_pytorch_tanh: (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
};

/** Logits [S][vocab] of a causal forward over `ids` (positions 0..S−1). */
export function referenceLogits(c: ReferenceConfig, w: Weights, ids: number[]): number[][] {
  const D = c.hidden_size;
  const H = c.num_attention_heads;
  const KV = c.num_key_value_heads;
  const hd = c.head_dim ?? D / H;
  const eps = c.rms_norm_eps;
  const qwen3 = c.model_type === 'qwen3';
  const act = ACT[c.hidden_act ?? 'silu'];
  const { invFreq, attentionFactor } = referenceRope(c);
  const window = c.model_type === 'mistral' && c.sliding_window ? c.sliding_window : Infinity;
  const matvec = (W: Float64Array, x: number[], rows: number, bias?: Float64Array) =>
    Array.from({ length: rows }, (_, r) => x.reduce((acc, xi, i) => acc + W[r * x.length + i] * xi, bias ? bias[r] : 0));
  const rms = (x: number[], g: Float64Array) => {
    const ms = x.reduce((a, v) => a + v * v, 0) / x.length;
    return x.map((v, i) => (v / Math.sqrt(ms + eps)) * g[i]);
  };
  const rope = (v: number[], pos: number) =>
    v.map((_, i) => {
      const angle = pos * invFreq[i % (hd / 2)];
      const rotated = i < hd / 2 ? -v[i + hd / 2] : v[i - hd / 2];
      return (v[i] * Math.cos(angle) + rotated * Math.sin(angle)) * attentionFactor;
    });
  const headOf = (row: number[], h: number, norm?: Float64Array) => {
    const slice = row.slice(h * hd, (h + 1) * hd);
    return norm ? rms(slice, norm) : slice;
  };
  let x = ids.map((id) => Array.from(w['model.embed_tokens.weight'].subarray(id * D, (id + 1) * D)));
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = (n: string) => w[`model.layers.${l}.${n}`];
    const h = x.map((row) => rms(row, p('input_layernorm.weight')));
    const q = h.map((row) => matvec(p('self_attn.q_proj.weight'), row, H * hd, p('self_attn.q_proj.bias')));
    const k = h.map((row) => matvec(p('self_attn.k_proj.weight'), row, KV * hd, p('self_attn.k_proj.bias')));
    const v = h.map((row) => matvec(p('self_attn.v_proj.weight'), row, KV * hd, p('self_attn.v_proj.bias')));
    const attnOut = x.map(() => new Array<number>(H * hd).fill(0));
    for (let head = 0; head < H; head++) {
      const kvHead = Math.floor(head / (H / KV));
      for (let t = 0; t < x.length; t++) {
        const qt = rope(headOf(q[t], head, qwen3 ? p('self_attn.q_norm.weight') : undefined), t);
        const visible = Array.from({ length: t + 1 }, (_, s) => s).filter((s) => t - s < window);
        const scores = visible.map((s) => {
          const ks = rope(headOf(k[s], kvHead, qwen3 ? p('self_attn.k_norm.weight') : undefined), s);
          return qt.reduce((a, qi, i) => a + qi * ks[i], 0) / Math.sqrt(hd);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const z = e.reduce((a, b) => a + b, 0);
        visible.forEach((s, j) => {
          for (let i = 0; i < hd; i++) attnOut[t][head * hd + i] += (e[j] / z) * v[s][kvHead * hd + i];
        });
      }
    }
    x = x.map((row, t) => matvec(p('self_attn.o_proj.weight'), attnOut[t], D, p('self_attn.o_proj.bias')).map((o, i) => row[i] + o));
    x = x.map((row) => {
      const h2 = rms(row, p('post_attention_layernorm.weight'));
      const gate = matvec(p('mlp.gate_proj.weight'), h2, c.intermediate_size, p('mlp.gate_proj.bias'));
      const up = matvec(p('mlp.up_proj.weight'), h2, c.intermediate_size, p('mlp.up_proj.bias'));
      return matvec(p('mlp.down_proj.weight'), gate.map((g, i) => act(g) * up[i]), D, p('mlp.down_proj.bias')).map((d, i) => row[i] + d);
    });
  }
  const head = c.tie_word_embeddings ? w['model.embed_tokens.weight'] : w['lm_head.weight'];
  return x.map((row) => matvec(head, rms(row, w['model.norm.weight']), c.vocab_size));
}

/** The tensors a transformers model of this config has in its state dict, with their shapes. */
export function referenceParameterShapes(c: ReferenceConfig): Map<string, number[]> {
  const D = c.hidden_size;
  const hd = c.head_dim ?? D / c.num_attention_heads;
  const [qDim, kvDim, I] = [c.num_attention_heads * hd, c.num_key_value_heads * hd, c.intermediate_size];
  const attnBias = c.model_type === 'llama' || c.model_type === 'qwen3' ? !!c.attention_bias : false;
  const qkvBias = c.model_type === 'qwen2' || attnBias;
  const mlpBias = c.model_type === 'llama' && !!c.mlp_bias;
  const out = new Map<string, number[]>([['model.embed_tokens.weight', [c.vocab_size, D]]]);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const add = (name: string, shape: number[], present = true) => present && out.set(`model.layers.${l}.${name}`, shape);
    add('input_layernorm.weight', [D]);
    for (const [proj, rows] of [['q', qDim], ['k', kvDim], ['v', kvDim]] as const) {
      add(`self_attn.${proj}_proj.weight`, [rows, D]);
      add(`self_attn.${proj}_proj.bias`, [rows], qkvBias);
    }
    add('self_attn.o_proj.weight', [D, qDim]);
    add('self_attn.o_proj.bias', [D], attnBias);
    add('self_attn.q_norm.weight', [hd], c.model_type === 'qwen3');
    add('self_attn.k_norm.weight', [hd], c.model_type === 'qwen3');
    add('post_attention_layernorm.weight', [D]);
    for (const [proj, shape] of [['gate', [I, D]], ['up', [I, D]], ['down', [D, I]]] as const) {
      add(`mlp.${proj}_proj.weight`, [...shape]);
      add(`mlp.${proj}_proj.bias`, [shape[0]], mlpBias);
    }
  }
  out.set('model.norm.weight', [D]);
  if (!c.tie_word_embeddings) out.set('lm_head.weight', [c.vocab_size, D]);
  return out;
}
