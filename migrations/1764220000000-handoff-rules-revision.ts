import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `handoff_rules_revision`: one row bumped by a statement trigger on every change of the handoff
 * rules, in the writer's transaction, as `compliance_rules_revision` is for the compliance rules.
 * A turn reads both revisions with its session's site (one statement) and re-reads a rule set
 * only when its revision moved, so an edit still applies to the next message on every replica.
 */
export class HandoffRulesRevision1764220000000 implements MigrationInterface {
  name = 'HandoffRulesRevision1764220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE handoff_rules_revision (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        revision bigint NOT NULL
      )`);
    await q.query(`INSERT INTO handoff_rules_revision (revision) VALUES (0)`);
    await q.query(`
      CREATE FUNCTION handoff_rules_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('UPDATE %I.handoff_rules_revision SET revision = revision + 1', TG_TABLE_SCHEMA);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER handoff_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON handoff_rules
      FOR EACH STATEMENT EXECUTE FUNCTION handoff_rules_bump_revision()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER handoff_rules_changed ON handoff_rules`);
    await q.query(`DROP FUNCTION handoff_rules_bump_revision()`);
    await q.query(`DROP TABLE handoff_rules_revision`);
  }
}
