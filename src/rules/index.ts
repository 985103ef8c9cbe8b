export { ComplianceRuleError, ComplianceRulesRepository, RuleSet, StoredRule } from './compliance-rules.repository';
export { isBuiltIn, refusedChange, refusedCreate, refusedDelete } from './rule-policy';
export { RulesInForce } from './rules-in-force';
export { RulesModule } from './rules.module';
