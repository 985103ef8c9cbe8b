import { shippedCatalog } from '../../catalog';
import { ChatModel } from '../../model';
import { evaluateGreedyAndSampled } from '../../model/default-model/intent-eval';
import { QUESTION_SET_NAMES, QUESTION_SETS } from '../../model/default-model/question-sets';
import type { QuestionScores } from './report';

/** Sampled replies per question, and the first sampling seed: `eval-intents`' defaults. */
const SAMPLES_PER_QUESTION = 4;
const FIRST_SEED = 1;

/** A model folder's accuracy on both question sets, greedy and sampled at serving settings, as `eval-intents` grades them. */
export async function gradeQuestionSets(modelDir: string): Promise<QuestionScores> {
  const model = await ChatModel.load(modelDir, { maxBatch: 64 });
  try {
    const scores = {} as QuestionScores;
    for (const set of QUESTION_SET_NAMES) {
      // The sets' facts are the shipped Pipewise catalog's.
      const { greedy, sampled } = await evaluateGreedyAndSampled(model, { catalog: shippedCatalog(), items: QUESTION_SETS[set], samples: SAMPLES_PER_QUESTION, seed: FIRST_SEED });
      scores[set] = { questions: greedy.overall.questions, greedy: greedy.overall.rate, sampled: sampled.overall.rate, samplesPerQuestion: SAMPLES_PER_QUESTION };
    }
    return scores;
  } finally {
    await model.release();
  }
}
