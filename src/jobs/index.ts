export { activeRunStates, finalRunStates, TrainingRun, TrainingRunStatus, trainingRunStates } from './entities/training-run.entity';
export { JobsModule } from './jobs.module';
export { NightlyScheduler, nightlyRunKey } from './nightly-scheduler';
export { RunCancelledError, RunLease } from './run-lease';
export { RunQueueError } from './run-queue-error';
export { AdminSettingName, adminSettingNames, adminSettings, EffectiveSetting, SettingsRepository, TRAINING_CRON_SETTING } from './settings.repository';
export { EnqueueRequest, Lease, TrainingRunQueue } from './training-run.queue';
