/**
 * Random-weight checkpoints with the shapes of real Hugging Face models (no downloads needed):
 *   node dist/bench/random-checkpoint.js --shape smollm2-135m|qwen2.5-0.5b --out DIR [--dtype BF16|F32] [--shard-mib N]
 * Writes config.json, the weights (BF16 by default, as these models ship) and the default
 * model's tokenizer files (its 1,331-token vocabulary covers only the first ids of the model's).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../src/engine';
import { expectedParameters, parseModelConfig, saveCheckpoint } from '../src/model';

export const SHAPES: Record<string, Record<string, unknown>> = {
  // HuggingFaceTB/SmolLM2-135M-Instruct's config.json (architecture fields).
  'smollm2-135m': {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    vocab_size: 49152,
    hidden_size: 576,
    intermediate_size: 1536,
    num_hidden_layers: 30,
    num_attention_heads: 9,
    num_key_value_heads: 3,
    head_dim: 64,
    hidden_act: 'silu',
    rope_theta: 100000,
    rms_norm_eps: 1e-5,
    max_position_embeddings: 8192,
    tie_word_embeddings: true,
    bos_token_id: 1,
    eos_token_id: 2,
  },
  // Qwen/Qwen2.5-0.5B-Instruct's config.json (architecture fields).
  'qwen2.5-0.5b': {
    model_type: 'qwen2',
    architectures: ['Qwen2ForCausalLM'],
    vocab_size: 151936,
    hidden_size: 896,
    intermediate_size: 4864,
    num_hidden_layers: 24,
    num_attention_heads: 14,
    num_key_value_heads: 2,
    hidden_act: 'silu',
    rope_theta: 1000000,
    rms_norm_eps: 1e-6,
    max_position_embeddings: 32768,
    sliding_window: 32768,
    use_sliding_window: false,
    tie_word_embeddings: true,
    bos_token_id: 151643,
    eos_token_id: 151645,
  },
};

export async function writeRandomCheckpoint(shape: string, out: string, dtype: 'BF16' | 'F32' = 'BF16', maxShardBytes?: number, seed = 1): Promise<void> {
  const json = SHAPES[shape];
  if (!json) throw new Error(`unknown shape ${shape} (known: ${Object.keys(SHAPES).join(', ')})`);
  const config = parseModelConfig(json);
  const rng = new Rng(seed);
  const tensors = new Map(
    [...expectedParameters(config)].map(([name, dims]) => {
      const n = dims.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      if (name.endsWith('norm.weight')) data.fill(1);
      else for (let i = 0; i < n; i++) data[i] = (rng.next() - 0.5) * 0.04;
      return [name, { name, shape: dims, data }];
    }),
  );
  await mkdir(out, { recursive: true });
  await saveCheckpoint(out, { config, tensors }, { shape }, { dtype, maxShardBytes });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join('models/default', f), join(out, f));
}

if (require.main === module) {
  const args = new Map<string, string>();
  process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
  const shape = args.get('shape') ?? 'smollm2-135m';
  const out = args.get('out') ?? join('runs/models', shape);
  const t0 = Date.now();
  const shardMib = args.get('shard-mib');
  writeRandomCheckpoint(shape, out, (args.get('dtype') as 'BF16' | 'F32') ?? 'BF16', shardMib ? Number(shardMib) * 2 ** 20 : undefined).then(
    () => console.log(JSON.stringify({ shape, out, seconds: (Date.now() - t0) / 1000 })),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
