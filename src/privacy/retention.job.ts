import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { AppConfig } from '../config';
import { RetentionRepository } from './retention.repository';

/** The interval's name in @nestjs/schedule's registry. */
export const RETENTION_INTERVAL = 'retention';
const SWEEP_EVERY_MS = 60 * 60 * 1000;
/** Sessions per transaction: each batch holds its sessions' row locks only briefly. */
const BATCH_SIZE = 500;

export interface RetentionSweep {
  sessions: number;
  batches: number;
  /** Another replica held the sweep; it deletes the rest. */
  yielded: boolean;
}

/**
 * Deletes sessions RETENTION_DAYS after their last turn (off when unset), hourly on every replica:
 * batch by batch, each under an advisory lock, so replicas never sweep at the same time and a
 * crash loses at most the batch in flight (rolled back, retried next hour).
 */
@Injectable()
export class RetentionJob {
  private readonly logger = new Logger(RetentionJob.name);
  private readonly days: number | undefined;
  private sweeping: Promise<RetentionSweep> | undefined;

  constructor(
    private readonly retention: RetentionRepository,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.days = config.get('privacy.retentionDays', { infer: true });
  }

  @Interval(RETENTION_INTERVAL, SWEEP_EVERY_MS)
  async scheduled(): Promise<void> {
    await this.sweep().catch((err: Error) => this.logger.error({ err }, 'retention sweep failed'));
  }

  /** Undefined when retention is off. A sweep still running (a long backlog) is joined rather than started twice. */
  sweep(batchSize = BATCH_SIZE): Promise<RetentionSweep | undefined> {
    if (this.days === undefined) return Promise.resolve(undefined);
    this.sweeping ??= this.run(this.days, batchSize).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async run(days: number, batchSize: number): Promise<RetentionSweep> {
    const sweep: RetentionSweep = { sessions: 0, batches: 0, yielded: false };
    for (;;) {
      const batch = await this.retention.expireBatch(days, batchSize);
      if (batch === 'locked') {
        sweep.yielded = true;
        break;
      }
      if (batch.sessions > 0) {
        sweep.sessions += batch.sessions;
        sweep.batches += 1;
      }
      if (batch.sessions < batchSize) break;
    }
    if (sweep.sessions > 0) this.logger.log(`retention: deleted ${sweep.sessions} sessions idle for more than ${days} days (${sweep.batches} batches)`);
    return sweep;
  }
}
