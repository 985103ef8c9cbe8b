import { createSession, exportOnnx, Rng, tensor } from '../engine';
import { parseModelConfig } from './config';
import { buildCausalLmGraph } from './llama';

/** A tiny Qwen2-style config: grouped-query attention (2 query heads per kv head), qkv bias. */
const config = parseModelConfig({
  model_type: 'qwen2',
  vocab_size: 11,
  hidden_size: 8,
  intermediate_size: 12,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  rope_theta: 10000,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: false,
});

type Weights = Record<string, Float64Array>;

/** The decoder written out with plain loops, independently of the engine. */
function referenceLogits(w: Weights, ids: number[]): number[][] {
  const { hiddenSize: D, numHeads: H, numKvHeads: KV, headDim: hd, numLayers, rmsNormEps: eps, vocabSize: V } = config;
  const S = ids.length;
  const matvec = (W: Float64Array, x: number[], rows: number, bias?: Float64Array) =>
    Array.from({ length: rows }, (_, r) => x.reduce((acc, xi, i) => acc + W[r * x.length + i] * xi, bias ? bias[r] : 0));
  const rms = (x: number[], g: Float64Array) => {
    const ms = x.reduce((a, v) => a + v * v, 0) / x.length;
    return x.map((v, i) => (v / Math.sqrt(ms + eps)) * g[i]);
  };
  const rope = (v: number[], pos: number) =>
    v.map((_, i) => {
      const j = i % (hd / 2);
      const angle = pos / 10000 ** ((2 * j) / hd);
      const rotated = i < hd / 2 ? -v[i + hd / 2] : v[i - hd / 2];
      return v[i] * Math.cos(angle) + rotated * Math.sin(angle);
    });
  let x = ids.map((id) => Array.from(w['model.embed_tokens.weight'].subarray(id * D, (id + 1) * D)));
  for (let l = 0; l < numLayers; l++) {
    const p = (n: string) => w[`model.layers.${l}.${n}`];
    const h = x.map((row) => rms(row, p('input_layernorm.weight')));
    const q = h.map((row) => matvec(p('self_attn.q_proj.weight'), row, H * hd, p('self_attn.q_proj.bias')));
    const k = h.map((row) => matvec(p('self_attn.k_proj.weight'), row, KV * hd, p('self_attn.k_proj.bias')));
    const v = h.map((row) => matvec(p('self_attn.v_proj.weight'), row, KV * hd, p('self_attn.v_proj.bias')));
    const attnOut = x.map(() => new Array<number>(H * hd).fill(0));
    for (let head = 0; head < H; head++) {
      const kvHead = Math.floor(head / (H / KV));
      for (let t = 0; t < S; t++) {
        const qt = rope(q[t].slice(head * hd, (head + 1) * hd), t);
        const scores = Array.from({ length: t + 1 }, (_, s) => {
          const ks = rope(k[s].slice(kvHead * hd, (kvHead + 1) * hd), s);
          return qt.reduce((a, qi, i) => a + qi * ks[i], 0) / Math.sqrt(hd);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s <= t; s++) for (let i = 0; i < hd; i++) attnOut[t][head * hd + i] += (e[s] / z) * v[s][kvHead * hd + i];
      }
    }
    x = x.map((row, t) => matvec(p('self_attn.o_proj.weight'), attnOut[t], D).map((o, i) => row[i] + o));
    x = x.map((row) => {
      const h2 = rms(row, p('post_attention_layernorm.weight'));
      const gate = matvec(p('mlp.gate_proj.weight'), h2, config.intermediateSize);
      const up = matvec(p('mlp.up_proj.weight'), h2, config.intermediateSize);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
      return matvec(p('mlp.down_proj.weight'), act, D).map((d, i) => row[i] + d);
    });
  }
  return x.map((row) => matvec(w['lm_head.weight'], rms(row, w['model.norm.weight']), V));
}

describe('decoder forward pass', () => {
  it('matches a plain-loop reference on random weights (float64)', async () => {
    const seq = 5;
    const lm = buildCausalLmGraph(config, 1, seq, 'float64');
    const rng = new Rng(123);
    const weights: Weights = {};
    for (const [name, info] of lm.graph.params) {
      const n = info.value.shape.reduce((a, b) => a * b, 1);
      weights[name] = Float64Array.from({ length: n }, () => rng.normal() * (name.endsWith('layernorm.weight') || name === 'model.norm.weight' ? 0.3 : 0.5) + (name.includes('norm') ? 1 : 0));
    }
    const ids = [3, 7, 0, 10, 7];
    const session = await createSession(exportOnnx(lm.graph, { outputs: { logits: lm.logits } }), { graphOptimizationLevel: 'basic' });
    const feeds: Record<string, ReturnType<typeof tensor>> = { input_ids: tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, seq]) };
    for (const [name, data] of Object.entries(weights)) feeds[name] = tensor('float64', data, lm.graph.params.get(name)!.value.shape);
    const got = (await session.run(feeds)).logits.data as Float64Array;
    const expected = referenceLogits(weights, ids).flat();
    expect(got.length).toBe(expected.length);
    const maxDiff = Math.max(...expected.map((e, i) => Math.abs(e - got[i])));
    expect(maxDiff).toBeLessThan(1e-9);
    expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0.1); // not a trivially-zero case
  });

  it('names parameters as Hugging Face Llama/Qwen2 checkpoints do', () => {
    const names = [...buildCausalLmGraph(config, 1, 2).graph.params.keys()];
    expect(names).toContain('model.embed_tokens.weight');
    expect(names).toContain('model.layers.1.self_attn.q_proj.bias');
    expect(names).toContain('model.layers.0.mlp.down_proj.weight');
    expect(names).toContain('lm_head.weight');
    const shapes = Object.fromEntries([...buildCausalLmGraph(config, 1, 2).graph.params].map(([n, p]) => [n, p.value.shape]));
    expect(shapes['model.layers.0.self_attn.k_proj.weight']).toEqual([4, 8]); // [kv_heads·head_dim, hidden]
    expect(shapes['model.layers.0.mlp.gate_proj.weight']).toEqual([12, 8]);
  });
});
