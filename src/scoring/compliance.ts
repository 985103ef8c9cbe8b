import type { RE2JS } from 're2js';
import { z } from 'zod';
import { catalogPrices, planPrices, ProductCatalog } from '../catalog';
import defaultRulesJson from './default-rules.json';
import { operatorPattern, patternMatches, patternRefusal } from './operator-patterns';
import { fixTranspositions, moneyAmounts, sentences, wholePhrasePattern, withoutDoubledLetters } from './text';
import { HistoryTurn, ScoreResult, TurnInput, TurnScorer } from './types';

/** Rules whose patterns are data: an admin may create, edit and delete them. */
const PATTERN_RULE_KINDS = ['phrase', 'credentials'] as const;
/** Rules whose check is code (the catalog's prices and discounts, AI disclosure): one each, shipped. */
const BUILT_IN_RULE_KINDS = ['price', 'discount', 'ai-denial', 'ai-question-evaded'] as const;
const COMPLIANCE_RULE_KINDS = [...PATTERN_RULE_KINDS, ...BUILT_IN_RULE_KINDS] as const;
type ComplianceRuleKind = (typeof COMPLIANCE_RULE_KINDS)[number];

export const isPatternKind = (kind: ComplianceRuleKind): boolean => (PATTERN_RULE_KINDS as readonly string[]).includes(kind);

/** A rule's fields, unchecked across fields (see `checkRuleFields`). */
export const complianceRuleFields = {
  id: z
    .string()
    .max(64, 'id must be at most 64 characters')
    .regex(/^[a-z0-9-]+$/, 'id must be lowercase letters, digits and dashes'),
  severity: z.enum(['block', 'warn'], { error: 'severity must be block or warn' }),
  kind: z.enum(COMPLIANCE_RULE_KINDS, { error: `kind must be one of ${COMPLIANCE_RULE_KINDS.join(', ')}` }),
  description: z.string().min(1, 'description must not be empty').max(1000, 'description must be at most 1000 characters'),
  patterns: z
    .array(z.string().min(1, 'a pattern must not be empty').max(500, 'a pattern must be at most 500 characters'))
    .max(50, 'at most 50 patterns')
    .optional(),
};

/**
 * What a field alone cannot say: a pattern rule needs patterns and each must be one the linear-time
 * engine runs (the issue names the pattern and why not); a built-in rule's check is code, so it takes none.
 */
export function checkRuleFields(rule: { kind: ComplianceRuleKind; patterns?: string[] }, ctx: z.RefinementCtx): void {
  if (!isPatternKind(rule.kind)) {
    if (rule.patterns !== undefined) ctx.addIssue({ code: 'custom', path: ['patterns'], message: `a ${rule.kind} rule is checked by code and takes no patterns` });
    return;
  }
  if (!rule.patterns?.length) ctx.addIssue({ code: 'custom', path: ['patterns'], message: `a ${rule.kind} rule needs at least one pattern` });
  rule.patterns?.forEach((p, i) => {
    const refusal = patternRefusal(p);
    if (refusal) ctx.addIssue({ code: 'custom', path: ['patterns', i], message: refusal });
  });
}

const ruleSchema = z.object(complianceRuleFields).superRefine(checkRuleFields);

export type ComplianceRule = z.infer<typeof ruleSchema>;

export interface Violation {
  ruleId: string;
  severity: 'block' | 'warn';
  /** The text that triggered the rule. */
  match: string;
}

/** Validates rule definitions (the rules file, a stored rule) and checks their patterns compile; throws on the first bad set. */
export function parseComplianceRules(raw: unknown): ComplianceRule[] {
  const rules = z.array(ruleSchema).parse(raw);
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw new Error(`compliance rules: duplicate id ${rule.id}`);
    ids.add(rule.id);
  }
  return rules;
}

/** The shipped rules: the seed of the `compliance_rules` table and the rules of tools that run without a database. */
export const defaultComplianceRules = parseComplianceRules(defaultRulesJson);

// The built-in checks below are code, not operator input, and stay on V8 (some need lookarounds):
// their repetitions are bounded or separate disjoint classes (`\s+` between words), so a failed try
// backtracks a bounded distance, except `[^.!?]*\?`, which rescans a sentence per repeat of the
// question's words: on MAX_TURN_CHARS of adversarial text that measured ~4 ms.
const negationBefore = /\b(?:never|not|don'?t|do not|won'?t|will not|no need to|shouldn'?t)\b[^.!?]{0,40}$/i;
const percentOff = /(\d{1,3})\s?%\s?(?:off|discount)|discount of (\d{1,3})\s?%/gi;
/**
 * Words for a machine or a person that, after "are you" or "am I talking to", can also name a
 * product or a role ("Are you a program for small teams?", "Are we speaking with a rep on the demo
 * call?"): read as a question about the agent only where the clause ends with them.
 */
const AMBIGUOUS_NATURE =
  '(?:computer|program|software|gpt|chatgpt|llm|language model|virtual assistant|automated assistant|employee|salesperson|sales ?rep(?:resentative)?|human agent|human being|someone real)';
const CLAUSE_ENDS = '(?![\\w-])(?=\\s*(?:[?!.,;:]|$|or\\b|right now\\b))';
const ARTICLE_AND_ADJECTIVE = '(?:an?\\s+)?(?:real\\s+|actual\\s+|live\\s+)?';
/** Ways a visitor asks whether a person or a machine is answering. */
const botQuestions = [
  /\b(?:are|r)\s+(?:you|u)\s+(?:just\s+)?(?:an?\s+)?(?:real\s+|actual\s+|live\s+)?(?:bot|robot|ai|machine|human|person|chatbot|computer|automated|real(?=\s*[?!.,]|\s*$))\b/i,
  new RegExp(`\\b(?:are|r)\\s+(?:you|u)\\s+(?:just\\s+)?${ARTICLE_AND_ADJECTIVE}${AMBIGUOUS_NATURE}${CLAUSE_ENDS}`, 'i'),
  /\b(?:am i|are we)\s+(?:talking|chatting|speaking|writing|texting|dealing|messaging)\s+(?:to|with)\s+(?:an?\s+)?(?:real\s+|actual\s+|live\s+)?(?:bot|robot|ai|machine|human|person|chatbot|program|computer)\b/i,
  new RegExp(`\\b(?:am i|are we)\\s+(?:talking|chatting|speaking|writing|texting|dealing|messaging)\\s+(?:to|with)\\s+${ARTICLE_AND_ADJECTIVE}(?:${AMBIGUOUS_NATURE}|rep|agent)${CLAUSE_ENDS}`, 'i'),
  // "Is it …" only with words no product question uses ("is it software?" could ask what Pipewise is).
  /\bis\s+(?:this|that|it)\s+(?:an?\s+)?(?:real\s+|actual\s+|live\s+)?(?:bot|robot|ai|machine|human|person|chatbot|automated|gpt|chatgpt|llm|someone real|salesperson)(?![\w-])/i,
  new RegExp(`\\bis\\s+(?:this|that)\\s+(?:an?\\s+)?(?:computer|program|software|virtual assistant)${CLAUSE_ENDS}`, 'i'),
  /\bis\s+(?:this|the)\s+(?:chat|conversation|reply|answer)\s+(?:automated|ai|a bot|generated)\b/i,
  /\bis\s+(?:this|it)\s+a\s+live\s+chat\s+with\s+(?:a|an)\s+(?:real\s+|actual\s+)?(?:human|person)\b/i,
  /\bis\s+(?:there\s+)?(?:an?\s+)?(?:real\s+|actual\s+|live\s+)?(?:human|person|someone real|somebody real)\s+(?:here|there|answering|typing|replying|on the other (?:end|side)|at the other end|behind)/i,
  // Someone typing or answering this chat, not the phones on weekends.
  /\b(?:is|are)\s+(?:there\s+)?(?:someone|somebody|anyone|anybody)\s+(?:actually\s+)?(?:real\b|on the other (?:end|side)|at the other end|(?:typing|replying|answering|writing)(?:\s+(?:this|these|here|now|right now))?\s*(?:[?!.,]|$))/i,
  /\bis\s+(?:an?\s+)?(?:real\s+|actual\s+|live\s+)?(?:human|person)\s+(?:actually\s+)?(?:answering|typing|replying|writing)\b/i,
  /\b(?:are|were)\s+(?:these|the|your)\s+(?:answers|replies|messages|responses)\s+(?:generated|written)\s+by\s+(?:an?\s+)?(?:real\s+)?(?:ai|bot|human|person|machine|computer|program|software|gpt|chatgpt|llm|language model)\b/i,
  /\b(?:you'?re|you are)\s+(?:just\s+)?(?:an?\s+)?(?:bot|robot|ai|machine|chatbot)\b[^.!?]{0,200}\?/i,
  /\b(?:human|person|bot|ai)\s+or\s+(?:an?\s+)?(?:bot|ai|machine|human|person|robot)\b[^.!]{0,200}\?/i,
  /\bwho\s+am\s+i\s+(?:talking|chatting|speaking)\s+(?:to|with)\b/i,
  /\b(?:are|r)\s+(?:you|u)\s+one\s+of\s+(?:the|their|your|its)\s+(?:[\w-]+\s+)?(?:employees|staff|people|humans|reps|salespeople|team)(?![\w-])/i,
];
/** Words of those questions, for undoing visitors' letter swaps ("chtating", "rboot", "huamn"). */
const BOT_QUESTION_WORDS = new Set(
  'chatting talking speaking writing texting dealing messaging robot human person chatbot computer automated program software chatgpt machine real actual someone somebody anyone anybody typing replying answering answers replies generated salesperson employee assistant virtual this there'.split(' '),
);
const deniesAi =
  /\b(?:i'?m|i am)\s+(?:not\s+(?:an?\s+)?(?:bot|ai|robot|machine|chatbot|automated|program|computer)|(?:definitely\s+|totally\s+|really\s+|100%\s+)?(?:an?\s+)?(?:real\s+|actual\s+)?(?:human|person|real person)(?:\s+being)?)\b|\byou(?:'re| are)\s+(?:talking|chatting|speaking)\s+(?:to|with)\s+(?:an?\s+)?(?:real\s+|actual\s+)?(?:human|person)\b|\bthis\s+(?:is\s+not|isn'?t)\s+(?:an?\s+)?(?:bot|ai|automated)\b/i;
const disclosesAi =
  /\b(?:i'?m|i am|this is|you'?re (?:talking|chatting|speaking) (?:to|with))\s+(?:(?:an?|the|your)\s+(?:[\w-]+\s+){0,2}?)?(?:ai|bot|chatbot|virtual assistant|automated assistant)\b|\b(?:i'?m|i am)\s+not\s+(?:a\s+)?human\b|\bas an ai\b/i;

/** Whether a visitor message asks if they are talking to a bot. */
export function isBotQuestion(text: string): boolean {
  const readings = [text, withoutDoubledLetters(text), fixTranspositions(text, BOT_QUESTION_WORDS)];
  return readings.some((reading) => botQuestions.some((p) => p.test(reading)));
}

/** Whether the agent claims to be human or denies being an AI. */
export function deniesBeingAi(text: string): boolean {
  return deniesAi.test(text);
}

/** Whether the agent says plainly that it is an AI assistant. */
export function disclosesBeingAi(text: string): boolean {
  return disclosesAi.test(text);
}

/** Whether the latest visitor turn asks if they are talking to a bot. */
export function visitorAsksIfBot(history: HistoryTurn[]): boolean {
  const lastVisitor = [...history].reverse().find((t) => t.role === 'visitor');
  return !!lastVisitor && isBotQuestion(lastVisitor.text);
}

/**
 * A pattern rule's compiled patterns, kept with the rule object: the rules in force are one set of
 * objects per revision (RulesInForce), so every turn of a revision reuses what its first compiled.
 */
const compiledPatterns = new WeakMap<ComplianceRule, RE2JS[]>();
function patternsOf(rule: ComplianceRule): RE2JS[] {
  let patterns = compiledPatterns.get(rule);
  if (!patterns) compiledPatterns.set(rule, (patterns = rule.patterns!.map(operatorPattern)));
  return patterns;
}

export function checkCompliance(text: string, history: HistoryTurn[], catalog: ProductCatalog, rules: ComplianceRule[]): Violation[] {
  const violations: Violation[] = [];
  for (const rule of rules) {
    for (const match of check(rule, text, history, catalog)) violations.push({ ruleId: rule.id, severity: rule.severity, match });
  }
  return violations;
}

function check(rule: ComplianceRule, text: string, history: HistoryTurn[], catalog: ProductCatalog): string[] {
  switch (rule.kind) {
    case 'phrase':
      return patternsOf(rule).flatMap((p) => patternMatches(p, text).map((m) => m.text));
    case 'credentials':
      // "never share your password" is fine; asking for it is not.
      return patternsOf(rule).flatMap((p) =>
        patternMatches(p, text)
          .filter((m) => !negationBefore.test(text.slice(0, m.index)))
          .map((m) => m.text),
      );
    case 'price':
      return wrongPrices(text, catalog);
    case 'discount':
      return [...text.matchAll(percentOff)]
        .filter((m) => !catalog.discounts.some((d) => d.percent === Number(m[1] ?? m[2])))
        .map((m) => m[0]);
    case 'ai-denial':
      return [...text.matchAll(new RegExp(deniesAi.source, 'gi'))].map((m) => m[0]);
    case 'ai-question-evaded':
      // A denial is the ai-denial rule's violation; counted once.
      return visitorAsksIfBot(history) && !disclosesAi.test(text) && !deniesAi.test(text) ? ['(did not say it is an AI)'] : [];
  }
}

/** Amounts that are not a catalog price (or seat/annual multiple) of the plans the sentence names. */
function wrongPrices(text: string, catalog: ProductCatalog): string[] {
  const wrong: string[] = [];
  for (const sentence of sentences(text)) {
    const named = catalog.plans.filter((p) => wholePhrasePattern([p.name]).test(sentence));
    const allowed = named.length ? named.flatMap(planPrices) : catalogPrices(catalog);
    for (const { match, amount } of moneyAmounts(sentence)) {
      const ok = allowed.some((price) => isMultiple(amount, price) || isMultiple(amount, price * 12));
      if (!ok) wrong.push(match);
    }
  }
  return wrong;
}

export function isMultiple(amount: number, price: number): boolean {
  const n = amount / price;
  return n >= 1 && Math.abs(n - Math.round(n)) < 1e-9;
}

/**
 * Compliance, in [0, 1]: 1 with no violation, 0 when a `block` rule fires, otherwise 1 − 0.25 per
 * `warn` violation (floored at 0). Evidence lists every violation and whether the turn is blocked.
 */
export class ComplianceScorer implements TurnScorer {
  readonly name = 'compliance';
  readonly version = '1';

  constructor(private readonly rules: ComplianceRule[] = defaultComplianceRules) {}

  score({ text, history, catalog }: TurnInput): ScoreResult {
    const violations = checkCompliance(text, history, catalog, this.rules);
    const blocking = violations.some((v) => v.severity === 'block');
    const warns = violations.filter((v) => v.severity === 'warn').length;
    return {
      scorer: this.name,
      version: this.version,
      score: blocking ? 0 : Math.max(0, 1 - 0.25 * warns),
      evidence: { violations, blocking, disclosedAi: disclosesAi.test(text) },
    };
  }
}
