import type { RE2JS } from 're2js';
import { z } from 'zod';
import { Plan, ProductCatalog } from '../catalog';
import { HistoryTurn, statedNeeds, statedSeats, wholePhraseMatcher, wholePhrasePattern } from '../scoring';
import { cheapestPlanServing } from '../simulator/deal';

/**
 * Rules that ask for a person automatically (the `handoff_rules` table, edited through the admin
 * API): `visitor_request` fires when the visitor's message contains one of its phrases (whole
 * words, any case); `deal_value` fires when the deal the visitor describes is worth at least
 * `minValue` in the site catalog's currency (see estimateDeal).
 */
export type HandoffRule =
  | { id: string; kind: 'visitor_request'; enabled: boolean; phrases: string[] }
  | { id: string; kind: 'deal_value'; enabled: boolean; minValue: number };

export type HandoffRuleKind = HandoffRule['kind'];

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'id must be 1-64 lower-case letters, digits or -, not starting with -');
const phrase = z
  .string()
  .trim()
  .min(2, 'a phrase must be at least 2 characters')
  .max(100, 'a phrase must be at most 100 characters')
  .regex(/^[^\p{Cc}]+$/u, 'a phrase must not contain control characters');

/** A rule as the admin API accepts it (unknown fields refused); `enabled` defaults to true. */
export const handoffRuleSchema = z.discriminatedUnion('kind', [
  z.object({ id: ruleId, kind: z.literal('visitor_request'), enabled: z.boolean().default(true), phrases: z.array(phrase).min(1, 'phrases must name at least one phrase').max(200, 'phrases must be at most 200') }).strict(),
  z.object({ id: ruleId, kind: z.literal('deal_value'), enabled: z.boolean().default(true), minValue: z.number().positive('minValue must be above 0').max(1e12, 'minValue must be at most 1e12') }).strict(),
]);

/** What the visitor is about to buy, read off their messages. */
export interface DealEstimate {
  seats: number;
  planId: string;
  /** A year on annual billing: seats × the plan's annual price per seat per month × 12. */
  value: number;
  currency: string;
}

/** The plan the visitor named last (a message naming two plans names neither). */
function namedPlan(visitor: HistoryTurn[], catalog: ProductCatalog): Plan | undefined {
  let named: Plan | undefined;
  for (const t of visitor) {
    const plans = catalog.plans.filter((p) => wholePhrasePattern([p.name]).test(t.text));
    if (plans.length === 1) named = plans[0];
  }
  return named;
}

/**
 * The deal the visitor describes: the seats they stated last, on the plan they named last, else on
 * the cheapest plan serving the features they asked about at that size; undefined without seats.
 */
export function estimateDeal(history: HistoryTurn[], catalog: ProductCatalog): DealEstimate | undefined {
  const visitor = history.filter((t) => t.role === 'visitor');
  const seats = statedSeats(visitor);
  if (!seats) return undefined;
  const plan = namedPlan(visitor, catalog) ?? cheapestPlanServing(catalog, statedNeeds(visitor, catalog), seats);
  return { seats, planId: plan.id, value: seats * plan.annualPricePerSeatPerMonth * 12, currency: catalog.currency };
}

/**
 * The visitor_request phrases in force, compiled for the linear-time engine. The rules are read on
 * every message; a phrase is compiled the first time it is in force and kept while it stays, so a
 * message compiles nothing unless the rules changed.
 */
export class PhraseMatchers {
  private compiled = new Map<string, RE2JS>();

  for(rules: HandoffRule[]): (phrase: string) => RE2JS {
    const phrases = new Set(rules.flatMap((r) => (r.enabled && r.kind === 'visitor_request' ? r.phrases : [])));
    if (phrases.size !== this.compiled.size || [...phrases].some((p) => !this.compiled.has(p))) {
      this.compiled = new Map([...phrases].map((p) => [p, this.compiled.get(p) ?? wholePhraseMatcher(p)]));
    }
    return (phrase) => this.compiled.get(phrase)!;
  }
}

/** A rule that fired on a visitor message: why a person is asked for, and what it saw (no visitor text). */
export interface HandoffRequest {
  ruleId: string;
  reason: HandoffRuleKind;
  details: Record<string, unknown>;
}

/**
 * The request the visitor's latest message (the last turn of `history`) makes, if any: the first
 * enabled `visitor_request` rule whose phrase it contains, else the first enabled `deal_value`
 * rule the conversation's deal reaches. A deal-value rule fires once per session (`firedBefore`:
 * the rules that already requested a handoff in it): the deal does not become new again.
 * `phrases`: the caller's compiled phrases, kept from one message to the next.
 */
export function requestedHandoff(
  rules: HandoffRule[],
  history: HistoryTurn[],
  catalog: ProductCatalog,
  firedBefore: ReadonlySet<string>,
  phrases: PhraseMatchers = new PhraseMatchers(),
): HandoffRequest | undefined {
  const message = history.at(-1);
  if (message?.role !== 'visitor') return undefined;
  const matcher = phrases.for(rules);
  for (const rule of rules) {
    if (!rule.enabled || rule.kind !== 'visitor_request') continue;
    const phrase = rule.phrases.find((p) => matcher(p).test(message.text));
    if (phrase) return { ruleId: rule.id, reason: rule.kind, details: { phrase } };
  }
  const deal = rules.some((r) => r.enabled && r.kind === 'deal_value' && !firedBefore.has(r.id)) ? estimateDeal(history, catalog) : undefined;
  for (const rule of rules) {
    if (!deal || !rule.enabled || rule.kind !== 'deal_value' || firedBefore.has(rule.id)) continue;
    if (deal.value >= rule.minValue) return { ruleId: rule.id, reason: rule.kind, details: { ...deal, minValue: rule.minValue } };
  }
  return undefined;
}
