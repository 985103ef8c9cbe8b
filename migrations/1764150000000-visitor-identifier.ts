import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The visitor identifier a site may pass with a session, kept only as a keyed hash (HMAC-SHA-256
 * with VISITOR_ID_SECRET, over the site key and the identifier), so a visitor's sessions can be
 * found for erasure without the identifier being stored.
 */
export class VisitorIdentifier1764150000000 implements MigrationInterface {
  name = 'VisitorIdentifier1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_sessions ADD COLUMN visitor_hash text`);
    await q.query(`CREATE INDEX chat_sessions_visitor_hash ON chat_sessions (visitor_hash) WHERE visitor_hash IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX chat_sessions_visitor_hash`);
    await q.query(`ALTER TABLE chat_sessions DROP COLUMN visitor_hash`);
  }
}
