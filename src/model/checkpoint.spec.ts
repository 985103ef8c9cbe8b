import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatModel } from './chat-model';
import { Rng } from '../engine';
import { expectedParameters, loadCheckpoint, saveCheckpoint, SHARD_INDEX } from './checkpoint';
import { loraConfig } from './lora/lora';
import { adapterShapes, savePeftAdapter } from './lora/peft';

const defaultDir = join(__dirname, '../../models/default');

describe('sharded checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-shards-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a sharded copy of models/default generates exactly what the single file does', async () => {
    await saveCheckpoint(dir, await loadCheckpoint(defaultDir), {}, { maxShardBytes: 2_000_000 });
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(defaultDir, f), join(dir, f));
    const shards = readdirSync(dir).filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f));
    expect(shards.length).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(false);
    const index = JSON.parse(readFileSync(join(dir, SHARD_INDEX), 'utf8'));
    expect(new Set(Object.values(index.weight_map))).toEqual(new Set(shards));

    const reply = async (modelDir: string) => {
      const model = await ChatModel.load(modelDir, { capacity: 128 });
      const result = await model.reply([{ role: 'user', content: 'How much is the Growth plan?' }], { maxNewTokens: 24, seed: 5, temperature: 0.8 }).result;
      await model.release();
      return result;
    };
    const [single, sharded] = [await reply(defaultDir), await reply(dir)];
    expect(sharded.tokens).toEqual(single.tokens);
    expect(single.tokens.length).toBeGreaterThan(3);
  });

  it('a folder without weights names both layouts it looked for', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'closer-noweights-'));
    copyFileSync(join(defaultDir, 'config.json'), join(empty, 'config.json'));
    await expect(loadCheckpoint(empty)).rejects.toThrow(`${empty}: no model.safetensors and no ${SHARD_INDEX}`);
    rmSync(empty, { recursive: true, force: true });
    await expect(loadCheckpoint(join(empty, 'gone'))).rejects.toThrow('no config.json');
  });
});

describe('generation_config.json in a served model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-genconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const messages = [{ role: 'user' as const, content: 'Do you have a mobile app?' }];

  it('its EOS ids end a reply and its sampling defaults apply unless the request overrides them', async () => {
    cpSync(defaultDir, dir, { recursive: true });
    const plain = await ChatModel.load(dir, { capacity: 128 });
    const greedy = await plain.reply(messages, { maxNewTokens: 8, seed: 1, temperature: 0 }).result;
    await plain.release();

    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [greedy.tokens[2]], do_sample: false }));
    const model = await ChatModel.load(dir, { capacity: 128 });
    // No temperature given: generation_config's do_sample false makes it greedy, whatever the seed.
    const [a, b] = [await model.reply(messages, { maxNewTokens: 8, seed: 1 }).result, await model.reply(messages, { maxNewTokens: 8, seed: 2 }).result];
    expect(a.tokens).toEqual(greedy.tokens.slice(0, 3));
    expect(a.finishReason).toBe('eos');
    expect(b.tokens).toEqual(a.tokens);
    const sampled = await model.reply(messages, { maxNewTokens: 8, seed: 3, temperature: 1.5 }).result;
    expect(sampled.tokens).not.toEqual(a.tokens);
    await model.release();
  });
});

describe('a PEFT adapter folder saved without tokenizer files', () => {
  const root = mkdtempSync(join(tmpdir(), 'closer-adapter-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves as base + adapter, with the base folder\'s tokenizer', async () => {
    const base = await loadCheckpoint(defaultDir);
    const lora = loraConfig(4, ['q_proj', 'down_proj']);
    const shapes = adapterShapes(lora, expectedParameters(base.config));
    const rng = new Rng(3);
    const tensors = new Map([...shapes].map(([name, [rows, cols]]) => [name, Float32Array.from({ length: rows * cols }, () => 0.3 * rng.normal())]));
    const adapterDir = join(root, 'adapter');
    await savePeftAdapter(adapterDir, { lora, tensors, baseModel: defaultDir }, shapes);
    const model = await ChatModel.load(adapterDir, { capacity: 128 });
    const baseModel = await ChatModel.load(defaultDir, { capacity: 128 });
    const ask = (m: ChatModel) => m.reply([{ role: 'user', content: 'Is there a free trial?' }], { maxNewTokens: 12, seed: 1, temperature: 0 }).result;
    const [adapted, plain] = [await ask(model), await ask(baseModel)];
    expect(adapted.tokens).not.toEqual(plain.tokens);
    expect(model.tokenizer.renderChat([{ role: 'user', content: 'x' }])).toBe(baseModel.tokenizer.renderChat([{ role: 'user', content: 'x' }]));
    await Promise.all([model.release(), baseModel.release()]);
  });
});
