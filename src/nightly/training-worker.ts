import { hostname } from 'node:os';
import { TrainingRun } from '../jobs/entities/training-run.entity';
import { RunCancelledError, RunLease } from '../jobs/run-lease';
import { RunQueueError } from '../jobs/run-queue-error';
import { TrainingRunQueue } from '../jobs/training-run.queue';
import { ModelRegistry } from '../registry';
import { discardCandidate, NightlyPipeline, RunOutcome } from './nightly-pipeline';

export interface TrainingWorkerOptions {
  heartbeatSeconds: number;
  staleSeconds: number;
  /** How often an idle worker looks for queued runs. */
  pollSeconds: number;
  log?: (line: string) => void;
}

export const newWorkerId = () => `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

/** How one claimed run ended on this worker. */
export type WorkerResult = { run: TrainingRun; outcome?: RunOutcome };

/**
 * Takes queued runs one at a time and executes them, holding each with heartbeats. Before each
 * claim it takes back runs whose worker died (stale heartbeat): they go back to the queue and
 * resume from their last checkpoint, or fail once their attempts are used up.
 */
export class TrainingWorker {
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly queue: TrainingRunQueue,
    private readonly pipeline: NightlyPipeline,
    private readonly registry: ModelRegistry,
    readonly workerId: string,
    private readonly o: TrainingWorkerOptions,
  ) {}

  /** Reaps stale runs, then claims and executes one queued run (the given one, if named); undefined when none was queued. */
  async runOnce(runId?: string): Promise<WorkerResult | undefined> {
    for (const r of await this.queue.reapStale(this.o.staleSeconds)) this.o.log?.(`run ${r.id}: worker lost, now ${r.status}`);
    const run = await this.queue.claim(this.workerId, runId);
    if (!run) return undefined;
    this.o.log?.(`run ${run.id}: claimed by ${this.workerId} (attempt ${run.attempts}/${run.maxAttempts})`);
    const lease = new RunLease(this.queue, run.id, this.workerId, this.o.heartbeatSeconds * 1000, (err) => this.o.log?.(`heartbeat failed: ${err.message}`)).start();
    let outcome: RunOutcome | undefined;
    try {
      outcome = await this.pipeline.execute(run, lease);
    } catch (err) {
      await lease.stop();
      await this.settleFailure(run, err as Error);
    } finally {
      await lease.stop(); // idempotent; the catch stops it first so no heartbeat races the failure write
    }
    return { run: await this.queue.get(run.id), outcome };
  }

  /** Works until `stop()`: runs queued runs back to back, polls when idle. */
  async runForever(): Promise<void> {
    while (!this.stopping) {
      const done = await this.runOnce().catch((err: Error) => {
        this.o.log?.(`worker error: ${err.message}`);
        return undefined;
      });
      // A referenced timer: it is what keeps an idle worker process alive between polls.
      if (!done && !this.stopping) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.o.pollSeconds * 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Stops after the current run (a run in progress is not abandoned; kill the process to abandon it, it will be resumed). */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private async settleFailure(run: TrainingRun, err: Error): Promise<void> {
    if (err instanceof RunQueueError && err.code === 'lost_lease') {
      this.o.log?.(`run ${run.id}: taken back from this worker; leaving it to its new owner`);
      return;
    }
    if (err instanceof RunCancelledError) {
      await this.queue.advance(run.id, this.workerId, 'cancelled', { error: 'cancelled on request' }).catch(() => undefined);
      this.o.log?.(`run ${run.id}: cancelled`);
    } else {
      const status = await this.queue.fail(run.id, this.workerId, err.message);
      this.o.log?.(`run ${run.id}: ${err.message} → ${status ?? 'already taken back'}`);
    }
    const ended = await this.queue.get(run.id);
    if (ended.status === 'failed' || ended.status === 'cancelled') await discardCandidate(this.registry, ended, ended.error ?? ended.status);
  }
}
