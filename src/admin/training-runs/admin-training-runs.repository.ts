import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TrainingRun, TrainingRunQueue, TrainingRunStatus } from '../../jobs';
import { RunDirectory } from '../../rl/trainer/run-directory';
import { pageOf } from '../pagination';

/** The admin's read side of training runs (changes go through TrainingRunQueue). */
@Injectable()
export class AdminTrainingRunsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly queue: TrainingRunQueue,
  ) {}

  page(filter: { status?: TrainingRunStatus }, page: { limit: number; cursor?: string }) {
    const qb = this.db.getRepository(TrainingRun).createQueryBuilder('r');
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    return pageOf(qb, page);
  }

  /**
   * A run with one metrics line per training step, read from its run folder (`metrics.jsonl`): the
   * database keeps only the last step. Empty before training starts, and when the folder is not on
   * this machine (a worker elsewhere without a shared ARTIFACT_DIR).
   */
  async detail(id: string) {
    const run = await this.queue.get(id);
    const steps = run.runDir ? await new RunDirectory(run.runDir).readMetrics().catch(() => []) : [];
    return { ...run, steps };
  }
}
