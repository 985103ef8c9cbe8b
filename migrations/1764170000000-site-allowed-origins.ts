import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The browser origins a site's widget may be embedded on (`closer site:add --origin`, `site:update`):
 * `session:start` from another origin is refused. Empty: any origin (sites registered before this).
 */
export class SiteAllowedOrigins1764170000000 implements MigrationInterface {
  name = 'SiteAllowedOrigins1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sites ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sites DROP COLUMN allowed_origins`);
  }
}
