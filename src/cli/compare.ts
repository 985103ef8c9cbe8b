import { cpus } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { advantageEstimatorNames, isAdvantageEstimatorName } from '../rl';
import { ExperimentConfig, runExperiment, runName, RunSpec } from '../rl/experiment/experiment';
import { openPoolTraining } from '../rl/pool-backend';
import { positiveInt, positiveNumberList } from './options';
import { addTrainingOptions, advantageConfig, poolTrainingOptions, progressLine, TrainingFlags } from './training-options';
import { catalogAndPersonas } from './catalog-options';

type CompareFlags = TrainingFlags & {
  estimators: string;
  seeds: number;
  ablations?: string;
  ablationSeeds: number;
  scales?: number[];
  scaleEstimators: string;
  scaleSeeds: number;
  evalSessions: number;
  baseline: string;
  root: string;
  report: string;
};

const estimatorList = (value: string) =>
  value.split(',').map((name) => {
    if (!isAdvantageEstimatorName(name.trim())) throw new InvalidArgumentError(`unknown estimator "${name}"; known: ${advantageEstimatorNames.join(', ')}`);
    return name.trim();
  });

export function registerCompare(program: Command): void {
  addTrainingOptions(program.command('compare').description('train estimators on several seeds from the same init, evaluate on held-out visitors, write the result report'))
    .option('--estimators <names>', 'estimators of the main comparison', 'hian,grpo')
    .option('--seeds <n>', 'seeds 1..n for the main comparison', positiveInt, 3)
    .option('--ablations <names>', 'more estimators, run on --ablation-seeds seeds')
    .option('--ablation-seeds <n>', 'seeds for the ablations', positiveInt, 1)
    .option('--scales <list>', 'reward-scale sweep: session-reward multipliers besides 1 (e.g. 0.1,10)', positiveNumberList)
    .option('--scale-estimators <names>', 'estimators of the reward-scale sweep', 'hian,grpo')
    .option('--scale-seeds <n>', 'seeds of the reward-scale sweep', positiveInt, 1)
    .option('--eval-sessions <n>', 'held-out sessions per model', positiveInt, 192)
    .option('--baseline <name>', 'the estimator relative changes are reported against', 'grpo')
    .option('--root <dir>', 'where run folders go (reused: finished runs are read back)', 'runs/compare')
    .option('--report <file>', 'the markdown report (figures beside it)', 'docs/results/duca-vs-grpo.md')
    .action(async (f: CompareFlags) => {
      const seeds = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
      const runs: RunSpec[] = [];
      const add = (estimator: string, seed: number, rewardScale: number) => {
        if (!runs.some((r) => r.estimator === estimator && r.seed === seed && r.rewardScale === rewardScale)) runs.push({ estimator, seed, rewardScale });
      };
      for (const s of seeds(f.seeds)) for (const e of estimatorList(f.estimators)) add(e, s, 1);
      if (f.ablations) for (const s of seeds(f.ablationSeeds)) for (const e of estimatorList(f.ablations)) add(e, s, 1);
      for (const scale of f.scales ?? []) for (const s of seeds(f.scaleSeeds)) for (const e of estimatorList(f.scaleEstimators)) add(e, s, scale);
      const sells = catalogAndPersonas(f);
      const personas = sells.personas.map((p) => p.id);
      const config: ExperimentConfig = {
        runs,
        loop: { advantage: advantageConfig(f), steps: f.steps, contexts: f.contexts, group: f.group, personas, checkpointEvery: f.checkpointEvery },
        evaluation: { personas, sessions: f.evalSessions, seed: 20261125 },
        root: f.root,
        reportPath: f.report,
        baseline: f.baseline,
        init: f.init,
        command: `npm run closer -- ${process.argv.slice(2).join(' ')}`,
        notes: [
          `Each run: ${f.steps} steps × ${f.contexts} contexts × G = ${f.group} sessions, on-policy sampling (temperature 1), lr ${f.lr}, clip ${f.epsilon}/${f.epsilonHigh}, KL β ${f.beta}, ${f.lossAggregation}, ${f.epochs} epoch(s) × ${f.miniBatches} mini-batch(es), session reward: ${f.sessionReward}.`,
          `Held-out evaluation: ${f.evalSessions} sessions per model with the serving sampling (temperature 0.7, top-p 0.95, repetition penalty 1.1), visitors from the evaluation seed range.`,
          `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${f.workers} rollout workers, update on ${f.device}. Training minutes per run are in the per-seed table.`,
        ],
      };
      await runExperiment(
        config,
        { open: (run) => openPoolTraining(poolTrainingOptions(f, run.rewardScale, sells)) },
        (line) => process.stderr.write(`${line}\n`),
        (run, p) => progressLine(runName(run), p.step, p.steps, p.metrics),
      );
      process.stderr.write(`report: ${f.report}\n`);
    });
}
