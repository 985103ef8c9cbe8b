import { Command, Option } from 'commander';
import { shippedCatalog } from '../catalog';
import { ChatModel } from '../model';
import { disclosureSummary, evaluateGreedyAndSampled, intentTable } from '../model/default-model/intent-eval';
import { QUESTION_SET_NAMES, QUESTION_SETS, QuestionSetName } from '../model/default-model/question-sets';
import { nonNegativeInt, positiveInt } from './options';

export function registerEvalIntents(program: Command): void {
  program
    .command('eval-intents')
    .description('ask a model a held-out question set (src/model/default-model/<set>-test-set.json) and grade the replies; JSON, then a markdown table per intent')
    .addOption(new Option('--set <name>', 'question set: intent (the one the corpus was developed against) or paraphrase (written apart from corpus and intent set)').choices(QUESTION_SET_NAMES).default('intent'))
    .option('--model <dir>', 'model folder', 'models/default')
    .option('--samples <n>', 'sampled replies per question (serving sampling: temperature 0.7, top-p 0.95, repetition penalty 1.1)', positiveInt, 4)
    .option('--seed <n>', 'first sampling seed', nonNegativeInt, 1)
    .option('--max-tokens <n>', 'longest reply', positiveInt, 120)
    .option('--replies', 'also print every reply with its grade')
    .action(async (o: { set: QuestionSetName; model: string; samples: number; seed: number; maxTokens: number; replies?: boolean }) => {
      const model = await ChatModel.load(o.model, { maxBatch: 64 });
      try {
        // The sets' facts are the shipped Pipewise catalog's.
        const { greedy, sampled } = await evaluateGreedyAndSampled(model, { catalog: shippedCatalog(), items: QUESTION_SETS[o.set], samples: o.samples, seed: o.seed, maxNewTokens: o.maxTokens });
        for (const [mode, report] of [['greedy', greedy], ['sampled', sampled]] as const) {
          const { replies, ...summary } = report;
          console.log(JSON.stringify({ mode, set: o.set, model: o.model, ...summary, ...(o.replies ? { replies } : {}) }));
        }
        console.log(`\nSet ${o.set}, greedy (1 reply per question):\n\n${intentTable(greedy)}\n\n${disclosureSummary(greedy)}\n`);
        console.log(`Set ${o.set}, sampled at serving settings (${o.samples} replies per question, seeds ${o.seed}–${o.seed + o.samples - 1}):\n\n${intentTable(sampled)}\n\n${disclosureSummary(sampled)}`);
      } finally {
        await model.release();
      }
    });
}
