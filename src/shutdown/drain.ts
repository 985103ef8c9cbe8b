import { Injectable } from '@nestjs/common';

/** A request refused because the server is shutting down: the client should come back shortly (to this server's successor, or another replica). */
export class ShuttingDownError extends Error {
  readonly code = 'shutting_down';
  constructor(message = 'the server is shutting down; reconnect and retry shortly') {
    super(message);
    this.name = 'ShuttingDownError';
  }
}

/**
 * The graceful-shutdown switch. Once `begin()` is called (SIGTERM, see main.ts) readiness fails,
 * new chat connections and messages are refused with `shutting_down`, and `settled()` waits for the
 * work already admitted (replies being written) to finish, up to a deadline.
 */
@Injectable()
export class ShutdownDrain {
  private readonly inFlight = new Set<Promise<unknown>>();
  private drainingSince: number | undefined;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  begin(): void {
    this.drainingSince ??= Date.now();
  }

  /** Throws ShuttingDownError once draining: called before any new work is accepted. */
  admit(): void {
    if (this.draining) throw new ShuttingDownError();
  }

  /** Counts the work until it settles (either way); returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.then(
      () => this.inFlight.delete(work),
      () => this.inFlight.delete(work),
    );
    return work;
  }

  /** Waits until no tracked work is left, or `timeoutMs` passed; resolves with how many are still running. */
  async settled(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    let timedOut = false;
    void deadline.then(() => (timedOut = true));
    while (this.inFlight.size > 0 && !timedOut) await Promise.race([Promise.allSettled([...this.inFlight]), deadline]);
    clearTimeout(timer);
    return this.inFlight.size;
  }
}
