import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shippedCatalog } from '../../catalog';
import { loadPersonaLibrary } from '../../simulator';
import { ChatModel } from '../chat-model';
import { buildDefaultModel } from './build';

const defaultCatalog = shippedCatalog();
const defaultPersonas = loadPersonaLibrary(defaultCatalog);

describe('build-model pipeline (tiny settings)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-build-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SFT lowers the loss and writes a folder that loads and generates', async () => {
    const report = await buildDefaultModel({
      outDir: dir,
      catalog: defaultCatalog,
      personas: defaultPersonas,
      dialogues: 120,
      intentDialogues: 120,
      vocabSize: 400,
      hiddenSize: 32,
      layers: 1,
      heads: 2,
      kvHeads: 1,
      seq: 64,
      batch: 4,
      steps: 200,
      lr: 3e-3,
      seed: 2,
      threads: 1,
    });
    expect(report.finalLoss).toBeLessThan(report.firstLoss * 0.7);
    expect(report.heldOutLoss).toBeLessThan(report.firstLoss * 0.7);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(`| parameters | ${report.parameters.toLocaleString('en-US')} |`);
    const model = await ChatModel.load(dir, { capacity: 128 });
    const [result] = await model.generator.generate([model.promptIds([{ role: 'user', content: 'How much is Growth?' }], 16)], { maxNewTokens: 16, seed: 1 });
    expect(result.tokens.length).toBeGreaterThan(0);
    await model.release();
  });
});
