import { z } from 'zod';

/**
 * The decoder's hyper-parameters, as Hugging Face `config.json` names them for the Llama and
 * Qwen2 families, so a real checkpoint's config loads unchanged.
 */
export const modelConfigSchema = z
  .object({
    model_type: z.enum(['llama', 'qwen2']).default('llama'),
    vocab_size: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    intermediate_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive().optional(),
    head_dim: z.number().int().positive().optional(),
    rope_theta: z.number().positive().default(10000),
    rms_norm_eps: z.number().positive().default(1e-6),
    max_position_embeddings: z.number().int().positive().default(2048),
    tie_word_embeddings: z.boolean().default(false),
    /** Qwen2 puts biases on q/k/v; Llama's `attention_bias` does the same. */
    attention_bias: z.boolean().optional(),
    bos_token_id: z.number().int().nonnegative().nullable().optional(),
    eos_token_id: z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).nullable().optional(),
  })
  .passthrough();

export type ModelConfigInput = z.input<typeof modelConfigSchema>;

export interface ModelConfig {
  modelType: 'llama' | 'qwen2';
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  ropeTheta: number;
  rmsNormEps: number;
  maxPositions: number;
  tieWordEmbeddings: boolean;
  qkvBias: boolean;
  eosTokenIds: number[];
  bosTokenId: number | undefined;
  /** The config.json fields as read, written back unchanged with a checkpoint. */
  raw: Record<string, unknown>;
}

/** Parses a config.json object; a bad or inconsistent field is named in the error. */
export function parseModelConfig(json: unknown): ModelConfig {
  const c = modelConfigSchema.parse(json);
  const numKvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  if (!Number.isInteger(headDim)) throw new Error(`config: hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}`);
  if (c.num_attention_heads % numKvHeads !== 0) {
    throw new Error(`config: num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  }
  if (headDim % 2 !== 0) throw new Error(`config: head dimension ${headDim} must be even for rotary embeddings`);
  const eos = c.eos_token_id;
  return {
    modelType: c.model_type,
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    numKvHeads,
    headDim,
    ropeTheta: c.rope_theta,
    rmsNormEps: c.rms_norm_eps,
    maxPositions: c.max_position_embeddings,
    tieWordEmbeddings: c.tie_word_embeddings,
    qkvBias: c.attention_bias ?? c.model_type === 'qwen2',
    eosTokenIds: eos === undefined || eos === null ? [] : Array.isArray(eos) ? eos : [eos],
    bosTokenId: c.bos_token_id ?? undefined,
    raw: c as Record<string, unknown>,
  };
}
