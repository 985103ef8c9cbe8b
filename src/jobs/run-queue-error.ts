/** A queue request that cannot be honoured; nothing was changed. */
export class RunQueueError extends Error {
  constructor(
    readonly code: 'unknown_run' | 'run_finished' | 'lost_lease',
    message: string,
  ) {
    super(message);
    this.name = 'RunQueueError';
  }
}
