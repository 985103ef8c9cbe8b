import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention (RETENTION_DAYS): the hourly sweep looks for the sessions whose last turn is older
 * than the limit, oldest first, whatever their status (the existing index on last activity covers
 * active sessions only).
 */
export class SessionRetention1764180000000 implements MigrationInterface {
  name = 'SessionRetention1764180000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX chat_sessions_last_activity ON chat_sessions (last_activity_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX chat_sessions_last_activity`);
  }
}
