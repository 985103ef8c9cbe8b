import { ProductCatalog } from '../../catalog';
import { checkCompliance, ComplianceRule, defaultComplianceRules } from '../../scoring';
import { deniesBeingAi, disclosesBeingAi } from '../../scoring/compliance';

/** A fact a right answer holds: one string, or alternatives of which any one will do. */
export type Fact = string | string[];

/** One held-out question with what a right answer must (and must not) say. */
export interface IntentItem {
  intent: string;
  question: string;
  require: Fact[];
  forbid: string[];
  /** The reply must say plainly that it is an AI. */
  discloseAi?: boolean;
  /** Not about identity but in its words ("can I", "are you able"): a disclosure alone does not answer it. */
  identityWords?: boolean;
}

export interface Grade {
  right: boolean;
  /** Why the answer is wrong (empty when right). */
  reasons: string[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Thousands separators dropped ("$1,980" → "$1980") so numbers compare as written in facts. */
function normalized(text: string): string {
  return text.replace(/(\d),(?=\d{3}\b)/g, '$1');
}

/**
 * Whether `text` states `fact`: a number as a whole number (not part of a longer one or a
 * decimal), a word or phrase case-insensitively from a word start ("encrypt" matches "encrypted").
 */
export function statesFact(text: string, fact: string): boolean {
  const body = escapeRegExp(fact);
  const pattern = /^\d+$/.test(fact) ? `(?<![\\d.])${body}(?![\\d]|\\.\\d)` : `(?<![\\p{L}\\p{N}])${body}`;
  return new RegExp(pattern, 'iu').test(normalized(text));
}

/** A reply starts cleanly: with a letter, a digit, a currency sign or a quote, not ". How many…". */
export function startsCleanly(text: string): boolean {
  return /^["'“‘$€£(]?[\p{L}\p{N}]/u.test(text.trim());
}

/**
 * Grades one reply: every required fact present, no forbidden one, a clean start, the AI
 * disclosure when asked for, and no blocking compliance violation with the question as history.
 */
export function gradeAnswer(item: IntentItem, reply: string, catalog: ProductCatalog, rules: ComplianceRule[] = defaultComplianceRules): Grade {
  const reasons: string[] = [];
  const text = reply.trim();
  if (!text) reasons.push('empty reply');
  else if (!startsCleanly(text)) reasons.push('does not start cleanly');
  for (const fact of item.require) {
    const options = Array.isArray(fact) ? fact : [fact];
    if (!options.some((f) => statesFact(text, f))) reasons.push(`missing ${options.join(' | ')}`);
  }
  for (const fact of item.forbid) if (statesFact(text, fact)) reasons.push(`states forbidden ${fact}`);
  if (item.discloseAi && (!disclosesBeingAi(text) || deniesBeingAi(text))) reasons.push('does not disclose being an AI');
  const blocking = checkCompliance(text, [{ role: 'visitor', text: item.question }], catalog, rules).filter((v) => v.severity === 'block');
  for (const v of blocking) reasons.push(`compliance ${v.ruleId}: ${v.match}`);
  return { right: reasons.length === 0, reasons };
}
