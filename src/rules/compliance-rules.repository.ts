import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ComplianceRule, parseComplianceRules } from '../scoring';
import { refusedChange, refusedDelete } from './rule-policy';

/** A rule as stored: its definition, whether it is in force, and when it was written. */
export interface StoredRule extends ComplianceRule {
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The enabled rules at one revision of the table (read in one statement, so they agree). */
export interface RuleSet {
  revision: number;
  rules: ComplianceRule[];
}

/** A refused rule write (nothing was written): an unknown id, a taken id, or a change a built-in rule does not allow. */
export class ComplianceRuleError extends Error {
  constructor(
    readonly code: 'unknown_rule' | 'rule_exists' | 'built_in_rule',
    message: string,
  ) {
    super(message);
    this.name = 'ComplianceRuleError';
  }
}

interface RuleRow {
  id: string;
  kind: ComplianceRule['kind'];
  severity: ComplianceRule['severity'];
  description: string;
  patterns: string[] | null;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, kind, severity, description, patterns, enabled, created_at, updated_at`;

const definition = (r: Pick<RuleRow, 'id' | 'kind' | 'severity' | 'description' | 'patterns'>): ComplianceRule => ({
  id: r.id,
  severity: r.severity,
  kind: r.kind,
  description: r.description,
  ...(r.patterns ? { patterns: r.patterns } : {}),
});

const stored = (r: RuleRow): StoredRule => ({ ...definition(r), enabled: r.enabled, createdAt: r.created_at, updatedAt: r.updated_at });

/**
 * The `compliance_rules` table. Every change bumps `compliance_rules_revision` in the same
 * transaction (a trigger, see the migration), which is how servers notice it (RulesInForce).
 */
@Injectable()
export class ComplianceRulesRepository {
  private readonly logger = new Logger('ComplianceRules');

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(manager: EntityManager = this.db.manager): Promise<StoredRule[]> {
    const rows: RuleRow[] = await manager.query(`SELECT ${COLUMNS} FROM compliance_rules ORDER BY created_at, id`);
    return rows.map(stored);
  }

  /** The rule, or undefined. `lock`: held until the transaction ends. */
  async get(id: string, manager: EntityManager = this.db.manager, lock = false): Promise<StoredRule | undefined> {
    const [row]: RuleRow[] = await manager.query(`SELECT ${COLUMNS} FROM compliance_rules WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row && stored(row);
  }

  /** The rule; `ComplianceRuleError` unknown_rule if there is none. */
  async find(id: string, manager: EntityManager = this.db.manager, lock = false): Promise<StoredRule> {
    const rule = await this.get(id, manager, lock);
    if (!rule) throw new ComplianceRuleError('unknown_rule', `no compliance rule "${id}"`);
    return rule;
  }

  /** Stores a new rule (already validated); `ComplianceRuleError` rule_exists if the id is taken. */
  async create(rule: ComplianceRule, enabled: boolean, manager: EntityManager = this.db.manager): Promise<StoredRule> {
    const [row]: RuleRow[] = await manager.query(
      `INSERT INTO compliance_rules (id, kind, severity, description, patterns, enabled) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
      [rule.id, rule.kind, rule.severity, rule.description, rule.patterns ?? null, enabled],
    );
    if (!row) throw new ComplianceRuleError('rule_exists', `compliance rule "${rule.id}" already exists`);
    return stored(row);
  }

  /** Replaces a rule's definition (`enabled` undefined: unchanged); returns it before and after. Built-in rules keep what `refusedChange` says. */
  async replace(rule: ComplianceRule, enabled: boolean | undefined, manager: EntityManager): Promise<{ previous: StoredRule; rule: StoredRule }> {
    const previous = await this.find(rule.id, manager, true);
    const next = { ...rule, enabled: enabled ?? previous.enabled };
    const refusal = refusedChange(previous, next);
    if (refusal) throw new ComplianceRuleError('built_in_rule', refusal);
    // TypeORM answers an UPDATE … RETURNING with [rows, affected count].
    const [[row]]: [RuleRow[], number] = await manager.query(
      `UPDATE compliance_rules SET kind = $2, severity = $3, description = $4, patterns = $5, enabled = $6, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [rule.id, rule.kind, rule.severity, rule.description, rule.patterns ?? null, next.enabled],
    );
    return { previous, rule: stored(row) };
  }

  async setEnabled(id: string, enabled: boolean, manager: EntityManager): Promise<StoredRule> {
    const previous = await this.find(id, manager, true);
    const refusal = refusedChange(previous, { ...previous, enabled });
    if (refusal) throw new ComplianceRuleError('built_in_rule', refusal);
    const [[row]]: [RuleRow[], number] = await manager.query(`UPDATE compliance_rules SET enabled = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [id, enabled]);
    return stored(row);
  }

  /** Deletes a pattern rule; returns it as it was. */
  async delete(id: string, manager: EntityManager): Promise<StoredRule> {
    const previous = await this.find(id, manager, true);
    const refusal = refusedDelete(previous);
    if (refusal) throw new ComplianceRuleError('built_in_rule', refusal);
    await manager.query(`DELETE FROM compliance_rules WHERE id = $1`, [id]);
    return previous;
  }

  async revision(manager: EntityManager = this.db.manager): Promise<number> {
    const [row] = await manager.query(`SELECT revision FROM compliance_rules_revision`);
    return Number(row.revision);
  }

  /**
   * The enabled rules and the revision they are at. Rows are validated again (a hand edit may have
   * broken one): a bad row is left out and logged rather than failing every turn that checks the rules.
   */
  async inForce(manager: EntityManager = this.db.manager): Promise<RuleSet> {
    const rows: (RuleRow & { revision: string })[] = await manager.query(
      `SELECT v.revision, r.id, r.kind, r.severity, r.description, r.patterns
       FROM compliance_rules_revision v LEFT JOIN compliance_rules r ON r.enabled ORDER BY r.created_at, r.id`,
    );
    const rules: ComplianceRule[] = [];
    for (const row of rows.filter((r) => r.id !== null)) {
      try {
        rules.push(...parseComplianceRules([definition(row)]));
      } catch (err) {
        this.logger.error(`compliance rule "${row.id}" is not valid and is not in force: ${(err as Error).message}`);
      }
    }
    return { revision: Number(rows[0].revision), rules };
  }
}
