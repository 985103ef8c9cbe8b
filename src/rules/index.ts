export { ComplianceRuleError, ComplianceRulesRepository, RuleSet, StoredRule } from './compliance-rules.repository';
export { isBuiltIn, refusedCreate } from './rule-policy';
export { RulesInForce } from './rules-in-force';
export { RulesModule } from './rules.module';
