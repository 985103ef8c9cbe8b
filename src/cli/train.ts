import { isDeepStrictEqual } from 'node:util';
import { Command, InvalidArgumentError, Option } from 'commander';
import { compare, evaluate, EvaluationComparison, EvaluationPlan } from '../evaluation';
import { loadCheckpoint } from '../model';
import { advantageEstimatorNames, AdvantageEstimatorName, RunDirectory, runTrainingLoop, StepMetrics, TrainingLoopConfig } from '../rl';
import { openPoolTraining } from '../rl/pool-backend';
import { writeCandidateModel } from '../rl/trainer/candidate-model';
import { nonNegativeInt, positiveNumber } from './options';
import { addTrainingOptions, advantageConfig, poolTrainingOptions, progressLine, TrainingFlags } from './training-options';
import { catalogAndPersonas } from './catalog-options';

type TrainFlags = TrainingFlags & { estimator: AdvantageEstimatorName; seed: number; out?: string; rewardScale: number; evalSessions: number };

export function registerTrain(program: Command): void {
  addTrainingOptions(program.command('train').description('train the policy with DuCA (or a peer estimator) against the simulator; resumable; ends with a candidate model folder'))
    .addOption(new Option('--estimator <name>', 'advantage estimator').choices(advantageEstimatorNames).default('hian'))
    .option('--seed <n>', 'seed for contexts, sampling and shuffling', nonNegativeInt, 1)
    .option('--out <dir>', 'run folder; a folder with a checkpoint resumes (default runs/<estimator>-s<seed>)')
    .option('--reward-scale <x>', 'multiplier on the session reward', positiveNumber, 1)
    .option('--eval-sessions <n>', 'held-out sessions to compare the candidate with the initial model (0 skips)', nonNegativeInt, 96)
    .action(async (f: TrainFlags) => {
      const run = new RunDirectory(f.out ?? `runs/${f.estimator}-s${f.seed}`);
      const sells = catalogAndPersonas(f);
      const loop: TrainingLoopConfig = {
        estimator: f.estimator,
        advantage: advantageConfig(f),
        steps: f.steps,
        contexts: f.contexts,
        group: f.group,
        seed: f.seed,
        personas: sells.personas.map((p) => p.id),
        checkpointEvery: f.checkpointEvery,
      };
      const { redisUrl, ...options } = poolTrainingOptions(f, f.rewardScale, sells);
      // Where rollouts are played (and the Redis credentials) is not part of the run's identity.
      const recorded = { loop, options };
      const previous = await run.readConfig<typeof recorded>();
      if (previous && (await run.latestCheckpoint()) && !isDeepStrictEqual(previous, JSON.parse(JSON.stringify(recorded)))) {
        throw new InvalidArgumentError(`${run.root} holds a run with other settings (see its config.json); resume it with the same flags or choose another --out`);
      }
      await run.create(recorded);
      const training = await openPoolTraining({ ...options, redisUrl });
      try {
        const started = performance.now();
        const metrics = await runTrainingLoop(run, loop, training.optimizer, training.rollouts, ({ step, steps, metrics: m }) => {
          console.log(JSON.stringify(m));
          progressLine(f.estimator, step, steps, m);
        });
        const minutes = (performance.now() - started) / 60000;
        let comparison: EvaluationComparison | undefined;
        if (f.evalSessions > 0) {
          const plan: EvaluationPlan = { personas: loop.personas, sessions: f.evalSessions, seed: f.seed };
          const init = await loadCheckpoint(f.init);
          await training.evaluation.setWeights(new Map([...init.tensors].map(([n, t]) => [n, Float32Array.from(t.data)])));
          const baseline = await evaluate(training.evaluation, plan);
          await training.evaluation.setWeights(training.optimizer.params);
          comparison = compare(await evaluate(training.evaluation, plan), baseline);
          console.log(JSON.stringify({ evaluation: 'candidate vs initial', sessions: f.evalSessions, comparison }));
        }
        const lora = training.optimizer.config.lora;
        await writeCandidateModel(f.init, training.optimizer.params, run.modelDir, modelCard(f, metrics, minutes, comparison), lora && { lora, tensors: training.optimizer.adapter });
        process.stderr.write(`candidate model: ${run.modelDir}\n`);
      } finally {
        await training.close();
      }
    });
}

function modelCard(f: TrainFlags, metrics: StepMetrics[], minutes: number, comparison: EvaluationComparison | undefined): string {
  const last = metrics.slice(-10);
  const mean = (k: keyof StepMetrics) => last.reduce((a, m) => a + Number(m[k]), 0) / Math.max(1, last.length);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    '# Closer candidate policy',
    '',
    `Trained from \`${f.init}\` with \`${f.estimator}\` advantages (DuCA multi-turn RL, see docs/rl.md) against the rule-based visitor simulator.`,
    '',
    '| | |',
    '| --- | --- |',
    `| steps × contexts × group | ${f.steps} × ${f.contexts} × ${f.group} |`,
    `| seed | ${f.seed} |`,
    `| trained weights | ${f.loraRank ? `LoRA rank ${f.loraRank} on ${f.loraTargets} (adapter also in PEFT layout: adapter_config.json, adapter_model.safetensors)` : 'all'} |`,
    `| learning rate, clip ε / ε_high, KL β | ${f.lr}, ${f.epsilon} / ${f.epsilonHigh}, ${f.beta} |`,
    `| loss aggregation, epochs × mini-batches | ${f.lossAggregation}, ${f.epochs} × ${f.miniBatches} |`,
    `| session reward | ${f.sessionReward} × ${f.rewardScale} |`,
    `| training time (this run's last invocation) | ${minutes.toFixed(1)} min on ${f.device} |`,
    `| last ${last.length} steps: conversion, repetition / turn, identity detection, KL | ${pct(mean('conversion_rate'))}, ${mean('repetition_rate').toFixed(3)}, ${pct(mean('identity_detection_rate'))}, ${mean('kl').toFixed(4)} |`,
  ];
  if (comparison) {
    const d = (x: { difference: number; ci95: [number, number] }, f: (v: number) => string) => `${f(x.difference)} [${f(x.ci95[0])}, ${f(x.ci95[1])}]`;
    lines.push(
      `| held-out vs initial (${comparison.conversion.n} sessions): Δ conversion | ${d(comparison.conversion, pct)} |`,
      `| Δ repetition / turn, Δ identity detection, Δ violations / turn | ${d(comparison.repetition, (v) => v.toFixed(3))}, ${d(comparison.identity_detection, pct)}, ${d(comparison.violations, (v) => v.toFixed(3))} |`,
    );
  }
  lines.push('', 'Per-step metrics: `metrics.jsonl` in the run folder. Promote it only through the evaluation gate.', '');
  return lines.join('\n');
}
