import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatModel } from './chat-model';
import { loadCheckpoint, saveCheckpoint, SHARD_INDEX } from './checkpoint';

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
