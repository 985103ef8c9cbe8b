import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Command, InvalidArgumentError } from 'commander';
import { ProductCatalog, shippedCatalog } from '../catalog';
import { buildDefaultModel, BuildReport } from '../model/default-model/build';
import { DEFAULT_CORPUS, rehearsalWindows } from '../model/default-model/rehearsal-data';
import { holdsRuns, TrainingBackend } from '../rl/experiment/experiment';
import { FinishConfig, FINISHING_TRAINING, finishWithRl, gradeQuestionSets, heldOutPlans, shippedModelOf } from '../rl/finish';
import { openPoolTraining } from '../rl/pool-backend';
import { loadHeldOutPersonas, Persona } from '../simulator';
import { addCatalogOptions, CatalogFlags, catalogAndPersonas } from './catalog-options';
import { flagName, nonNegativeInt, nonNegativeNumber, positiveInt } from './options';
import { advantageConfig, defaultTrainingFlags, poolTrainingOptions, TrainingFlags } from './training-options';

interface BuildModelFlags extends CatalogFlags {
  out: string;
  dialogues: number;
  intentDialogues: number;
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads?: number;
  seq: number;
  batch: number;
  steps: number;
  lr: number;
  seed: number;
  threads?: number;
  rlSteps: number;
  rlSeed: number;
  rlRoot?: string;
  workers: number;
  sft?: string;
  rehearsalCoef: number;
  rehearsalWindows: number;
}

/** Flags of the SFT build, which `--sft` skips. */
const SFT_BUILD_FLAGS = ['dialogues', 'intentDialogues', 'vocab', 'hidden', 'layers', 'heads', 'kvHeads', 'seq', 'batch', 'steps', 'lr', 'seed', 'threads'];
/** Flags of the finishing step, which `--rl-steps 0` skips. */
const FINISHING_FLAGS = ['rlSeed', 'rlRoot', 'workers', 'sft', 'rehearsalCoef', 'rehearsalWindows'];

type Sells = { catalog: ProductCatalog; personas: Persona[] };

export function registerBuildModel(program: Command): void {
  const command = addCatalogOptions(program.command('build-model'))
    .description(
      'build a model: synthetic corpus from the catalog, BPE tokenizer, SFT, then the finishing step (DuCA on the strict simulator; the RL model ships only if it ' +
        'beats the SFT model on both question sets and held-out conversion with no rise in violations); writes a Hugging Face-layout folder',
    )
    .option('--out <dir>', 'output folder', 'models/default')
    .option('--dialogues <n>', 'simulated sales dialogues in the corpus', positiveInt, DEFAULT_CORPUS.dialogues)
    .option('--intent-dialogues <n>', 'intent dialogues in the corpus (questions answered from the catalog)', nonNegativeInt, DEFAULT_CORPUS.intentDialogues)
    .option('--vocab <n>', 'tokenizer vocabulary size', positiveInt, 2048)
    .option('--hidden <n>', 'hidden size', positiveInt, 192)
    .option('--layers <n>', 'decoder layers', positiveInt, 4)
    .option('--heads <n>', 'attention heads', positiveInt, 4)
    .option('--kv-heads <n>', 'key/value heads, each shared by heads / kv-heads query heads (grouped-query attention: a decode step reads that much less cache) (default: --heads)', positiveInt)
    .option('--seq <n>', 'training sequence length (the context DuCA rollouts use is 512)', positiveInt, 512)
    .option('--batch <n>', 'sequences per step', positiveInt, 4)
    .option('--steps <n>', 'training steps', positiveInt, 6000)
    .option('--lr <x>', 'peak learning rate', Number, 3e-3)
    .option('--seed <n>', 'seed for corpus, tokenizer and training', nonNegativeInt, DEFAULT_CORPUS.seed)
    .option('--threads <n>', 'ORT intra-op threads', positiveInt)
    .option('--rl-steps <n>', `finishing step: DuCA steps (${FINISHING_TRAINING.contexts} contexts × G = ${FINISHING_TRAINING.group} each; 0 skips the step and ships the SFT model)`, nonNegativeInt, FINISHING_TRAINING.steps)
    .option('--rl-seed <n>', 'finishing step: seed for contexts, sampling and shuffling', nonNegativeInt, 1)
    .option('--rl-root <dir>', 'finishing step: run folder (resumable; holds the SFT model it built, the RL candidate and the held-out records) (default: <out>.rl-run)')
    .option('--workers <n>', 'finishing step: rollout worker threads', positiveInt, cpus().length)
    .option('--sft <dir>', 'skip the SFT build and run only the finishing step, from this SFT model folder')
    .option('--rehearsal-coef <x>', "finishing step: weight of the replayed supervised windows' loss in each update (0 turns rehearsal off)", nonNegativeNumber, FINISHING_TRAINING.rehearsal.coef)
    .option('--rehearsal-windows <n>', 'finishing step: supervised windows replayed in each update', positiveInt, FINISHING_TRAINING.rehearsal.windowsPerStep);
  command.action(async (f: BuildModelFlags) => {
    const sells = catalogAndPersonas(f);
    checkBuildModelFlags(f, (key) => command.getOptionValueSource(key) === 'cli', sells.catalog);
    const log = (line: string) => process.stderr.write(`[${new Date().toISOString()}] ${line}\n`);
    if (f.rlSteps === 0) {
      console.log(JSON.stringify({ build: await buildSft(f, f.out, sells, log) }, null, 2));
      return;
    }
    const root = rlRoot(f);
    const sft = f.sft ?? builtSftDir(root);
    const build = f.sft ? undefined : await buildSft(f, sft, sells, log);
    const { config, backend } = await finishingStep(f, sft, root, sells);
    const finish = await finishWithRl(config, {
      backend,
      gradeQuestionSets,
      log,
      onStep: (p) => {
        if (p.step % 10 === 0 || p.step === p.steps) log(`step ${p.step}/${p.steps} conv ${p.metrics.conversion_rate.toFixed(2)} viol ${p.metrics.violations_per_turn.toFixed(3)}`);
      },
    });
    console.log(JSON.stringify({ build, finish }, null, 2));
  });
}

const rlRoot = (f: BuildModelFlags) => f.rlRoot ?? join(dirname(f.out), `${basename(f.out)}.rl-run`);

/** Where the SFT model goes when the finishing step follows: beside its run, so `out` only ever receives the model that ships. */
const builtSftDir = (root: string) => join(root, 'sft');

/**
 * Refuses flag combinations that would not do what was asked: flags of a step that does not run,
 * a finishing step that would grade another catalog against Pipewise's questions, overwrite the
 * model it starts from, or rebuild the SFT model of a run that should be resumed.
 */
function checkBuildModelFlags(f: BuildModelFlags, given: (key: string) => boolean, catalog: ProductCatalog): void {
  const givenOf = (keys: string[]) => keys.filter(given).map(flagName).join(', ');
  // Checked here, not when the config is parsed after the corpus and tokenizer are built.
  if (f.kvHeads !== undefined && f.heads % f.kvHeads !== 0) throw new InvalidArgumentError(`--kv-heads ${f.kvHeads} must divide --heads ${f.heads}: each key/value head serves a whole group of query heads`);
  if (f.rlSteps === 0) {
    if (givenOf(FINISHING_FLAGS)) throw new InvalidArgumentError(`--rl-steps 0 skips the finishing step, so ${givenOf(FINISHING_FLAGS)} would change nothing`);
    return;
  }
  if (!isDeepStrictEqual(catalog, shippedCatalog())) {
    throw new InvalidArgumentError('the finishing step grades question sets written for the shipped Pipewise catalog: build a model for another catalog with --rl-steps 0, then train it with `closer train`');
  }
  const root = rlRoot(f);
  if (resolve(root) === resolve(f.out)) throw new InvalidArgumentError('--rl-root and --out must differ: the run folder is not a model folder');
  if (f.sft === undefined) {
    if (holdsRuns(root)) {
      throw new InvalidArgumentError(`${root} holds a finishing run: resume it with --sft and the SFT folder it started from (${builtSftDir(root)} if build-model built it; its experiment.json names it), or remove ${root} to build anew`);
    }
    return;
  }
  if (givenOf(SFT_BUILD_FLAGS)) throw new InvalidArgumentError(`--sft skips the SFT build, so ${givenOf(SFT_BUILD_FLAGS)} would change nothing`);
  if (resolve(f.sft) === resolve(f.out)) throw new InvalidArgumentError('--sft and --out must differ: the finishing step would overwrite the model it starts from');
  if (!existsSync(join(f.sft, 'config.json'))) throw new InvalidArgumentError(`--sft ${f.sft} is not a model folder (no config.json)`);
  const card = join(f.sft, 'README.md');
  if (existsSync(card) && shippedModelOf(readFileSync(card, 'utf8')) === 'rl') {
    throw new InvalidArgumentError(`--sft ${f.sft} holds the RL model an earlier finishing step shipped: start from the SFT model its card names`);
  }
}

function buildSft(f: BuildModelFlags, outDir: string, { catalog, personas }: Sells, log: (line: string) => void): Promise<BuildReport> {
  return buildDefaultModel({
    outDir,
    catalog,
    personas,
    dialogues: f.dialogues,
    intentDialogues: f.intentDialogues,
    vocabSize: f.vocab,
    hiddenSize: f.hidden,
    layers: f.layers,
    heads: f.heads,
    kvHeads: f.kvHeads ?? f.heads,
    seq: f.seq,
    batch: f.batch,
    steps: f.steps,
    lr: f.lr,
    seed: f.seed,
    threads: f.threads,
    log,
  });
}

/** Intent dialogues the finishing step's rehearsal windows are cut from (~1,000 windows; 40 steps draw 320). */
const REHEARSAL_DIALOGUES = 4000;

/** The finishing step at what [duca-regimes] supports and `closer train`'s default optimizer settings; only steps, seed, rehearsal and rollout threads are flags. */
async function finishingStep(f: BuildModelFlags, sft: string, root: string, { catalog, personas }: Sells): Promise<{ config: FinishConfig; backend: TrainingBackend }> {
  const unseen = loadHeldOutPersonas(catalog);
  const flags: TrainingFlags = { ...defaultTrainingFlags(), init: sft, workers: f.workers, visitor: FINISHING_TRAINING.visitor, sessionReward: FINISHING_TRAINING.sessionReward };
  // The rollout workers know the unseen personas too, for held-out evaluation; training draws from the library only.
  const options = poolTrainingOptions(flags, FINISHING_TRAINING.rewardScale, { catalog, personas: [...personas, ...unseen] });
  const library = personas.map((p) => p.id);
  return {
    config: {
      sft,
      out: f.out,
      root,
      steps: f.rlSteps,
      seed: f.rlSeed,
      advantage: advantageConfig(flags),
      personas: library,
      heldOut: heldOutPlans(library, unseen.map((p) => p.id)),
      settings: { optimizer: options.optimizer, rewards: options.rewards, maxAgentTurns: options.maxAgentTurns },
      rehearsalWindows: f.rehearsalCoef > 0 ? await rehearsalWindows({ catalog, personas, modelDir: sft, seq: options.optimizer.sequenceLength, dialogues: REHEARSAL_DIALOGUES }) : [],
      rehearsal: { coef: f.rehearsalCoef, windowsPerStep: f.rehearsalWindows },
    },
    backend: { open: () => openPoolTraining(options) },
  };
}
