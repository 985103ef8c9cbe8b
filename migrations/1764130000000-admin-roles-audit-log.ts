import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admin API: API keys get the `operator` role (between viewer and admin: may trigger and cancel
 * training runs), and every admin write is recorded in `admin_audit_log`: who (key id and name,
 * kept even if the key is revoked), what, on which target, and a request summary without secrets.
 */
export class AdminRolesAuditLog1764130000000 implements MigrationInterface {
  name = 'AdminRolesAuditLog1764130000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check`);
    await q.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'operator', 'viewer'))`);
    await q.query(`
      CREATE TABLE admin_audit_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        actor_key_id uuid REFERENCES api_keys(id) ON DELETE SET NULL,
        actor_name text NOT NULL,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        summary jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The log is read newest first, page by page (keyset on created_at, id).
    await q.query(`CREATE INDEX admin_audit_log_newest ON admin_audit_log (created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE admin_audit_log`);
    // Operators lose their extra rights rather than their access.
    await q.query(`UPDATE api_keys SET role = 'viewer' WHERE role = 'operator'`);
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check`);
    await q.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'viewer'))`);
  }
}
