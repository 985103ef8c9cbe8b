import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfig, NightlyConfig } from '../config';
import { cronExpression } from '../config/env.schema';
import { TRAINING_CRON_SETTING, SettingsRepository } from './settings.repository';
import { TrainingRunQueue } from './training-run.queue';
import { nightlyRunConfig } from '../nightly/run-config';

const JOB = 'nightly-training';
/** How often replicas re-read the admin schedule and sweep runs whose worker died. */
const HOUSEKEEPING_MS = 60_000;

/** One nightly run per UTC day: every replica fires, the unique run key lets exactly one insert win. */
export const nightlyRunKey = (at: Date) => `nightly:${at.toISOString().slice(0, 10)}`;

/**
 * Enqueues the nightly training run on the cron schedule (TRAINING_CRON, overridden by the admin
 * setting `training.cron`, re-read every minute); each run gets the admin gate thresholds and HIAN weights over the environment's.
 * Runs on every replica; enqueueing is idempotent.
 */
@Injectable()
export class NightlyScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NightlyScheduler.name);
  private readonly config: NightlyConfig;
  private expression: string | undefined;
  private housekeeping: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: TrainingRunQueue,
    private readonly settings: SettingsRepository,
    private readonly schedulerRegistry: SchedulerRegistry,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.config = config.get('nightly', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.housekeeping = setInterval(() => void this.refresh().catch((err: Error) => this.logger.warn(`schedule refresh: ${err.message}`)), HOUSEKEEPING_MS);
    this.housekeeping.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.housekeeping);
    if (this.schedulerRegistry.doesExist('cron', JOB)) this.schedulerRegistry.deleteCronJob(JOB);
  }

  /** The cron expression in force. */
  get schedule(): string | undefined {
    return this.expression;
  }

  /** Enqueues the run of `at`'s night (the admin gate and HIAN settings over the environment's); `created` is false when another replica (or an earlier fire) already did. */
  async fire(at: Date = new Date()) {
    const config = await this.settings.nightlyConfig(this.config);
    const result = await this.queue.enqueue({
      runKey: nightlyRunKey(at),
      trigger: 'nightly',
      estimator: config.estimator,
      config: nightlyRunConfig(config) as unknown as Record<string, unknown>,
      maxAttempts: this.config.maxAttempts,
    });
    if (result.created) this.logger.log(`enqueued training run ${result.run.id} (${result.run.runKey})`);
    return result;
  }

  /** Applies the admin schedule if it changed, and takes back runs whose worker stopped heartbeating. */
  async refresh(): Promise<void> {
    const stored = await this.settings.get<string>(TRAINING_CRON_SETTING);
    const valid = stored !== undefined && cronExpression.safeParse(stored).success;
    if (stored !== undefined && !valid) this.logger.warn(`ignoring setting ${TRAINING_CRON_SETTING}=${JSON.stringify(stored)}: not a cron expression`);
    const expression = valid ? stored : this.config.cron;
    if (expression !== this.expression) {
      if (this.schedulerRegistry.doesExist('cron', JOB)) this.schedulerRegistry.deleteCronJob(JOB);
      const job = CronJob.from({ cronTime: expression, onTick: () => void this.fire().catch((err: Error) => this.logger.error(`nightly enqueue failed: ${err.message}`)), timeZone: 'UTC' });
      this.schedulerRegistry.addCronJob(JOB, job);
      job.start();
      this.expression = expression;
      this.logger.log(`nightly training scheduled at "${expression}" (UTC)`);
    }
    for (const r of await this.queue.reapStale(this.config.staleSeconds)) this.logger.warn(`training run ${r.id}: worker stopped heartbeating, now ${r.status}`);
  }
}
