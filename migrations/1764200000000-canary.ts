import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The canary stage: a candidate that passed the offline gate serves a share of new sessions beside
 * the champion until live outcomes decide (at most one canary at a time). Each canary is a row of
 * `canaries`, kept after it ends with its verdict, who decided and the figures it was decided on.
 */
export class Canary1764200000000 implements MigrationInterface {
  name = 'Canary1764200000000';

  async up(q: QueryRunner): Promise<void> {
    // A run whose candidate passed the gate and serves as the canary ends `canary`; the canary's verdict turns it into promoted or rejected.
    await q.query(`ALTER TABLE training_runs DROP CONSTRAINT training_runs_status_check`);
    await q.query(`ALTER TABLE training_runs ADD CONSTRAINT training_runs_status_check CHECK (status IN ('queued', 'preparing', 'training', 'evaluating', 'canary', 'promoted', 'rejected', 'failed', 'cancelled'))`);
    await q.query(`ALTER TABLE model_versions DROP CONSTRAINT model_versions_status_check`);
    await q.query(`ALTER TABLE model_versions ADD CONSTRAINT model_versions_status_check CHECK (status IN ('candidate', 'canary', 'champion', 'retired', 'rejected'))`);
    await q.query(`CREATE UNIQUE INDEX model_versions_one_canary ON model_versions (status) WHERE status = 'canary'`);
    await q.query(`
      CREATE TABLE canaries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        version_id uuid NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
        champion_id uuid NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
        run_id uuid,
        share double precision NOT NULL CHECK (share > 0 AND share < 1),
        started_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz,
        verdict text CHECK (verdict IN ('promote', 'rollback', 'inconclusive', 'aborted', 'superseded')),
        decided_by text,
        decision jsonb,
        CHECK ((ended_at IS NULL) = (verdict IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX canaries_one_running ON canaries ((true)) WHERE ended_at IS NULL`);
    await q.query(`CREATE INDEX canaries_started ON canaries (started_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE canaries`);
    await q.query(`UPDATE training_runs SET status = 'rejected' WHERE status = 'canary'`);
    await q.query(`ALTER TABLE training_runs DROP CONSTRAINT training_runs_status_check`);
    await q.query(`ALTER TABLE training_runs ADD CONSTRAINT training_runs_status_check CHECK (status IN ('queued', 'preparing', 'training', 'evaluating', 'promoted', 'rejected', 'failed', 'cancelled'))`);
    await q.query(`UPDATE model_versions SET status = 'candidate' WHERE status = 'canary'`);
    await q.query(`DROP INDEX model_versions_one_canary`);
    await q.query(`ALTER TABLE model_versions DROP CONSTRAINT model_versions_status_check`);
    await q.query(`ALTER TABLE model_versions ADD CONSTRAINT model_versions_status_check CHECK (status IN ('candidate', 'champion', 'retired', 'rejected'))`);
  }
}
