import { Body, Delete, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOperation } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { HandoffRule, handoffRuleSchema, HandoffRulesRepository } from '../../handoff';
import { httpError, validated } from '../../http';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiZodBody } from '../openapi';

/**
 * The rules that ask for a person automatically (`handoff_rules`): viewers read, operators create,
 * replace and delete. Every write is audited in the same transaction; the next visitor message on
 * every server follows the new rules.
 */
@AdminController('handoff-rules', 'handoffs')
export class HandoffRulesController {
  constructor(
    private readonly rules: HandoffRulesRepository,
    private readonly audit: AuditLogRepository,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  @Get()
  @ApiOperation({ summary: 'every handoff rule, by id (a plain list: a handful of rules)' })
  async list() {
    return { items: await this.rules.list() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'one handoff rule; 404 unknown_handoff_rule' })
  get(@Param('id') id: string) {
    return this.rules.find(id);
  }

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'create a rule: visitor_request (phrases) or deal_value (minValue, in the site catalog currency); 409 handoff_rule_exists' })
  @ApiZodBody(handoffRuleSchema)
  create(@Actor() actor: AdminActor, @Body() body: unknown) {
    const rule = validated(handoffRuleSchema, body ?? {});
    return this.db.transaction(async (tx) => {
      await this.rules.create(rule, tx);
      await this.audit.record(actor, { action: 'handoff_rule.create', targetType: 'handoff_rule', targetId: rule.id, summary: { ...rule } }, tx);
      return rule;
    });
  }

  @Put(':id')
  @Roles('operator')
  @ApiOperation({ summary: 'replace a rule (the body id must be the path id; the kind may change); 404 unknown_handoff_rule' })
  @ApiZodBody(handoffRuleSchema)
  replace(@Actor() actor: AdminActor, @Param('id') id: string, @Body() body: unknown) {
    const rule: HandoffRule = validated(handoffRuleSchema, body ?? {});
    if (rule.id !== id) throw httpError(HttpStatus.BAD_REQUEST, 'invalid_request', `id: must be the id in the path (${id})`);
    return this.db.transaction(async (tx) => {
      const previous = await this.rules.replace(rule, tx);
      await this.audit.record(actor, { action: 'handoff_rule.replace', targetType: 'handoff_rule', targetId: id, summary: { previous, rule } }, tx);
      return rule;
    });
  }

  @Delete(':id')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'delete a rule (handoffs it requested keep its id); 404 unknown_handoff_rule' })
  delete(@Actor() actor: AdminActor, @Param('id') id: string) {
    return this.db.transaction(async (tx) => {
      const rule = await this.rules.delete(id, tx);
      await this.audit.record(actor, { action: 'handoff_rule.delete', targetType: 'handoff_rule', targetId: id, summary: { ...rule } }, tx);
      return { id, deleted: true };
    });
  }
}
