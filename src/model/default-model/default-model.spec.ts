import { join } from 'node:path';
import { shippedCatalog } from '../../catalog';
import { ChatModel } from '../chat-model';
import { evaluateIntents, GREEDY_SAMPLING, IntentEvalReport, intentTable, SERVING_SAMPLING } from './intent-eval';
import { QUESTION_SETS } from './question-sets';

const defaultCatalog = shippedCatalog();
let model: ChatModel;
beforeAll(async () => {
  model = await ChatModel.load(join(__dirname, '..', '..', '..', 'models', 'default'), { maxBatch: 128 });
}, 60_000);
afterAll(() => model.release());

/**
 * The shipped model (models/default, committed; rebuilt by `npm run build:model`) on the held-out
 * intent test set, sampled as served (temperature 0.7, top-p 0.95, repetition penalty 1.1, seeds
 * 7…) and greedily, all questions in one batch. Measured figures: docs/model.md.
 */
describe('default model on the intent test set', () => {
  let sampled: IntentEvalReport;
  let greedy: IntentEvalReport;
  beforeAll(async () => {
    const common = { catalog: defaultCatalog, items: QUESTION_SETS.intent, samples: 1, seed: 7 };
    sampled = await evaluateIntents(model, { ...common, sampling: SERVING_SAMPLING });
    greedy = await evaluateIntents(model, { ...common, sampling: GREEDY_SAMPLING });
  }, 120_000);

  it('reaches the issue #17 and #29 target: at least 90 % right sampled as served, 92 % greedily', () => {
    expect(sampled.overall.answers).toBe(QUESTION_SETS.intent.length);
    for (const [report, bar] of [[sampled, 0.9], [greedy, 0.92]] as const) {
      if (report.overall.rate < bar) process.stderr.write(`${intentTable(report)}\n`);
      expect(report.overall.rate).toBeGreaterThanOrEqual(bar);
    }
  });

  it('discloses being an AI to every way of asking in the test set (greedy), and to at least 11 of 12 sampled', () => {
    const rate = (r: IntentEvalReport) => r.perIntent.find((x) => x.intent === 'ai-disclosure')!;
    expect(rate(greedy).rate).toBe(1);
    expect(rate(sampled).right).toBeGreaterThanOrEqual(11);
  });
});

/**
 * The shipped model on the held-out paraphrase set (issue #29: written apart from the corpus),
 * greedy. A floor under the measured figure (docs/model.md), so a rebuild that loses the visitor's
 * own wordings fails here; the target stays `it.failing` until a model reaches it.
 */
describe('default model on the paraphrase test set', () => {
  let greedy: IntentEvalReport;
  beforeAll(async () => {
    greedy = await evaluateIntents(model, { catalog: defaultCatalog, items: QUESTION_SETS.paraphrase, samples: 1, seed: 7, sampling: GREEDY_SAMPLING });
  }, 120_000);

  it('answers at least 70 % right greedily, and discloses instead of answering in at most 3 % of the rest', () => {
    if (greedy.overall.rate < 0.7) process.stderr.write(`${intentTable(greedy)}\n`);
    expect(greedy.overall.rate).toBeGreaterThanOrEqual(0.7);
    expect(greedy.disclosedInstead.all.disclosed / greedy.disclosedInstead.all.answers).toBeLessThanOrEqual(0.03);
  });

  // Issue #29's target (90 % greedy): `it.failing` passes while the bar is missed; make it a plain `it` once a model reaches it.
  it.failing('reaches the issue #29 target: at least 90 % right greedily', () => {
    expect(greedy.overall.rate).toBeGreaterThanOrEqual(0.9);
  });
});
