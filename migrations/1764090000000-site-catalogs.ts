import { MigrationInterface, QueryRunner } from 'typeorm';

/** A site may sell its own catalog (`closer site:add --catalog FILE`); null: the server's CATALOG_PATH catalog. */
export class SiteCatalogs1764090000000 implements MigrationInterface {
  name = 'SiteCatalogs1764090000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sites ADD COLUMN catalog jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sites DROP COLUMN catalog`);
  }
}
