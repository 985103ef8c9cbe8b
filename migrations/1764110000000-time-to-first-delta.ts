import { MigrationInterface, QueryRunner } from 'typeorm';

/** Replies stream sentence by sentence: what the visitor waits for is the first sentence, stored per agent turn. */
export class TimeToFirstDelta1764110000000 implements MigrationInterface {
  name = 'TimeToFirstDelta1764110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE turns ADD COLUMN time_to_first_delta_ms integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE turns DROP COLUMN time_to_first_delta_ms`);
  }
}
