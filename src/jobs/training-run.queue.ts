import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { activeRunStates, TrainingRun, TrainingRunStatus } from './entities/training-run.entity';
import { RunQueueError } from './run-queue-error';

export interface EnqueueRequest {
  runKey: string;
  trigger: string;
  estimator: string;
  config: Record<string, unknown>;
  maxAttempts: number;
}

export interface Lease {
  owned: boolean;
  cancelRequested: boolean;
}

const ACTIVE = `status IN ('preparing', 'training', 'evaluating')`;

/**
 * The `training_runs` table as a work queue: enqueue is idempotent per run key, a worker claims a
 * queued run with `FOR UPDATE SKIP LOCKED` (concurrent workers never take the same one) and holds
 * it by heartbeats; every later write names the worker, so a worker whose run was taken from it
 * (stale heartbeat) can no longer change it.
 */
@Injectable()
export class TrainingRunQueue {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts the run unless its key exists; `created` says which. */
  async enqueue(r: EnqueueRequest): Promise<{ run: TrainingRun; created: boolean }> {
    const inserted: { id: string }[] = await this.db.query(
      `INSERT INTO training_runs (run_key, trigger, estimator, config, max_attempts) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (run_key) DO NOTHING RETURNING id`,
      [r.runKey, r.trigger, r.estimator, JSON.stringify(r.config), r.maxAttempts],
    );
    const run = await this.db.getRepository(TrainingRun).findOneByOrFail({ runKey: r.runKey });
    return { run, created: inserted.length === 1 };
  }

  async get(id: string): Promise<TrainingRun> {
    const run = /^[0-9a-f-]{36}$/i.test(id) ? await this.db.getRepository(TrainingRun).findOneBy({ id }) : null;
    if (!run) throw new RunQueueError('unknown_run', `no training run ${id}`);
    return run;
  }

  list(limit = 20): Promise<TrainingRun[]> {
    return this.db.getRepository(TrainingRun).find({ order: { createdAt: 'DESC' }, take: limit });
  }

  /** Takes the oldest queued run (or the given one if it is queued) for this worker; undefined when none. */
  async claim(workerId: string, runId?: string): Promise<TrainingRun | undefined> {
    const id = await this.db.transaction(async (tx) => {
      const [row] = await tx.query(
        `SELECT id FROM training_runs WHERE status = 'queued' ${runId ? 'AND id = $1' : ''}
          ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        runId ? [runId] : [],
      );
      if (!row) return undefined;
      await tx.query(
        `UPDATE training_runs SET status = 'preparing', worker_id = $2, heartbeat_at = now(), attempts = attempts + 1,
                started_at = COALESCE(started_at, now()), error = NULL WHERE id = $1`,
        [row.id, workerId],
      );
      return row.id as string;
    });
    return id ? this.get(id) : undefined;
  }

  /** Renews the worker's hold on the run; says whether it still holds it and whether cancel was asked. */
  async heartbeat(id: string, workerId: string): Promise<Lease> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected count].
    const [rows]: [{ cancel_requested_at: Date | null }[]] = await this.db.query(
      `UPDATE training_runs SET heartbeat_at = now() WHERE id = $1 AND worker_id = $2 AND ${ACTIVE} RETURNING cancel_requested_at`,
      [id, workerId],
    );
    return { owned: rows.length === 1, cancelRequested: rows[0]?.cancel_requested_at != null };
  }

  /** Moves a held run to its next state with the given fields; RunQueueError('lost_lease') if the worker no longer holds it. */
  async advance(id: string, workerId: string, status: TrainingRunStatus, patch: Partial<Pick<TrainingRun, 'metrics' | 'data' | 'gate' | 'device' | 'runDir' | 'baseModelVersionId' | 'candidateModelVersionId' | 'error'>> = {}): Promise<void> {
    const final = !activeRunStates.includes(status);
    const result = await this.db
      .createQueryBuilder()
      .update(TrainingRun)
      .set({ ...patch, status, heartbeatAt: () => 'now()', ...(final ? { finishedAt: () => 'now()' } : {}) })
      .where(`id = :id AND worker_id = :workerId AND ${ACTIVE}`, { id, workerId })
      .execute();
    if (result.affected !== 1) throw new RunQueueError('lost_lease', `training run ${id} is no longer held by worker ${workerId}`);
  }

  /** Records progress (step, last metrics) on a held run; also a heartbeat. */
  async progress(id: string, workerId: string, metrics: Record<string, unknown>): Promise<void> {
    await this.db.query(`UPDATE training_runs SET metrics = $3, heartbeat_at = now() WHERE id = $1 AND worker_id = $2 AND ${ACTIVE}`, [id, workerId, JSON.stringify(metrics)]);
  }

  /** A run that failed on its worker: back to the queue while attempts remain (it resumes from its last checkpoint), else failed. */
  async fail(id: string, workerId: string, error: string): Promise<TrainingRunStatus | undefined> {
    const [rows]: [{ status: TrainingRunStatus }[]] = await this.db.query(
      `UPDATE training_runs SET
         status = CASE WHEN attempts < max_attempts AND cancel_requested_at IS NULL THEN 'queued' ELSE 'failed' END,
         finished_at = CASE WHEN attempts < max_attempts AND cancel_requested_at IS NULL THEN NULL ELSE now() END,
         worker_id = NULL, error = $3
       WHERE id = $1 AND worker_id = $2 AND ${ACTIVE} RETURNING status`,
      [id, workerId, error],
    );
    return rows[0]?.status;
  }

  /** A queued run is cancelled at once; a running one at its worker's next check. */
  async requestCancel(id: string): Promise<TrainingRun> {
    const run = await this.get(id);
    if (!['queued', ...activeRunStates].includes(run.status)) throw new RunQueueError('run_finished', `training run ${id} already ended (${run.status})`);
    await this.db.query(
      `UPDATE training_runs SET
         status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
         finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
         cancel_requested_at = now()
       WHERE id = $1 AND (status = 'queued' OR ${ACTIVE})`,
      [id],
    );
    return this.get(id);
  }

  /**
   * Runs whose worker stopped heartbeating: back to the queue (resumed from the run folder's last
   * checkpoint by the next worker) while attempts remain, else failed; cancelled if cancel was asked.
   * A run that ends here rejects its registered candidate (as discardCandidate does on a worker) in
   * the same statement, so no crash between the two can leave a `candidate` behind.
   */
  async reapStale(staleSeconds: number): Promise<{ id: string; status: TrainingRunStatus }[]> {
    return this.db.query(
      `WITH reaped AS (
         UPDATE training_runs SET
           status = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END,
           error = format('worker %s stopped heartbeating in state %s (last heartbeat %s)', worker_id, status, heartbeat_at),
           finished_at = CASE WHEN cancel_requested_at IS NULL AND attempts < max_attempts THEN NULL ELSE now() END,
           worker_id = NULL
         WHERE ${ACTIVE} AND heartbeat_at < now() - make_interval(secs => $1)
         RETURNING id, status, error, candidate_model_version_id
       ), discarded AS (
         UPDATE model_versions v SET status = 'rejected', metrics = v.metrics || jsonb_build_object('discarded', r.error)
           FROM reaped r WHERE v.id = r.candidate_model_version_id AND r.status <> 'queued' AND v.status = 'candidate'
       )
       SELECT id, status FROM reaped`,
      [staleSeconds],
    );
  }
}
