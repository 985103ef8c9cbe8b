import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tinyAdapter } from '../../../test/support/tiny-adapter';
import { ChatModel, loadCheckpoint } from '../../model';
import { writeAdapterModel, writeCandidateModel } from './candidate-model';

const defaultDir = resolve(__dirname, '../../../models/default');
const folderBytes = (dir: string) => readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

describe('an adapter version folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'closer-adapter-version-'));
  const adapterDir = join(root, 'adapter');
  const mergedDir = join(root, 'merged');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    const { adapter, merged } = await tinyAdapter(defaultDir);
    await writeAdapterModel(defaultDir, adapter, adapterDir, '# adapter');
    await writeCandidateModel(defaultDir, merged, mergedDir, '# merged');
  });

  it('holds only the adapter, naming the base folder, at a fraction of a full copy', () => {
    expect(readdirSync(adapterDir).sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
    expect(JSON.parse(readFileSync(join(adapterDir, 'adapter_config.json'), 'utf8')).base_model_name_or_path).toBe(defaultDir);
    expect(folderBytes(adapterDir)).toBeLessThan(folderBytes(mergedDir) / 10);
  });

  it('generates exactly what the merged folder does, greedy and sampled', async () => {
    const [adapted, merged] = await Promise.all([ChatModel.load(adapterDir, { capacity: 128 }), ChatModel.load(mergedDir, { capacity: 128 })]);
    const messages = [{ role: 'user' as const, content: 'Is there a free trial?' }];
    for (const sampling of [{ temperature: 0, seed: 1 }, { temperature: 1, seed: 7 }]) {
      const [a, m] = [await adapted.reply(messages, { maxNewTokens: 16, ...sampling }).result, await merged.reply(messages, { maxNewTokens: 16, ...sampling }).result];
      expect(a.tokens).toEqual(m.tokens);
    }
    await Promise.all([adapted.release(), merged.release()]);
  });

  it('is refused as the base of another adapter', async () => {
    const { adapter } = await tinyAdapter(defaultDir, 5);
    await expect(writeAdapterModel(adapterDir, adapter, join(root, 'chained'), '#')).rejects.toThrow(`${adapterDir} is itself an adapter`);
  });

  it('as the initial model of a full-weight candidate: the candidate carries the base folder\'s tokenizer files', async () => {
    const init = await loadCheckpoint(adapterDir);
    const outDir = join(root, 'full-from-adapter');
    await writeCandidateModel(adapterDir, new Map([...init.tensors].map(([name, t]) => [name, t.data as Float32Array])), outDir, '# full');
    expect(readdirSync(outDir)).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json']));
    const model = await ChatModel.load(outDir, { capacity: 64 });
    await model.release();
  });
});
