import { MigrationInterface, QueryRunner } from 'typeorm';
import shippedRules from '../src/scoring/default-rules.json';

/**
 * The false-urgency rule ("offer ends today", "only 3 seats left") joined the shipped rules after
 * databases were seeded: add it where it is missing, leaving an operator's rule of the same id alone.
 * (A database created now already has it from the compliance-rules migration, which seeds the file.)
 */
export class FalseUrgencyRule1764190000000 implements MigrationInterface {
  name = 'FalseUrgencyRule1764190000000';

  async up(q: QueryRunner): Promise<void> {
    const rule = shippedRules.find((r) => r.id === 'no-false-urgency')!;
    await q.query(
      `INSERT INTO compliance_rules (id, kind, severity, description, patterns) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [rule.id, rule.kind, rule.severity, rule.description, rule.patterns],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM compliance_rules WHERE id = 'no-false-urgency'`);
  }
}
