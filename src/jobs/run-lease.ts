import { RunQueueError } from './run-queue-error';
import { Lease, TrainingRunQueue } from './training-run.queue';

/** Cancel was requested for the run; it stops at the next check. */
export class RunCancelledError extends Error {
  constructor(runId: string) {
    super(`training run ${runId} was cancelled`);
    this.name = 'RunCancelledError';
  }
}

/**
 * A worker's hold on a run: heartbeats on a timer (independent of step length) and a cheap
 * check the pipeline calls between steps and stages, which throws when cancel was requested or
 * the run was taken back from this worker.
 */
export class RunLease {
  private state: Lease = { owned: true, cancelRequested: false };
  /** Why the last heartbeat failed; undefined once one is answered. */
  private failure: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();

  constructor(
    private readonly queue: TrainingRunQueue,
    readonly runId: string,
    readonly workerId: string,
    private readonly heartbeatMs: number,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    return this;
  }

  /** One heartbeat now (also refreshes the cancel flag). */
  beat(): Promise<void> {
    this.beating = this.beating
      .then(async () => {
        this.state = await this.queue.heartbeat(this.runId, this.workerId);
        this.failure = undefined;
      })
      // Unable to renew its hold, the worker cannot tell whether the sweep gave the run to another: it stops at its next check.
      .catch((err: Error) => {
        this.state = { owned: false, cancelRequested: false };
        this.failure = err.message;
        this.onError(err);
      });
    return this.beating;
  }

  assertHeld(): void {
    if (!this.state.owned) {
      const why = this.failure ? `: its heartbeat failed (${this.failure})` : '';
      throw new RunQueueError('lost_lease', `training run ${this.runId} is no longer held by worker ${this.workerId}${why}`);
    }
    if (this.state.cancelRequested) throw new RunCancelledError(this.runId);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
  }
}
