import { join } from 'node:path';
import { defaultCatalog } from '../../catalog';
import { ChatModel } from '../chat-model';
import { evaluateIntents, GREEDY_SAMPLING, intentTable, SERVING_SAMPLING } from './intent-eval';
import { intentTestSet } from './intent-grader';

/**
 * The shipped model (models/default, committed; rebuilt by `npm run build:model`) on the held-out
 * intent test set: at least 90 % of the replies right, sampled as served (temperature 0.7,
 * top-p 0.95, repetition penalty 1.1, fixed seeds), and greedy.
 */
describe('default model on the intent test set', () => {
  let model: ChatModel;
  beforeAll(async () => {
    model = await ChatModel.load(join(__dirname, '..', '..', '..', 'models', 'default'), { maxBatch: 128 });
  });
  afterAll(() => model.release());

  it('answers at least 90 % of the held-out questions right at the serving sampling settings', async () => {
    const report = await evaluateIntents(model, { catalog: defaultCatalog, items: intentTestSet, sampling: SERVING_SAMPLING, samples: 1, seed: 7 });
    if (report.overall.rate < 0.9) process.stderr.write(`${intentTable(report)}\n`);
    expect(report.overall.answers).toBe(intentTestSet.length);
    expect(report.overall.rate).toBeGreaterThanOrEqual(0.9);
  }, 60_000);

  it('answers at least 90 % right greedily, and discloses being an AI every time it is asked', async () => {
    const report = await evaluateIntents(model, { catalog: defaultCatalog, items: intentTestSet, sampling: GREEDY_SAMPLING, samples: 1, seed: 1 });
    expect(report.overall.rate).toBeGreaterThanOrEqual(0.9);
    expect(report.perIntent.find((r) => r.intent === 'ai-disclosure')!.rate).toBe(1);
  }, 60_000);
});
