import { cpus } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { shippedCatalog } from '../catalog';
import { openPoolTraining } from '../rl/pool-backend';
import { runName } from '../rl/experiment/experiment';
import { regimesDesign, regimesEvaluations, regimesRuns, runRegimesExperiment } from '../rl/experiment/regimes';
import { loadHeldOutPersonas, loadPersonaLibrary } from '../simulator';
import { flagName } from './options';
import { addTrainingOptions, advantageConfig, poolTrainingOptions, TrainingFlags } from './training-options';

/** What the pre-registration fixes: these flags would change the experiment, so they are refused. */
const FIXED_BY_DESIGN = ['steps', 'contexts', 'group', 'sessionReward', 'visitor', 'catalog', 'personas', 'checkpointEvery'];

export function registerDucaRegimes(program: Command): void {
  const command = addTrainingOptions(
    program
      .command('duca-regimes')
      .description('the pre-registered experiment of docs/results/duca-regimes.md: HIAN vs GRPO (and peers) trained on the persuadable and the strict visitor, judged on held-out strict visitors; resumable'),
  )
    .option('--root <dir>', 'where run folders go (reused: finished runs are read back, an interrupted one resumes)', 'runs/duca-regimes')
    .option('--report <file>', 'the pre-registration; results are written below its marker line', 'docs/results/duca-regimes.md');
  command.action(async (f: TrainingFlags & { root: string; report: string }) => {
    const fixed = FIXED_BY_DESIGN.filter((key) => command.getOptionValueSource(key) === 'cli');
    if (fixed.length) throw new InvalidArgumentError(`the pre-registered design fixes ${fixed.map(flagName).join(', ')}; see docs/results/duca-regimes.md`);
    const catalog = shippedCatalog();
    const library = loadPersonaLibrary(catalog);
    const unseen = loadHeldOutPersonas(catalog);
    const sells = { catalog, personas: [...library, ...unseen] };
    const flags: TrainingFlags = { ...f, steps: regimesDesign.steps, contexts: regimesDesign.contexts, group: regimesDesign.group, checkpointEvery: regimesDesign.checkpointEvery };
    const started = Date.now();
    await runRegimesExperiment(
      {
        runs: regimesRuns(),
        loop: { advantage: advantageConfig(flags), steps: flags.steps, contexts: flags.contexts, group: flags.group, personas: library.map((p) => p.id), checkpointEvery: flags.checkpointEvery },
        evaluations: regimesEvaluations(
          library.map((p) => p.id),
          unseen.map((p) => p.id),
        ),
        root: f.root,
        reportPath: f.report,
        init: f.init,
        command: `npm run closer -- ${process.argv.slice(2).join(' ')}`,
        notes: [
          `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${f.workers} rollout workers, update on ${f.device}.`,
          `Each run: ${flags.steps} steps × ${flags.contexts} contexts × G = ${flags.group}, lr ${f.lr}, clip ${f.epsilon}/${f.epsilonHigh}, KL β ${f.beta}, HIAN α ${f.alpha} β ${f.hianBeta}.`,
        ],
      },
      { open: (run) => openPoolTraining(poolTrainingOptions({ ...flags, visitor: run.visitor ?? 'strict', sessionReward: run.sessionReward ?? 'value' }, run.rewardScale, sells)) },
      (line) => process.stderr.write(`[${new Date().toISOString()}] ${line}\n`),
      (run, p) => {
        if (p.step % 10 === 0 || p.step === p.steps) process.stderr.write(`[${new Date().toISOString()}] ${runName(run)} step ${p.step}/${p.steps} conv ${p.metrics.conversion_rate.toFixed(2)} viol ${p.metrics.violations_per_turn.toFixed(3)}\n`);
      },
    );
    process.stderr.write(`done in ${((Date.now() - started) / 60000).toFixed(1)} min; results: ${f.report}\n`);
  });
}
