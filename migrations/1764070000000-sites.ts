import { MigrationInterface, QueryRunner } from 'typeorm';

/** Customer sites (site key + webhook secret) and the receipts that stop webhook replays. */
export class Sites1764070000000 implements MigrationInterface {
  name = 'Sites1764070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sites (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_key text NOT NULL UNIQUE,
        name text NOT NULL,
        webhook_secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Every accepted webhook signature, so a captured request cannot be replayed.
    await q.query(`
      CREATE TABLE webhook_receipts (
        signature text PRIMARY KEY,
        site_key text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_receipts_received_at ON webhook_receipts (received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_receipts`);
    await q.query(`DROP TABLE sites`);
  }
}
