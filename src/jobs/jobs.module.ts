import { Module } from '@nestjs/common';
import { NightlyScheduler } from './nightly-scheduler';
import { SettingsRepository } from './settings.repository';
import { TrainingRunQueue } from './training-run.queue';
import { WorkerSpawner } from './worker-spawner';

/** The nightly schedule, the training run queue, and (TRAINING_WORKER=spawn) the worker process. */
@Module({
  providers: [TrainingRunQueue, SettingsRepository, NightlyScheduler, WorkerSpawner],
  exports: [TrainingRunQueue, SettingsRepository, NightlyScheduler],
})
export class JobsModule {}
