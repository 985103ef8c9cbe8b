import { Body, Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Put } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOperation } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AppConfig } from '../../config';
import { httpError, validated } from '../../http';
import { ComplianceRulesRepository, isBuiltIn, refusedCreate, StoredRule } from '../../rules';
import { checkRuleFields, complianceRuleFields } from '../../scoring';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiZodBody } from '../openapi';
import { isoDateParam } from '../query-fields';
import { dryRunRule } from './rule-dry-run';

const enabledField = z.boolean('enabled must be true or false').optional();
const ruleBody = z.object(complianceRuleFields).strict().superRefine(checkRuleFields);
const createBody = z.object({ ...complianceRuleFields, enabled: enabledField }).strict().superRefine(checkRuleFields);
/** The whole rule again; `id` may be left out (it is the path's), `enabled` too (left as it is). */
const replaceBody = z.object({ ...complianceRuleFields, id: complianceRuleFields.id.optional(), enabled: enabledField }).strict().superRefine(checkRuleFields);
const dryRunBody = z
  .object({
    rule: ruleBody,
    limit: z.number().int('limit must be a whole number').min(1, 'limit must be at least 1').max(5000, 'limit must be at most 5000').optional(),
    since: isoDateParam('since').optional(),
  })
  .strict();

const DEFAULT_DRY_RUN_LIMIT = 500;

const view = (rule: StoredRule) => ({ ...rule, builtIn: isBuiltIn(rule) });
/** A stored rule as the audit log keeps it: its definition and whether it was in force. */
const audited = ({ createdAt: _created, updatedAt: _updated, ...rule }: StoredRule) => rule;

/**
 * Compliance rules (the `compliance_rules` table; docs/compliance.md): viewers read, operators
 * create, replace, enable, disable, delete and dry-run. Every write is audited in its own
 * transaction, and every server enforces it from its next turn (RulesInForce).
 */
@AdminController('rules', 'Compliance rules')
export class RulesController {
  constructor(
    private readonly rules: ComplianceRulesRepository,
    private readonly audit: AuditLogRepository,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(ConfigService) private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @Get()
  @ApiOperation({ summary: 'every rule, enabled or not, oldest first, with the revision of the table (a plain list: rules are few)' })
  async list() {
    const [items, revision] = await Promise.all([this.rules.list(), this.rules.revision()]);
    return { revision, items: items.map(view) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'one rule; 404 unknown_rule' })
  async get(@Param('id') id: string) {
    return view(await this.rules.find(id));
  }

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'create a phrase or credentials rule (enabled unless `enabled: false`); 409 rule_exists if the id is taken' })
  @ApiZodBody(createBody)
  create(@Actor() actor: AdminActor, @Body() body: unknown) {
    const { enabled, ...rule } = validated(createBody, body ?? {});
    const refusal = refusedCreate(rule);
    if (refusal) throw httpError(HttpStatus.BAD_REQUEST, 'invalid_request', refusal);
    return this.db.transaction(async (tx) => {
      const created = await this.rules.create(rule, enabled ?? true, tx);
      await this.audit.record(actor, { action: 'rule.create', targetType: 'compliance_rule', targetId: rule.id, summary: { rule, enabled: created.enabled } }, tx);
      return view(created);
    });
  }

  @Put(':id')
  @Roles('operator')
  @ApiOperation({ summary: 'replace a rule; a built-in rule keeps its kind, and the AI-disclosure rules stay enabled and blocking (409 built_in_rule)' })
  @ApiZodBody(replaceBody)
  replace(@Actor() actor: AdminActor, @Param('id') id: string, @Body() body: unknown) {
    const { enabled, ...fields } = validated(replaceBody, body ?? {});
    if (fields.id !== undefined && fields.id !== id) throw httpError(HttpStatus.BAD_REQUEST, 'invalid_request', `id: must be the id in the path (${id})`);
    const rule = { ...fields, id };
    return this.db.transaction(async (tx) => {
      const { previous, rule: replaced } = await this.rules.replace(rule, enabled, tx);
      const summary = { rule, enabled: replaced.enabled, previous: audited(previous) };
      await this.audit.record(actor, { action: 'rule.replace', targetType: 'compliance_rule', targetId: id, summary }, tx);
      return view(replaced);
    });
  }

  @Post(':id/enable')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'put a rule in force' })
  enable(@Actor() actor: AdminActor, @Param('id') id: string) {
    return this.setEnabled(actor, id, true);
  }

  @Post(':id/disable')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'take a rule out of force (kept, to enable again); the AI-disclosure rules cannot be (409 built_in_rule)' })
  disable(@Actor() actor: AdminActor, @Param('id') id: string) {
    return this.setEnabled(actor, id, false);
  }

  @Delete(':id')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'delete a phrase or credentials rule; built-in rules cannot be (409 built_in_rule)' })
  delete(@Actor() actor: AdminActor, @Param('id') id: string) {
    return this.db.transaction(async (tx) => {
      const previous = await this.rules.delete(id, tx);
      await this.audit.record(actor, { action: 'rule.delete', targetType: 'compliance_rule', targetId: id, summary: { previous: audited(previous) } }, tx);
      return { id, deleted: true };
    });
  }

  @Post('dry-run')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'run a candidate rule on the latest stored agent replies of live sessions (`limit`, default 500, at most 5000; `since`): how many it flags, the rate, examples, and, when the id exists, what changes versus the rule in force. Stores nothing but the audit entry',
  })
  @ApiZodBody(dryRunBody)
  async dryRun(@Actor() actor: AdminActor, @Body() body: unknown) {
    const { rule, limit = DEFAULT_DRY_RUN_LIMIT, since } = validated(dryRunBody, body ?? {});
    // One snapshot for the stored rule and the turns; read only (the audit entry is written after).
    const report = await this.db.transaction('REPEATABLE READ', async (tx) =>
      dryRunRule(tx, this.config.get('catalog', { infer: true }), rule, await this.rules.get(rule.id, tx), { limit, since }),
    );
    await this.audit.record(actor, {
      action: 'rule.dry_run',
      targetType: 'compliance_rule',
      targetId: rule.id,
      summary: { rule, limit, since: since ?? null, turns: report.turns, flagged: report.flagged, existing: report.current !== null },
    });
    return { rule, ...report };
  }

  private setEnabled(actor: AdminActor, id: string, enabled: boolean) {
    return this.db.transaction(async (tx) => {
      const rule = await this.rules.setEnabled(id, enabled, tx);
      await this.audit.record(actor, { action: enabled ? 'rule.enable' : 'rule.disable', targetType: 'compliance_rule', targetId: id }, tx);
      return view(rule);
    });
  }
}
