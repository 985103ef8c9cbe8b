import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The nightly pipeline: training runs get the queue's states, a unique run key (one nightly run
 * per night across replicas), heartbeats, attempts, cancel requests, the device, the data that
 * went in and the gate report; model versions get lineage, pinning and rollback marks; a small
 * settings table holds admin overrides such as the training schedule.
 */
export class NightlyPipeline1764100000000 implements MigrationInterface {
  name = 'NightlyPipeline1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE training_runs DROP CONSTRAINT training_runs_status_check`);
    // Older rows: a run left 'running' had no worker that could finish it.
    await q.query(`UPDATE training_runs SET status = 'failed', error = COALESCE(error, 'interrupted before the run queue existed') WHERE status = 'running'`);
    await q.query(`
      UPDATE training_runs r SET status = CASE WHEN EXISTS (
        SELECT 1 FROM model_versions v WHERE v.id = r.candidate_model_version_id AND v.status IN ('champion', 'retired')) THEN 'promoted' ELSE 'rejected' END
       WHERE status = 'succeeded'`);
    await q.query(`
      ALTER TABLE training_runs
        ADD CONSTRAINT training_runs_status_check CHECK (status IN
          ('queued', 'preparing', 'training', 'evaluating', 'promoted', 'rejected', 'failed', 'cancelled')),
        ADD COLUMN run_key text,
        ADD COLUMN device text CHECK (device IN ('cpu', 'cuda')),
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN max_attempts integer NOT NULL DEFAULT 2 CHECK (max_attempts >= 1),
        ADD COLUMN worker_id text,
        ADD COLUMN heartbeat_at timestamptz,
        ADD COLUMN cancel_requested_at timestamptz,
        ADD COLUMN run_dir text,
        ADD COLUMN data jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN gate jsonb`);
    await q.query(`UPDATE training_runs SET run_key = 'legacy:' || id WHERE run_key IS NULL`);
    await q.query(`ALTER TABLE training_runs ALTER COLUMN run_key SET NOT NULL, ADD CONSTRAINT training_runs_run_key UNIQUE (run_key)`);
    // The worker's claim and the stale-heartbeat sweep read only unfinished runs.
    await q.query(`CREATE INDEX training_runs_active ON training_runs (created_at) WHERE status IN ('queued', 'preparing', 'training', 'evaluating')`);

    await q.query(`
      ALTER TABLE model_versions
        ADD COLUMN run_id uuid REFERENCES training_runs(id) ON DELETE SET NULL,
        ADD COLUMN estimator text,
        ADD COLUMN data_window_start timestamptz,
        ADD COLUMN data_window_end timestamptz,
        ADD COLUMN pinned boolean NOT NULL DEFAULT false,
        ADD COLUMN retired_at timestamptz,
        ADD COLUMN rolled_back_at timestamptz`);

    await q.query(`
      CREATE TABLE settings (
        key text PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE settings`);
    await q.query(`
      ALTER TABLE model_versions DROP COLUMN run_id, DROP COLUMN estimator, DROP COLUMN data_window_start,
        DROP COLUMN data_window_end, DROP COLUMN pinned, DROP COLUMN retired_at, DROP COLUMN rolled_back_at`);
    await q.query(`DROP INDEX training_runs_active`);
    await q.query(`
      ALTER TABLE training_runs DROP CONSTRAINT training_runs_status_check, DROP CONSTRAINT training_runs_run_key,
        DROP COLUMN run_key, DROP COLUMN device, DROP COLUMN attempts, DROP COLUMN max_attempts, DROP COLUMN worker_id,
        DROP COLUMN heartbeat_at, DROP COLUMN cancel_requested_at, DROP COLUMN run_dir, DROP COLUMN data, DROP COLUMN gate`);
    await q.query(`
      UPDATE training_runs SET status = CASE
        WHEN status IN ('promoted', 'rejected') THEN 'succeeded'
        WHEN status IN ('preparing', 'training', 'evaluating') THEN 'running'
        ELSE status END`);
    await q.query(`
      ALTER TABLE training_runs ADD CONSTRAINT training_runs_status_check
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'))`);
  }
}
