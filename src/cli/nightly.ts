import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config';
import { loraConfig } from '../model';
import { cronExpression } from '../config/env.schema';
import { TRAINING_CRON_SETTING } from '../jobs';
import { gateSummary, manualRunRequest, newWorkerId, openNightly, RunOutcome, TrainingWorker } from '../nightly';
import { nonNegativeInt, positiveInt } from './options';

interface NightlyFlags {
  now?: boolean;
  status?: boolean;
  cancel?: string;
  schedule?: string;
  steps?: number;
  contexts?: number;
  group?: number;
  evalSessions?: number;
  maxAgentTurns?: number;
  loraRank?: number;
  loraTargets?: string;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

export function registerNightly(program: Command): void {
  program
    .command('nightly')
    .description('the nightly retraining pipeline: run it once now (train → evaluate → promote/reject), list runs, cancel one, set the schedule')
    .option('--now', 'run the whole pipeline once in the foreground; ends with one JSON line {run, state, gate}')
    .option('--steps <n>', 'training steps (default TRAINING_STEPS)', positiveInt)
    .option('--contexts <n>', 'contexts per step (default TRAINING_CONTEXTS)', positiveInt)
    .option('--group <n>', 'sessions per context, ≥ 2 (default TRAINING_GROUP)', positiveInt)
    .option('--eval-sessions <n>', 'held-out sessions per model in the gate (default TRAINING_EVAL_SESSIONS)', positiveInt)
    .option('--max-agent-turns <n>', 'longest simulated session in agent turns (default 12)', positiveInt)
    .option('--lora-rank <r>', 'train a LoRA adapter of this rank, stored as an adapter over the base version; 0 trains every weight (default TRAINING_LORA_RANK)', nonNegativeInt)
    .option('--lora-targets <list>', 'comma-separated Linear modules the adapter wraps (default TRAINING_LORA_TARGETS)')
    .option('--status', 'list recent training runs as JSON lines')
    .option('--cancel <run>', 'cancel a queued or running run (a running one stops at its next step)')
    .option('--schedule <cron>', 'set the admin schedule (overrides TRAINING_CRON on every server within a minute); "env" clears it')
    .action(async (f: NightlyFlags) => {
      const chosen = [f.now, f.status, f.cancel, f.schedule].filter((x) => x !== undefined).length;
      if (chosen !== 1) throw new InvalidArgumentError('choose exactly one of --now, --status, --cancel <run>, --schedule <cron>');
      if (f.group !== undefined && f.group < 2) throw new InvalidArgumentError('--group must be at least 2 (a group baseline needs two sessions)');
      if (f.schedule !== undefined && f.schedule !== 'env' && !cronExpression.safeParse(f.schedule).success) {
        throw new InvalidArgumentError(`--schedule: "${f.schedule}" is not a cron expression, e.g. "0 3 * * *"`);
      }
      const config = loadConfig();
      const lora = { rank: f.loraRank ?? config.nightly.lora.rank, targets: f.loraTargets?.split(',').map((t) => t.trim()) ?? config.nightly.lora.targets };
      if (lora.rank > 0) loraConfig(lora.rank, lora.targets); // a bad target is refused before anything is opened or queued
      const services = await openNightly(config, { log });
      try {
        if (f.status) {
          for (const r of await services.queue.list()) console.log(JSON.stringify({ run: r.id, key: r.runKey, state: r.status, attempts: r.attempts, device: r.device, step: r.metrics.step ?? null, created: r.createdAt, error: r.error }));
        } else if (f.cancel) {
          const run = await services.queue.requestCancel(f.cancel);
          console.log(JSON.stringify({ run: run.id, state: run.status, cancelRequested: true }));
        } else if (f.schedule) {
          if (f.schedule === 'env') await services.settings.clear(TRAINING_CRON_SETTING);
          else await services.settings.set(TRAINING_CRON_SETTING, f.schedule);
          console.log(JSON.stringify({ schedule: f.schedule === 'env' ? config.nightly.cron : f.schedule, source: f.schedule === 'env' ? 'TRAINING_CRON' : 'admin setting' }));
        } else {
          const n = await services.settings.nightlyConfig(config.nightly); // admin gate and HIAN settings over the environment, as for the API's runs
          const { runConfig, ...request } = manualRunRequest(n, 'cli', { steps: f.steps, contexts: f.contexts, group: f.group, evalSessions: f.evalSessions, maxAgentTurns: f.maxAgentTurns, lora });
          const { run } = await services.queue.enqueue(request);
          log(`run ${run.id}: queued (${runConfig.steps} steps × ${runConfig.contexts} contexts × ${runConfig.group}${lora.rank ? `, LoRA rank ${lora.rank}` : ''}, gate on ${runConfig.evalSessions} sessions)`);
          const worker = new TrainingWorker(services.queue, services.pipeline, services.registry, newWorkerId(), { heartbeatSeconds: n.heartbeatSeconds, staleSeconds: n.staleSeconds, pollSeconds: 1, log });
          // A failure with attempts left puts the run back in the queue: retry it here, resuming from its checkpoint.
          let final = await worker.runOnce(run.id);
          while (final?.run.status === 'queued') final = await worker.runOnce(run.id);
          const ended = final?.run ?? (await services.queue.get(run.id));
          const gate = ended.gate as RunOutcome['gate'] | null;
          console.log(JSON.stringify({
            run: ended.id,
            state: ended.status,
            device: ended.device,
            candidate: final?.outcome?.candidate ?? null,
            champion: (await services.registry.champion())?.name ?? null,
            canary: (await services.registry.canary())?.name ?? null,
            gate: gate ? { ...gateSummary(gate), checks: gate.checks, ...(gate.blocked ? { blocked: gate.blocked } : {}) } : null,
            ...(ended.error ? { error: ended.error } : {}),
          }));
          if (!['canary', 'promoted', 'rejected'].includes(ended.status)) process.exitCode = 1;
        }
      } finally {
        await services.close();
      }
    });
}
