import { Module } from '@nestjs/common';
import { ComplianceRulesRepository } from './compliance-rules.repository';
import { RulesInForce } from './rules-in-force';

/** Compliance rules as data: the `compliance_rules` table and the set each server enforces. */
@Module({
  providers: [ComplianceRulesRepository, RulesInForce],
  exports: [ComplianceRulesRepository, RulesInForce],
})
export class RulesModule {}
