import { MigrationInterface, QueryRunner } from 'typeorm';

/** The simulator's fidelity per served version, measured after each nightly run: live rates against simulated ones, with the gaps. */
export class FidelityReports1764210000000 implements MigrationInterface {
  name = 'FidelityReports1764210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fidelity_reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        version_id uuid NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
        run_id uuid,
        live_sessions integer NOT NULL,
        simulated_sessions integer NOT NULL,
        report jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX fidelity_reports_version ON fidelity_reports (version_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE fidelity_reports`);
  }
}
