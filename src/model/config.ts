import { z } from 'zod';
import { UnsupportedConfigError } from './config-error';
import { parseRopeScaling, RopeScaling } from './rope';

export { UnsupportedConfigError };

export const MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];
export const HIDDEN_ACTS = ['silu', 'gelu', 'gelu_pytorch_tanh'] as const;
export type HiddenAct = (typeof HIDDEN_ACTS)[number];
/** Names transformers gives the same functions (ACT2FN). */
const ACT_ALIASES: Record<string, HiddenAct> = { swish: 'silu', gelu_new: 'gelu_pytorch_tanh' };

/**
 * The decoder's hyper-parameters as Hugging Face `config.json` names them for the Llama,
 * Mistral, Qwen2 and Qwen3 families, so a real checkpoint's config loads unchanged. Fields that
 * change the architecture but are not implemented are refused in `refusals`, never ignored.
 */
export const modelConfigSchema = z
  .object({
    model_type: z.string().default('llama'),
    vocab_size: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    intermediate_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive().nullable().optional(),
    head_dim: z.number().int().positive().nullable().optional(),
    hidden_act: z.string().default('silu'),
    rope_theta: z.number().positive().optional(),
    rope_scaling: z.record(z.string(), z.unknown()).nullable().optional(),
    /** transformers ≥ 5 keeps rope_theta and the scaling together here. */
    rope_parameters: z.record(z.string(), z.unknown()).nullable().optional(),
    rms_norm_eps: z.number().positive().default(1e-6),
    max_position_embeddings: z.number().int().positive().default(2048),
    tie_word_embeddings: z.boolean().default(false),
    attention_bias: z.boolean().optional(),
    mlp_bias: z.boolean().optional(),
    sliding_window: z.number().int().positive().nullable().optional(),
    use_sliding_window: z.boolean().optional(),
    partial_rotary_factor: z.number().optional(),
    bos_token_id: z.number().int().nonnegative().nullable().optional(),
    eos_token_id: z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).nullable().optional(),
  })
  .passthrough();

export type ModelConfigInput = z.input<typeof modelConfigSchema>;

export interface ModelConfig {
  modelType: ModelType;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  hiddenAct: HiddenAct;
  ropeTheta: number;
  rope: RopeScaling;
  rmsNormEps: number;
  maxPositions: number;
  tieWordEmbeddings: boolean;
  /** Biases on q/k/v (Qwen2 always; Llama, Qwen3 with attention_bias). */
  qkvBias: boolean;
  /** Bias on o_proj (Llama and Qwen3 attention_bias; never Qwen2). */
  outputBias: boolean;
  /** Biases on gate/up/down (Llama mlp_bias). */
  mlpBias: boolean;
  /** Qwen3's RMSNorm over each query and key head (q_norm, k_norm). */
  qkNorm: boolean;
  /** Attention span in tokens, when the model uses a sliding window. */
  slidingWindow: number | undefined;
  eosTokenIds: number[];
  bosTokenId: number | undefined;
  /** The config.json fields as read, written back unchanged with a checkpoint. */
  raw: Record<string, unknown>;
}

const show = (v: unknown) => JSON.stringify(v);

/** Parses a config.json object; a bad, inconsistent or unsupported field is named in a one-line error. */
export function parseModelConfig(json: unknown): ModelConfig {
  const parsed = modelConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    const got = issue.path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown> | undefined)?.[k], json);
    throw new UnsupportedConfigError(`config.json: ${field} ${show(got)} is invalid: ${issue.message}`);
  }
  const c = parsed.data;
  if (!(MODEL_TYPES as readonly string[]).includes(c.model_type)) {
    throw new UnsupportedConfigError(`config.json: model_type ${show(c.model_type)} is not supported (supported: ${MODEL_TYPES.join(', ')})`);
  }
  const modelType = c.model_type as ModelType;
  const hiddenAct = ACT_ALIASES[c.hidden_act] ?? c.hidden_act;
  if (!(HIDDEN_ACTS as readonly string[]).includes(hiddenAct)) {
    throw new UnsupportedConfigError(`config.json: hidden_act ${show(c.hidden_act)} is not supported (supported: ${HIDDEN_ACTS.join(', ')})`);
  }
  const rotary = c.rope_parameters?.partial_rotary_factor ?? c.partial_rotary_factor;
  if (rotary !== undefined && rotary !== 1) throw new UnsupportedConfigError(`config.json: partial_rotary_factor ${show(rotary)} is not supported (only 1)`);
  for (const field of ['quantization_config', 'layer_types'] as const) {
    const value = (c as Record<string, unknown>)[field];
    if (field === 'layer_types' && Array.isArray(value) && value.every((t) => t === 'full_attention')) continue;
    if (value !== undefined && value !== null) throw new UnsupportedConfigError(`config.json: ${field} ${show(value)} is not supported`);
  }
  const numKvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  if (!Number.isInteger(headDim)) throw new UnsupportedConfigError(`config.json: hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}`);
  if (c.num_attention_heads % numKvHeads !== 0) {
    throw new UnsupportedConfigError(`config.json: num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  }
  if (headDim % 2 !== 0) throw new UnsupportedConfigError(`config.json: head dimension ${headDim} must be even for rotary embeddings`);
  const ropeTheta = Number(c.rope_parameters?.rope_theta ?? c.rope_theta ?? 10000);
  const rope = parseRopeScaling(c.rope_parameters ?? c.rope_scaling, c.max_position_embeddings, c.rope_parameters ? 'rope_parameters' : 'rope_scaling');
  const attentionBias = c.attention_bias ?? false;
  const eos = c.eos_token_id;
  return {
    modelType,
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    numKvHeads,
    headDim,
    hiddenAct: hiddenAct as HiddenAct,
    ropeTheta,
    rope,
    rmsNormEps: c.rms_norm_eps,
    maxPositions: c.max_position_embeddings,
    tieWordEmbeddings: c.tie_word_embeddings,
    qkvBias: modelType === 'qwen2' || ((modelType === 'llama' || modelType === 'qwen3') && attentionBias),
    outputBias: (modelType === 'llama' || modelType === 'qwen3') && attentionBias,
    mlpBias: modelType === 'llama' && (c.mlp_bias ?? false),
    qkNorm: modelType === 'qwen3',
    slidingWindow: slidingWindow(c, modelType),
    eosTokenIds: eos === undefined || eos === null ? [] : Array.isArray(eos) ? eos : [eos],
    bosTokenId: c.bos_token_id ?? undefined,
    raw: c as Record<string, unknown>,
  };
}

/**
 * Mistral always honours sliding_window. Qwen2/Qwen3 only with use_sliding_window, and then only
 * in layers from max_window_layers on: all or none are served, a split is refused.
 */
function slidingWindow(c: { sliding_window?: number | null; use_sliding_window?: boolean; num_hidden_layers: number } & Record<string, unknown>, type: ModelType): number | undefined {
  const window = c.sliding_window ?? undefined;
  if (window === undefined || type === 'llama') return undefined;
  if (type === 'mistral') return window;
  if (!c.use_sliding_window) return undefined;
  const from = typeof c.max_window_layers === 'number' ? c.max_window_layers : 0;
  if (from >= c.num_hidden_layers) return undefined;
  if (from > 0) throw new UnsupportedConfigError(`config.json: max_window_layers ${from} with use_sliding_window (a window on only some of the ${c.num_hidden_layers} layers) is not supported`);
  return window;
}

/** Refuses a context beyond max_position_embeddings: the rotary tables are not defined past it. */
export function checkContext(c: ModelConfig, context: number): void {
  if (context > c.maxPositions) throw new UnsupportedConfigError(`a context of ${context} tokens exceeds the model's ${c.maxPositions} positions (max_position_embeddings)`);
}
