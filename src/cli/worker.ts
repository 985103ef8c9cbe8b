import { Command } from 'commander';
import { loadConfig } from '../config';
import { newWorkerId, openNightly, TrainingWorker } from '../nightly';
import { positiveInt } from './options';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('the training worker: claims queued training runs (SKIP LOCKED), heartbeats, resumes runs whose worker died; stops on SIGTERM/SIGINT after the current run (a second signal exits at once)')
    .option('--poll <seconds>', 'how often an idle worker looks for queued runs', positiveInt, 15)
    .option('--once', 'run at most one queued run, then exit')
    .action(async (f: { poll: number; once?: boolean }) => {
      const config = loadConfig();
      const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const services = await openNightly(config, { log });
      const n = config.nightly;
      const worker = new TrainingWorker(services.queue, services.pipeline, services.registry, newWorkerId(), { heartbeatSeconds: n.heartbeatSeconds, staleSeconds: n.staleSeconds, pollSeconds: f.poll, log });
      let signals = 0;
      const onSignal = () => {
        // A second signal abandons the run: its heartbeat goes stale and another worker resumes it from its checkpoint.
        if (++signals > 1) process.exit(130);
        log(`worker ${worker.workerId}: stopping after the current run`);
        worker.stop();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      log(`worker ${worker.workerId}: waiting for training runs`);
      try {
        if (f.once) await worker.runOnce();
        else await worker.runForever();
      } finally {
        await services.close();
      }
    });
}
