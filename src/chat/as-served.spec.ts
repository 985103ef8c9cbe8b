import { join } from 'node:path';
import { shippedCatalog } from '../catalog';
import { ChatModel } from '../model';
import { evaluateIntents, GREEDY_SAMPLING } from '../model/default-model/intent-eval';
import { QUESTION_SETS } from '../model/default-model/question-sets';
import { TurnScoring } from '../scoring';
import { asServed } from './as-served';
import { catalogAnswer } from './catalog-answer';
import { SentenceBuffer } from './sentence-buffer';
import { SentenceGate } from './sentence-gate';

const catalog = shippedCatalog();
const scoring = new TurnScoring(catalog);
const items = QUESTION_SETS.paraphrase;

/** Whether the guardrail lets a whole first attempt out as it streams it. */
const passes = (question: string, text: string) => !new SentenceGate(scoring, [{ role: 'visitor', text: question }]).firstPassage(SentenceBuffer.split(text), true).stopped;

describe('asServed (the default model, greedy, the paraphrase set)', () => {
  let model: ChatModel;
  beforeAll(async () => {
    model = await ChatModel.load(join(__dirname, '..', '..', 'models', 'default'), { maxBatch: 64 });
  });
  afterAll(() => model.release());

  const grade = (answer?: ReturnType<typeof asServed>) => evaluateIntents(model, { catalog, items, sampling: GREEDY_SAMPLING, samples: 1, seed: 1, answer });

  it('a first attempt the guardrail passes is what the visitor reads; one it stops is never sent as written', async () => {
    const [first, served] = await Promise.all([grade(), grade(asServed(model, catalog, 2))]);
    const stopped = first.replies.filter((r) => !passes(r.question, r.text));
    expect(stopped.length).toBeGreaterThan(0);
    first.replies.forEach((r, i) => {
      if (passes(r.question, r.text)) expect(served.replies[i].text).toBe(r.text);
      else expect(served.replies[i].text).not.toBe(r.text);
    });
  }, 60_000);

  it("without regenerations, a first attempt that breaks no rule goes out as written, or the catalog's answer when it does not answer", async () => {
    const [first, served] = await Promise.all([grade(), grade(asServed(model, catalog, 0))]);
    let replaced = 0;
    first.replies.forEach((r, i) => {
      const history = [{ role: 'visitor' as const, text: r.question }];
      if (scoring.violations(r.text, history).some((v) => v.severity === 'block')) return;
      if (passes(r.question, r.text)) expect(served.replies[i]).toMatchObject({ text: r.text, catalogAnswer: false });
      else {
        replaced++;
        expect(served.replies[i]).toMatchObject({ text: catalogAnswer(history, catalog), catalogAnswer: true });
      }
    });
    expect(replaced).toBeGreaterThan(0);
  }, 60_000);
});
