import { MigrationInterface, QueryRunner } from 'typeorm';

/** Rasa clients address a session by their own `session_id`, kept in the session's metadata. */
export class RasaSessionLookup1764080000000 implements MigrationInterface {
  name = 'RasaSessionLookup1764080000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX chat_sessions_rasa_session ON chat_sessions ((metadata->>'rasaSessionId')) WHERE channel = 'rasa'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX chat_sessions_rasa_session`);
  }
}
