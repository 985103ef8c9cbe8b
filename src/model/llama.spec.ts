import { createSession, exportOnnx, Rng, tensor } from '../engine';
import { CausalLm } from './causal-lm';
import { parseModelConfig } from './config';
import { SequenceKv } from './kv-cache';
import { buildCausalLmGraph } from './llama';
import { ReferenceConfig, referenceLogits, referenceParameterShapes, Weights } from './testing/reference-decoder';

const base = {
  vocab_size: 11,
  hidden_size: 8,
  intermediate_size: 12,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  rope_theta: 10000,
  rms_norm_eps: 1e-6,
  max_position_embeddings: 64,
  tie_word_embeddings: false,
};

/** Each family with the features that set it apart, and a RoPE variant each. */
const cases: [string, ReferenceConfig][] = [
  ['qwen2 (qkv bias, GQA)', { ...base, model_type: 'qwen2' }],
  [
    'llama (attention_bias incl. o_proj, mlp_bias, gelu_pytorch_tanh, llama3 RoPE)',
    {
      ...base,
      model_type: 'llama',
      attention_bias: true,
      mlp_bias: true,
      hidden_act: 'gelu_pytorch_tanh',
      rope_theta: 500000,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 },
    },
  ],
  ['llama (tied, linear RoPE, gelu)', { ...base, model_type: 'llama', tie_word_embeddings: true, hidden_act: 'gelu', rope_scaling: { type: 'linear', factor: 4 } }],
  ['mistral (sliding window 3 over 8 tokens, yarn RoPE)', { ...base, model_type: 'mistral', sliding_window: 3, rope_theta: 100, rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 16 } }],
  [
    'qwen3 (q/k RMSNorm, explicit head_dim ≠ hidden/heads, attention_bias, dynamic RoPE)',
    { ...base, model_type: 'qwen3', head_dim: 6, num_attention_heads: 4, num_key_value_heads: 2, attention_bias: true, rope_scaling: { rope_type: 'dynamic', factor: 2 } },
  ],
];

function randomWeights(c: ReferenceConfig, seed: number): Weights {
  const rng = new Rng(seed);
  const w: Weights = {};
  for (const [name, shape] of referenceParameterShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const norm = /norm\.weight$/.test(name);
    w[name] = Float64Array.from({ length: n }, () => (norm ? 1 + 0.3 * rng.normal() : 0.5 * rng.normal()));
  }
  return w;
}

describe('decoder forward pass vs a plain-loop reference on random HF-named weights', () => {
  const ids = [3, 7, 0, 10, 7, 5, 9, 2];

  it.each(cases)('%s: training graph (float64)', async (_, ref) => {
    const config = parseModelConfig(ref);
    const weights = randomWeights(ref, 123);
    const lm = buildCausalLmGraph(config, 1, ids.length, 'float64');
    // The graph declares exactly the tensors transformers would have: none ignored, none invented.
    expect(new Map([...lm.graph.params].map(([n, p]) => [n, [...p.value.shape]]))).toEqual(referenceParameterShapes(ref));
    const session = await createSession(exportOnnx(lm.graph, { outputs: { logits: lm.logits } }), { graphOptimizationLevel: 'basic' });
    const feeds: Record<string, ReturnType<typeof tensor>> = { input_ids: tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) };
    for (const [name, data] of Object.entries(weights)) feeds[name] = tensor('float64', data, lm.graph.params.get(name)!.value.shape);
    const got = (await session.run(feeds)).logits.data as Float64Array;
    await session.release();
    const expected = referenceLogits(ref, weights, ids).flat();
    const maxDiff = Math.max(...expected.map((e, i) => Math.abs(e - got[i])));
    // erf is approximated to 1.5e-7 inside the graph (exact gelu); everything else is float64-exact.
    expect(maxDiff).toBeLessThan(ref.hidden_act === 'gelu' ? 1e-5 : 1e-9);
    expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0.1); // not a trivially-zero case
  });

  it.each(cases)('%s: serving graph with KV cache (float32), prefill in two chunks then decode', async (_, ref) => {
    const weights = randomWeights(ref, 7);
    const checkpoint = {
      config: parseModelConfig(ref),
      tensors: new Map(Object.entries(weights).map(([name, data]) => [name, { name, shape: referenceParameterShapes(ref).get(name)!, data: Float32Array.from(data) }])),
    };
    const lm = new CausalLm(checkpoint, 16, { weights: 'fed' });
    const cache = lm.newCache();
    cache.fit(1, ids.length);
    cache.load(0, new SequenceKv(checkpoint.config), 0);
    // A padded first chunk longer than Mistral's window, a second chunk that attends to the cached past, then one decode step.
    const first = (await lm.forward(cache, 0, [ids.slice(0, 5)], 8))[0].logits.slice();
    const second = (await lm.forward(cache, 0, [ids.slice(5, 7)], 2))[0].logits.slice();
    const [{ logits: step }] = await lm.forward(cache, 0, [ids.slice(7)], 1);
    await lm.release();
    const expected = referenceLogits(ref, weights, ids);
    const diff = (got: Float32Array, want: number[]) => Math.max(...want.map((e, i) => Math.abs(e - got[i])));
    expect(diff(first, expected[4])).toBeLessThan(1e-4);
    expect(diff(second, expected[6])).toBeLessThan(1e-4);
    expect(diff(step, expected[7])).toBeLessThan(1e-4);
  });

  it('the sliding window matters: the same Mistral weights without it give other logits', () => {
    const [, mistral] = cases[3];
    const weights = randomWeights(mistral, 1);
    const windowed = referenceLogits(mistral, weights, ids).flat();
    const full = referenceLogits({ ...mistral, sliding_window: null }, weights, ids).flat();
    expect(Math.max(...windowed.map((v, i) => Math.abs(v - full[i])))).toBeGreaterThan(1e-3);
  });
});
