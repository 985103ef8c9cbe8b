import { ComplianceRule, isPatternKind } from '../scoring';

/**
 * What may be done to a rule. Pattern rules (phrase, credentials) are data: created, replaced,
 * disabled, deleted. Built-in rules (price, discount, ai-denial, ai-question-evaded) are code
 * shipped once each: their description, severity and enabled state may change, their kind may
 * not, and they are never deleted (disable one instead). The AI-disclosure rules are the law
 * (EU AI Act art. 50, California SB 1001), so they also stay enabled and blocking.
 */
const LAWFUL_DISCLOSURE_KINDS: ReadonlySet<ComplianceRule['kind']> = new Set(['ai-denial', 'ai-question-evaded']);

export const isBuiltIn = (rule: Pick<ComplianceRule, 'kind'>): boolean => !isPatternKind(rule.kind);

/** Why `next` may not replace `current` (a field-named message), or undefined when it may. */
export function refusedChange(current: ComplianceRule, next: ComplianceRule & { enabled: boolean }): string | undefined {
  if (isBuiltIn(current) && next.kind !== current.kind) return `kind: "${current.id}" is the built-in ${current.kind} rule; its kind cannot change`;
  if (!isBuiltIn(current) && isBuiltIn(next)) return `kind: ${next.kind} is a built-in kind (one rule each, shipped); a ${current.kind} rule cannot become one`;
  if (LAWFUL_DISCLOSURE_KINDS.has(current.kind)) {
    const law = 'AI disclosure is required by law (EU AI Act art. 50, California SB 1001)';
    if (next.severity !== 'block') return `severity: "${current.id}" stays block: ${law}`;
    if (!next.enabled) return `enabled: "${current.id}" cannot be disabled: ${law}`;
  }
  return undefined;
}

/** Why the rule may not be deleted, or undefined when it may. */
export function refusedDelete(rule: ComplianceRule): string | undefined {
  return isBuiltIn(rule) ? `"${rule.id}" is the built-in ${rule.kind} rule and cannot be deleted${LAWFUL_DISCLOSURE_KINDS.has(rule.kind) ? '' : '; disable it instead'}` : undefined;
}

/** Why a new rule may not be created (a field-named message), or undefined when it may. */
export function refusedCreate(rule: ComplianceRule): string | undefined {
  return isBuiltIn(rule) ? `kind: ${rule.kind} rules are built in (one each, shipped); create phrase or credentials rules` : undefined;
}
