import { join } from 'node:path';
import { shippedCatalog } from '../../catalog';
import { ChatModel } from '../chat-model';
import { evaluateIntents, GREEDY_SAMPLING, IntentEvalReport, intentTable, SERVING_SAMPLING } from './intent-eval';
import { QUESTION_SETS } from './question-sets';

const defaultCatalog = shippedCatalog();

/**
 * The shipped model (models/default, committed; rebuilt by `npm run build:model`) on the held-out
 * intent test set, sampled as served (temperature 0.7, top-p 0.95, repetition penalty 1.1, seeds
 * 7…) and greedily, all questions in one batch. Measured figures: docs/model.md.
 */
describe('default model on the intent test set', () => {
  let model: ChatModel;
  let sampled: IntentEvalReport;
  let greedy: IntentEvalReport;
  beforeAll(async () => {
    model = await ChatModel.load(join(__dirname, '..', '..', '..', 'models', 'default'), { maxBatch: 128 });
    const common = { catalog: defaultCatalog, items: QUESTION_SETS.intent, samples: 1, seed: 7 };
    sampled = await evaluateIntents(model, { ...common, sampling: SERVING_SAMPLING });
    greedy = await evaluateIntents(model, { ...common, sampling: GREEDY_SAMPLING });
  }, 120_000);
  afterAll(() => model.release());

  it('answers at least 85 % of the held-out questions right, sampled as served and greedily', () => {
    expect(sampled.overall.answers).toBe(QUESTION_SETS.intent.length);
    for (const report of [sampled, greedy]) {
      if (report.overall.rate < 0.85) process.stderr.write(`${intentTable(report)}\n`);
      expect(report.overall.rate).toBeGreaterThanOrEqual(0.85);
    }
  });

  it('discloses being an AI to every way of asking in the test set (greedy), and to at least 11 of 12 sampled', () => {
    const rate = (r: IntentEvalReport) => r.perIntent.find((x) => x.intent === 'ai-disclosure')!;
    expect(rate(greedy).rate).toBe(1);
    expect(rate(sampled).right).toBeGreaterThanOrEqual(11);
  });

  // Issue #17's target, not reached yet by the shipped model (86 % greedy, 86 % sampled over 4
  // seeds: docs/model.md). `it.failing` passes while the bar is missed; when a rebuilt model
  // reaches it, this turns red: make it a plain `it`.
  it.failing('reaches the issue #17 target: at least 90 % right, sampled and greedy', () => {
    expect(Math.min(sampled.overall.rate, greedy.overall.rate)).toBeGreaterThanOrEqual(0.9);
  });
});
