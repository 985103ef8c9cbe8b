import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors } from '../../engine';
import { compare, EvaluationPlan, EvaluationRecord, summarize } from '../../evaluation';
import { QUESTION_SET_NAMES } from '../../model/default-model/question-sets';
import { AdvantageConfig } from '../advantages';
import { RehearsalSettings, RehearsalWindow } from '../policy';
import { claimExperimentRoot, evaluateInitialModel, ExperimentConfig, runName, RunSpec, TrainingBackend, trainAndEvaluate } from '../experiment/experiment';
import { regimesDesign, regimesEvaluations } from '../experiment/regimes';
import { writeCandidateModel } from '../trainer/candidate-model';
import { RunDirectory } from '../trainer/run-directory';
import { TrainingProgress } from '../trainer/training-loop';
import { candidateCard, sftCardOf, shippedModelCard } from './card';
import { FinishingTraining, FinishReport, HELD_OUT_SETS, HeldOutComparison, HeldOutSet, QuestionScores } from './report';
import { decideShipment } from './ship-rule';

/**
 * What [duca-regimes] supports for the product's own training step (docs/results/duca-regimes.md):
 * HIAN on the strict visitor with the deal-value session reward, at the experiment's loop sizes.
 */
export const FINISHING_TRAINING = {
  estimator: 'hian',
  visitor: 'strict',
  sessionReward: 'value',
  rewardScale: 1,
  steps: regimesDesign.steps,
  contexts: regimesDesign.contexts,
  group: regimesDesign.group,
  checkpointEvery: regimesDesign.checkpointEvery,
  /** Supervised intent dialogues replayed in every update, so RL on the simulator keeps the SFT model's answers. */
  rehearsal: { coef: 1, windowsPerStep: 8 },
} as const;

/** The held-out strict-simulator sets both models play: the experiment's E1 (library personas) and E3 (unseen personas). */
export function heldOutPlans(libraryPersonas: string[], unseenPersonas: string[]): Record<HeldOutSet, EvaluationPlan> {
  const { E1, E3 } = regimesEvaluations(libraryPersonas, unseenPersonas);
  return { library: E1, unseen: E3 };
}

export interface FinishConfig {
  /** The SFT model folder: where training starts, the KL reference, and what ships unless the RL model wins. */
  sft: string;
  /** Where the shipped model goes. */
  out: string;
  /** The run folder: held-out records, the training run (resumable) and the RL candidate. */
  root: string;
  steps: number;
  seed: number;
  advantage: AdvantageConfig;
  /** The personas training contexts are drawn from. */
  personas: string[];
  heldOut: Record<HeldOutSet, EvaluationPlan>;
  /** The backend's settings the trained weights depend on (optimizer, rewards), recorded with the root. */
  settings: object;
  /** Supervised windows in the SFT model's tokens, replayed by the updates; none turns rehearsal off. */
  rehearsalWindows: RehearsalWindow[];
  /** How they are replayed (default FINISHING_TRAINING.rehearsal); a coef of 0 turns rehearsal off. */
  rehearsal?: RehearsalSettings;
}

export interface FinishDeps {
  /** Opens the optimizer on the SFT weights and the rollouts on the simulator. */
  backend: TrainingBackend;
  /** A model folder's accuracy on the question sets. */
  gradeQuestionSets: (modelDir: string) => Promise<QuestionScores>;
  log?: (line: string) => void;
  onStep?: (p: TrainingProgress) => void;
}

/**
 * The last step of `build-model`: trains the SFT model with DuCA on the strict simulator, compares
 * the RL candidate with the SFT model on both question sets and on held-out simulator sessions,
 * and ships the RL model to `out` only if `decideShipment` says so, the SFT model otherwise, with
 * a card saying which and why. Resumable: an interrupted run continues from its last checkpoint,
 * finished training and evaluations are read back, and a root holding another SFT model's or other
 * settings' run is refused.
 */
export async function finishWithRl(c: FinishConfig, d: FinishDeps): Promise<FinishReport> {
  const log = d.log ?? (() => {});
  const { estimator, visitor, sessionReward, rewardScale, contexts, group, checkpointEvery } = FINISHING_TRAINING;
  const settings: RehearsalSettings = c.rehearsal ?? FINISHING_TRAINING.rehearsal;
  const rehearsal = c.rehearsalWindows.length && settings.coef > 0 ? { ...settings, windows: c.rehearsalWindows } : undefined;
  const replayed = rehearsal && { ...settings, windows: rehearsal.windows.length };
  const run: RunSpec = { estimator, seed: c.seed, rewardScale, visitor, sessionReward };
  const loop: ExperimentConfig['loop'] = { advantage: c.advantage, steps: c.steps, contexts, group, personas: c.personas, checkpointEvery };
  await mkdir(c.root, { recursive: true });
  await claimExperimentRoot(c.root, c.sft, { run, loop, heldOut: c.heldOut, settings: c.settings, rehearsal: replayed ?? null });

  const sftRecords = await evaluateInitialModel(c.root, c.heldOut, d.backend, estimator, log);
  const rlRecords = (await trainAndEvaluate(run, c.root, loop, c.heldOut, d.backend, log, (_, p) => d.onStep?.(p), rehearsal)).evaluations;
  const training: FinishingTraining = { estimator, visitor, sessionReward, steps: c.steps, contexts, group, seed: c.seed, rehearsal: replayed };
  const sftCard = await readSftCard(c.sft);
  const runDir = new RunDirectory(join(c.root, runName(run)));
  // Rewritten on every invocation (a few megabytes): a kill mid-write never leaves a half candidate behind.
  await writeCandidateModel(c.sft, await finalWeights(runDir, c.steps), runDir.modelDir, candidateCard(sftCard, training, c.sft));

  log('grading the question sets: SFT model');
  const sftScores = await d.gradeQuestionSets(c.sft);
  log('grading the question sets: RL model');
  const rlScores = await d.gradeQuestionSets(runDir.modelDir);
  const questionSets = recordOf(QUESTION_SET_NAMES, (set) => ({ sft: sftScores[set], rl: rlScores[set] }));
  const heldOut = recordOf(HELD_OUT_SETS, (set) => heldOutComparison(c.heldOut[set], sftRecords[set], rlRecords[set]));

  const decision = decideShipment({
    greedy: recordOf(QUESTION_SET_NAMES, (set) => ({ sft: sftScores[set].greedy, rl: rlScores[set].greedy })),
    heldOut: heldOut.library.difference,
  });
  const report: FinishReport = { ...decision, out: c.out, sft: c.sft, rl: runDir.modelDir, root: c.root, training, questionSets, heldOut };
  await shipModel(decision.ships === 'rl' ? runDir.modelDir : c.sft, c.out, shippedModelCard(sftCard, report));
  await writeFile(join(c.root, 'finish-report.json'), JSON.stringify(report, null, 2) + '\n');
  log(`shipped the ${decision.ships.toUpperCase()} model to ${c.out}${decision.reasons.length ? `: ${decision.reasons.join('; ')}` : ''}`);
  return report;
}

const recordOf = <K extends string, V>(keys: readonly K[], value: (key: K) => V) => Object.fromEntries(keys.map((key) => [key, value(key)])) as Record<K, V>;

function heldOutComparison(plan: EvaluationPlan, sft: EvaluationRecord[], rl: EvaluationRecord[]): HeldOutComparison {
  return { plan, sft: summarize(sft), rl: summarize(rl), difference: compare(rl, sft) };
}

async function readSftCard(sft: string): Promise<string> {
  const path = join(sft, 'README.md');
  return existsSync(path) ? sftCardOf(await readFile(path, 'utf8')) : '';
}

/** The run's final checkpoint, which also holds the weights when this invocation only read the run back. */
async function finalWeights(run: RunDirectory, steps: number): Promise<Map<string, Float32Array>> {
  const { tensors } = await readSafetensors(join(run.checkpointDir(steps), 'params.safetensors'));
  return new Map([...tensors].map(([name, t]) => [name, Float32Array.from(t.data)]));
}

/** Copies a model folder's files into `out` (which may hold an earlier build) with the shipped card in place of its own. */
async function shipModel(from: string, out: string, card: string): Promise<void> {
  await mkdir(out, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isFile() && entry.name !== 'README.md') await copyFile(join(from, entry.name), join(out, entry.name));
  }
  await writeFile(join(out, 'README.md'), card);
}
