import { MigrationInterface, QueryRunner } from 'typeorm';
import shippedRules from '../src/scoring/default-rules.json';

/**
 * Compliance rules as data (admin CRUD, docs/compliance.md), seeded with the shipped rules file.
 * `compliance_rules_revision` is one row bumped by a statement trigger on every change of the
 * rules, in the writer's own transaction, whoever writes (the API, a migration, psql): each
 * server compares it on every turn and rebuilds its scorers when it moved.
 */
export class ComplianceRules1764140000000 implements MigrationInterface {
  name = 'ComplianceRules1764140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE compliance_rules (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]+$'),
        kind text NOT NULL CHECK (kind IN ('phrase', 'credentials', 'price', 'discount', 'ai-denial', 'ai-question-evaded')),
        severity text NOT NULL CHECK (severity IN ('block', 'warn')),
        description text NOT NULL,
        -- Pattern rules only; the other kinds are checked by code.
        patterns text[] CHECK ((kind IN ('phrase', 'credentials')) = (coalesce(cardinality(patterns), 0) > 0)),
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE compliance_rules_revision (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        revision bigint NOT NULL
      )`);
    await q.query(`INSERT INTO compliance_rules_revision (revision) VALUES (0)`);
    // The table's own schema, so the trigger is right whatever the session's search_path.
    await q.query(`
      CREATE FUNCTION compliance_rules_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('UPDATE %I.compliance_rules_revision SET revision = revision + 1', TG_TABLE_SCHEMA);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER compliance_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON compliance_rules
      FOR EACH STATEMENT EXECUTE FUNCTION compliance_rules_bump_revision()`);
    await q.query(
      `INSERT INTO compliance_rules (id, kind, severity, description, patterns)
       SELECT r.id, r.kind, r.severity, r.description, (SELECT array_agg(p) FROM jsonb_array_elements_text(r.patterns) p)
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, kind text, severity text, description text, patterns jsonb)`,
      [JSON.stringify(shippedRules)],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE compliance_rules`);
    await q.query(`DROP FUNCTION compliance_rules_bump_revision()`);
    await q.query(`DROP TABLE compliance_rules_revision`);
  }
}
