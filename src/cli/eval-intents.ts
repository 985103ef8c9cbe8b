import { Command, Option } from 'commander';
import { shippedCatalog } from '../catalog';
import { asServed } from '../chat/as-served';
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
    .option('--as-served', 'grade what a visitor reads: each reply through the guardrail as the server streams it (blocking rules, the non-answer check, its regenerations, the fallback), not the first attempt')
    .option('--regenerations <n>', 'with --as-served: the guardrail\'s regenerations (GUARDRAIL_MAX_REGENERATIONS)', nonNegativeInt, 2)
    .action(async (o: { set: QuestionSetName; model: string; samples: number; seed: number; maxTokens: number; replies?: boolean; asServed?: boolean; regenerations: number }) => {
      const model = await ChatModel.load(o.model, { maxBatch: 64 });
      try {
        // The sets' facts are the shipped Pipewise catalog's.
        const catalog = shippedCatalog();
        const answer = o.asServed ? asServed(model, catalog, o.regenerations) : undefined;
        const { greedy, sampled } = await evaluateGreedyAndSampled(model, { catalog, items: QUESTION_SETS[o.set], samples: o.samples, seed: o.seed, maxNewTokens: o.maxTokens, answer });
        const served = o.asServed ? { asServed: true, regenerations: o.regenerations } : {};
        for (const [mode, report] of [['greedy', greedy], ['sampled', sampled]] as const) {
          const { replies, ...summary } = report;
          console.log(JSON.stringify({ mode, set: o.set, model: o.model, ...served, ...summary, ...(o.replies ? { replies } : {}) }));
        }
        const how = o.asServed ? `, as served (through the guardrail, ${o.regenerations} regenerations)` : '';
        console.log(`\nSet ${o.set}${how}, greedy (1 reply per question):\n\n${intentTable(greedy)}\n\n${disclosureSummary(greedy)}\n`);
        console.log(`Set ${o.set}${how}, sampled at serving settings (${o.samples} replies per question, seeds ${o.seed}–${o.seed + o.samples - 1}):\n\n${intentTable(sampled)}\n\n${disclosureSummary(sampled)}`);
      } finally {
        await model.release();
      }
    });
}
