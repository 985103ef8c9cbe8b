import { Command } from 'commander';
import { shippedCatalog } from '../catalog';
import { ChatModel } from '../model';
import { evaluateIntents, GREEDY_SAMPLING, intentTable, SERVING_SAMPLING } from '../model/default-model/intent-eval';
import { intentTestSet } from '../model/default-model/intent-grader';
import { nonNegativeInt, positiveInt } from './options';

export function registerEvalIntents(program: Command): void {
  program
    .command('eval-intents')
    .description("ask a model the held-out intent questions (src/model/default-model/intent-test-set.json) and grade the replies; JSON, then a markdown table per intent")
    .option('--model <dir>', 'model folder', 'models/default')
    .option('--samples <n>', 'sampled replies per question (serving sampling: temperature 0.7, top-p 0.95, repetition penalty 1.1)', positiveInt, 4)
    .option('--seed <n>', 'first sampling seed', nonNegativeInt, 1)
    .option('--max-tokens <n>', 'longest reply', positiveInt, 120)
    .option('--replies', 'also print every reply with its grade')
    .action(async (o: { model: string; samples: number; seed: number; maxTokens: number; replies?: boolean }) => {
      const model = await ChatModel.load(o.model, { maxBatch: 64 });
      try {
        // The test set's facts are the shipped Pipewise catalog's.
        const common = { catalog: shippedCatalog(), items: intentTestSet, seed: o.seed, maxNewTokens: o.maxTokens };
        const greedy = await evaluateIntents(model, { ...common, sampling: GREEDY_SAMPLING, samples: 1 });
        const sampled = await evaluateIntents(model, { ...common, sampling: SERVING_SAMPLING, samples: o.samples });
        for (const [mode, report] of [['greedy', greedy], ['sampled', sampled]] as const) {
          const { replies, ...summary } = report;
          console.log(JSON.stringify({ mode, model: o.model, ...summary, ...(o.replies ? { replies } : {}) }));
        }
        console.log(`\nGreedy (1 reply per question):\n\n${intentTable(greedy)}\n`);
        console.log(`Sampled at serving settings (${o.samples} replies per question, seeds ${o.seed}–${o.seed + o.samples - 1}):\n\n${intentTable(sampled)}`);
      } finally {
        await model.release();
      }
    });
}
