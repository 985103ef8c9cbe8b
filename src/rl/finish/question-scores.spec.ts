import { shippedCatalog } from '../../catalog';
import { ChatModel } from '../../model';
import { gradeAnswer } from '../../model/default-model/intent-grader';
import { QUESTION_SETS } from '../../model/default-model/question-sets';
import { gradeQuestionSets } from './question-scores';

/** Every reply is the disclosure: right only on the questions it answers. */
const REPLY = "I'm an AI assistant for Pipewise.";

describe('gradeQuestionSets', () => {
  afterEach(() => jest.restoreAllMocks());

  it('grades both sets greedy and with 4 sampled replies per question, and releases the model', async () => {
    const generated: number[] = [];
    const release = jest.fn(async () => undefined);
    const fake = { promptIds: () => [1], generator: { generate: async (batch: number[][]) => (generated.push(batch.length), batch.map(() => ({ text: REPLY }))) }, release };
    jest.spyOn(ChatModel, 'load').mockResolvedValue(fake as unknown as ChatModel);
    const scores = await gradeQuestionSets('some/model');
    for (const set of ['intent', 'paraphrase'] as const) {
      const items = QUESTION_SETS[set];
      const rate = items.filter((i) => gradeAnswer(i, REPLY, shippedCatalog()).right).length / items.length;
      expect(scores[set]).toEqual({ questions: items.length, greedy: rate, sampled: rate, samplesPerQuestion: 4 });
    }
    expect(generated).toEqual([QUESTION_SETS.intent.length, 4 * QUESTION_SETS.intent.length, QUESTION_SETS.paraphrase.length, 4 * QUESTION_SETS.paraphrase.length]);
    expect(release).toHaveBeenCalled();
  });
});
