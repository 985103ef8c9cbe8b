import { Command } from 'commander';
import { buildDefaultModel } from '../model/default-model/build';
import { addCatalogOptions, catalogAndPersonas } from './catalog-options';
import { nonNegativeInt, positiveInt } from './options';

export function registerBuildModel(program: Command): void {
  addCatalogOptions(program.command('build-model'))
    .description("build a model for a catalog (the shipped default without --catalog): synthetic corpus, BPE tokenizer, SFT; writes a Hugging Face-layout folder")
    .option('--out <dir>', 'output folder', 'models/default')
    .option('--dialogues <n>', 'simulated sales dialogues in the corpus', positiveInt, 3000)
    .option('--intent-dialogues <n>', 'intent dialogues in the corpus (questions answered from the catalog)', nonNegativeInt, 30000)
    .option('--vocab <n>', 'tokenizer vocabulary size', positiveInt, 2048)
    .option('--hidden <n>', 'hidden size', positiveInt, 192)
    .option('--layers <n>', 'decoder layers', positiveInt, 4)
    .option('--heads <n>', 'attention heads', positiveInt, 4)
    .option('--seq <n>', 'training sequence length (the context DuCA rollouts use is 512)', positiveInt, 512)
    .option('--batch <n>', 'sequences per step', positiveInt, 4)
    .option('--steps <n>', 'training steps', positiveInt, 6000)
    .option('--lr <x>', 'peak learning rate', Number, 3e-3)
    .option('--seed <n>', 'seed for corpus, tokenizer and training', nonNegativeInt, 1)
    .option('--threads <n>', 'ORT intra-op threads', positiveInt)
    .action(async (o) => {
      const { catalog, personas } = catalogAndPersonas(o);
      const report = await buildDefaultModel({
        outDir: o.out,
        catalog,
        personas,
        dialogues: o.dialogues,
        intentDialogues: o.intentDialogues,
        vocabSize: o.vocab,
        hiddenSize: o.hidden,
        layers: o.layers,
        heads: o.heads,
        seq: o.seq,
        batch: o.batch,
        steps: o.steps,
        lr: o.lr,
        seed: o.seed,
        threads: o.threads,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      console.log(JSON.stringify(report, null, 2));
    });
}
