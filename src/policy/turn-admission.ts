import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config';
import { PolicyBusyError } from './reply-policy';

/**
 * Bounds the turns this server works on at once: POLICY_MAX_BATCH replies generating plus
 * POLICY_MAX_QUEUE waiting, whether for a batch row or for the database. Past it a message is
 * refused `busy` at once, before anything is stored. The generator's own queue bound alone came too
 * late: a burst past capacity had every message store itself and read its history first, all of
 * them queued on the same database connections, so every turn slowed down and the refusals
 * themselves took seconds (measured in docs/performance.md, "Load").
 */
@Injectable()
export class TurnAdmission {
  private inProgress = 0;
  private readonly rows: number;
  readonly limit: number;

  constructor(@Inject(ConfigService) config: ConfigService<AppConfig, true>) {
    const { maxBatch, maxQueue } = config.get('policy', { infer: true });
    this.rows = maxBatch;
    this.limit = maxBatch + maxQueue;
  }

  /** Turns admitted and not finished. */
  get turns(): number {
    return this.inProgress;
  }

  /** Admits a turn or throws PolicyBusyError; the returned function ends it (calling it again does nothing). */
  enter(): () => void {
    if (this.inProgress >= this.limit) throw new PolicyBusyError(this.inProgress - this.rows);
    this.inProgress++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inProgress--;
    };
  }
}
