import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { HandoffError } from './handoff-error';
import { HandoffRule } from './handoff-rules';

interface RuleRow {
  id: string;
  kind: HandoffRule['kind'];
  enabled: boolean;
  phrases: string[] | null;
  min_value: number | null;
}

const ruleOf = (r: RuleRow): HandoffRule =>
  r.kind === 'visitor_request' ? { id: r.id, kind: r.kind, enabled: r.enabled, phrases: r.phrases ?? [] } : { id: r.id, kind: r.kind, enabled: r.enabled, minValue: Number(r.min_value) };

const params = (rule: HandoffRule) => [rule.id, rule.kind, rule.enabled, rule.kind === 'visitor_request' ? rule.phrases : null, rule.kind === 'deal_value' ? rule.minValue : null];

/** The `handoff_rules` table: read again by a turn whose `handoff_rules_revision` moved, so an edit applies to the next message on every replica. */
@Injectable()
export class HandoffRulesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(manager: EntityManager = this.db.manager): Promise<HandoffRule[]> {
    const rows: RuleRow[] = await manager.query(`SELECT id, kind, enabled, phrases, min_value FROM handoff_rules ORDER BY id`);
    return rows.map(ruleOf);
  }

  async find(id: string, manager: EntityManager = this.db.manager): Promise<HandoffRule> {
    const rows: RuleRow[] = await manager.query(`SELECT id, kind, enabled, phrases, min_value FROM handoff_rules WHERE id = $1`, [id]);
    if (!rows[0]) throw new HandoffError('unknown_handoff_rule', `no handoff rule ${id}`);
    return ruleOf(rows[0]);
  }

  async create(rule: HandoffRule, manager: EntityManager = this.db.manager): Promise<void> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO handoff_rules (id, kind, enabled, phrases, min_value) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
      params(rule),
    );
    if (rows.length === 0) throw new HandoffError('handoff_rule_exists', `a handoff rule ${rule.id} exists; PUT it to replace it`);
  }

  /** Replaces a rule (its kind may change); returns the rule it replaced. */
  async replace(rule: HandoffRule, manager: EntityManager = this.db.manager): Promise<HandoffRule> {
    const previous = await this.find(rule.id, manager);
    await manager.query(`UPDATE handoff_rules SET kind = $2, enabled = $3, phrases = $4, min_value = $5, updated_at = now() WHERE id = $1`, params(rule));
    return previous;
  }

  async delete(id: string, manager: EntityManager = this.db.manager): Promise<HandoffRule> {
    // TypeORM answers a bare DELETE … RETURNING with [rows, count]; through a CTE it is rows.
    const rows: RuleRow[] = await manager.query(`WITH gone AS (DELETE FROM handoff_rules WHERE id = $1 RETURNING *) SELECT id, kind, enabled, phrases, min_value FROM gone`, [id]);
    if (!rows[0]) throw new HandoffError('unknown_handoff_rule', `no handoff rule ${id}`);
    return ruleOf(rows[0]);
  }
}
