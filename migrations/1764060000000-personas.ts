import { MigrationInterface, QueryRunner } from 'typeorm';

/** Simulator personas: seeded from the library file, derived from live sessions, editable by admins. */
export class Personas1764060000000 implements MigrationInterface {
  name = 'Personas1764060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE personas (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL UNIQUE,
        source text NOT NULL CHECK (source IN ('library', 'derived', 'admin')),
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE personas`);
  }
}
