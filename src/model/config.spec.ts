import { checkContext, parseModelConfig, UnsupportedConfigError } from './config';
import { ropeFrequencies } from './rope';
import { referenceRope } from './testing/reference-decoder';

const llama = {
  model_type: 'llama' as const,
  vocab_size: 32,
  hidden_size: 1024,
  intermediate_size: 64,
  num_hidden_layers: 1,
  num_attention_heads: 8,
  num_key_value_heads: 8,
  rope_theta: 500000,
  rms_norm_eps: 1e-5,
  max_position_embeddings: 131072,
  tie_word_embeddings: true,
};

describe('RoPE scaling at real checkpoint shapes (head_dim 128)', () => {
  it.each([
    ['Llama 3.1 llama3', { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 }],
    ['linear ×4', { type: 'linear', factor: 4 }],
    ['dynamic ×2', { type: 'dynamic', factor: 2 }],
    ['Qwen2.5 yarn ×4', { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 }],
    ['yarn with explicit attention_factor and betas', { rope_type: 'yarn', factor: 8, attention_factor: 0.9, beta_fast: 16, beta_slow: 2, original_max_position_embeddings: 4096 }],
  ])('%s: inverse frequencies and attention factor equal transformers', (_, rope_scaling) => {
    const mine = ropeFrequencies(parseModelConfig({ ...llama, rope_scaling }));
    const ref = referenceRope({ ...llama, rope_scaling });
    expect(mine.invFreq.length).toBe(64);
    mine.invFreq.forEach((f, i) => expect(Math.abs(f - ref.invFreq[i]) / ref.invFreq[i]).toBeLessThan(1e-12));
    expect(mine.attentionFactor).toBeCloseTo(ref.attentionFactor, 12);
  });

  it('scaling changes the frequencies it should (not silently default)', () => {
    const plain = ropeFrequencies(parseModelConfig(llama)).invFreq;
    const scaled = ropeFrequencies(parseModelConfig({ ...llama, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } })).invFreq;
    expect(scaled[0]).toBe(plain[0]); // high frequencies kept
    expect(scaled[63]).toBeCloseTo(plain[63] / 8, 15); // low frequencies interpolated
  });
});

describe('config.json refusals: one line naming the field and the value', () => {
  const refused = (json: object) => {
    try {
      parseModelConfig(json);
    } catch (e) {
      expect(e).toBeInstanceOf(UnsupportedConfigError);
      const message = (e as Error).message;
      expect(message).not.toContain('\n');
      return message;
    }
    throw new Error('not refused');
  };

  it.each([
    [{ model_type: 'gpt2' }, 'config.json: model_type "gpt2" is not supported (supported: llama, mistral, qwen2, qwen3)'],
    [{ model_type: 'qwen3_moe' }, 'config.json: model_type "qwen3_moe" is not supported'],
    [{ hidden_act: 'relu' }, 'config.json: hidden_act "relu" is not supported (supported: silu, gelu, gelu_pytorch_tanh)'],
    [{ rope_scaling: { rope_type: 'longrope', short_factor: [1], long_factor: [1] } }, 'config.json: rope_scaling.rope_type "longrope" is not supported (supported: default, linear, dynamic, llama3, yarn)'],
    [{ rope_scaling: { rope_type: 'llama3', factor: 8 } }, 'config.json: rope_scaling.low_freq_factor is missing for rope_type "llama3"'],
    [{ rope_parameters: { rope_type: 'linear', rope_theta: 10000 } }, 'config.json: rope_parameters.factor is missing for rope_type "linear"'],
    [{ partial_rotary_factor: 0.5 }, 'config.json: partial_rotary_factor 0.5 is not supported (only 1)'],
    [{ quantization_config: { quant_method: 'gptq' } }, 'config.json: quantization_config {"quant_method":"gptq"} is not supported'],
    [{ layer_types: ['full_attention', 'sliding_attention'] }, 'config.json: layer_types ["full_attention","sliding_attention"] is not supported'],
    [{ rope_scaling: { rope_type: 'linear', factor: 'x' } }, 'config.json: rope_scaling.factor "x" must be a number for rope_type "linear"'],
    [{ model_type: 'qwen3', num_hidden_layers: 4, sliding_window: 4096, use_sliding_window: true, max_window_layers: 2 }, 'config.json: max_window_layers 2 with use_sliding_window (a window on only some of the 4 layers) is not supported'],
    [{ vocab_size: -1 }, 'config.json: vocab_size -1 is invalid'],
    [{ hidden_size: 'big' }, 'config.json: hidden_size "big" is invalid'],
    [{ num_attention_heads: 3 }, 'config.json: hidden_size 1024 is not divisible by num_attention_heads 3'],
    [{ num_key_value_heads: 3 }, 'config.json: num_attention_heads 8 is not a multiple of num_key_value_heads 3'],
  ])('%j', (change, message) => {
    expect(refused({ ...llama, ...change })).toContain(message);
  });

  it('a context past max_position_embeddings is refused; a sliding window is read per family', () => {
    const mistral = parseModelConfig({ ...llama, model_type: 'mistral', sliding_window: 4096, max_position_embeddings: 32768 });
    expect(mistral.slidingWindow).toBe(4096);
    expect(() => checkContext(mistral, 32768)).not.toThrow();
    expect(() => checkContext(mistral, 40000)).toThrow("a context of 40000 tokens exceeds the model's 32768 positions (max_position_embeddings)");
    // Qwen only slides with use_sliding_window; Llama never.
    expect(parseModelConfig({ ...llama, model_type: 'qwen2', sliding_window: 4096 }).slidingWindow).toBeUndefined();
    expect(parseModelConfig({ ...llama, model_type: 'qwen2', sliding_window: 4096, use_sliding_window: true }).slidingWindow).toBe(4096);
    expect(parseModelConfig({ ...llama, model_type: 'qwen2', sliding_window: 4096, use_sliding_window: true, max_window_layers: 1 }).slidingWindow).toBeUndefined();
    expect(parseModelConfig({ ...llama, sliding_window: 4096 }).slidingWindow).toBeUndefined();
  });

  it('reads the fields each family uses', () => {
    const qwen3 = parseModelConfig({ ...llama, model_type: 'qwen3', head_dim: 128, num_attention_heads: 16, hidden_act: 'swish' });
    expect(qwen3).toMatchObject({ headDim: 128, qkNorm: true, qkvBias: false, outputBias: false, hiddenAct: 'silu' });
    expect(parseModelConfig({ ...llama, model_type: 'qwen2' })).toMatchObject({ qkvBias: true, outputBias: false });
    expect(parseModelConfig({ ...llama, attention_bias: true, mlp_bias: true })).toMatchObject({ qkvBias: true, outputBias: true, mlpBias: true });
    expect(parseModelConfig({ ...llama, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }).ropeTheta).toBe(1e6);
  });
});
