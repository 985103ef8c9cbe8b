import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectModel } from './inspect';
import { loraConfig } from './lora/lora';
import { adapterShapes, savePeftAdapter } from './lora/peft';

const defaultDir = join(__dirname, '../../models/default');
// The shipped model is rebuilt now and then: its vocabulary comes from its own config.
const shippedVocab: number = JSON.parse(readFileSync(join(defaultDir, 'config.json'), 'utf8')).vocab_size;

describe('inspectModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-inspect-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('describes the shipped model and refuses nothing', async () => {
    const r = await inspectModel(defaultDir);
    expect(r.refusals).toEqual([]);
    expect(r.architecture).toMatchObject({ modelType: 'llama', layers: 4, hidden: 192, heads: 4, kvHeads: 4, headDim: 48, activation: 'silu', biases: [], tiedEmbeddings: true });
    expect(r.weights).toMatchObject({ files: ['model.safetensors'], storedDtypes: { F32: 38 }, ignoredTensors: [] });
    expect(r.weights!.parameters * 4).toBeLessThan(statSync(join(defaultDir, 'model.safetensors')).size);
    expect(r.memory!.kvCachePerToken).toBe(2 * 4 * 4 * 48 * 4);
    expect(r.tokenizer).toMatchObject({ vocabulary: shippedVocab, templateRenders: true, eosTokens: [2] });
  });

  it('lists every refusal of a folder it cannot serve', async () => {
    cpSync(defaultDir, dir, { recursive: true });
    const config = { model_type: 'mistral', vocab_size: 1000, hidden_size: 192, intermediate_size: 512, num_hidden_layers: 5, num_attention_heads: 4, max_position_embeddings: 1024, sliding_window: 256, tie_word_embeddings: true };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{{ raise_exception("no system role") }}' }));
    const r = await inspectModel(dir);
    expect(r.refusals).toEqual([
      `${dir}: model.embed_tokens.weight has shape [${shippedVocab}, 192], config.json implies [1000, 192]`,
      ...['input_layernorm', 'self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'post_attention_layernorm', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'].map(
        (t) => `${dir}: the checkpoint has no tensor model.layers.4.${t}.weight (config.json implies it)`,
      ),
      `${dir}: the chat template does not render a system + user conversation: no system role`,
      `${dir}: tokenizer.json has ids up to ${shippedVocab - 1}, beyond config.json's vocab_size 1000`,
      `${dir}: no end-of-reply token (no eos_token_id in config.json or generation_config.json, no eos_token in tokenizer_config.json)`,
    ]);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'phi3' }));
    expect((await inspectModel(dir)).refusals[0]).toBe('config.json: model_type "phi3" is not supported (supported: llama, mistral, qwen2, qwen3)');
  });
});

describe('inspectModel on a PEFT adapter folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-inspect-adapter-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('describes the adapter and its base, with the base folder\'s tokenizer', async () => {
    const lora = loraConfig(2, ['v_proj']);
    const base = await inspectModel(defaultDir);
    const shapes = adapterShapes(lora, new Map([['model.layers.0.self_attn.v_proj.weight', [192, 192]]]));
    await savePeftAdapter(dir, { lora, tensors: new Map([...shapes].map(([n, [r, c]]) => [n, new Float32Array(r * c)])), baseModel: defaultDir }, shapes);
    const r = await inspectModel(dir);
    expect(r.adapter).toEqual({ baseModel: defaultDir, rank: 2, alpha: 4, targets: ['v_proj'], parameters: 2 * 192 * 2 });
    expect(r.architecture).toEqual(base.architecture);
    expect(r.tokenizer).toEqual(base.tokenizer);
    expect(r.refusals).toEqual([]);
  });
});
