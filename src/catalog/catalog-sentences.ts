import { Plan, ProductCatalog } from './catalog';

/**
 * Sentences stating the catalog's facts, written one way for everything that states them: the
 * default model's corpus answers with them, and the guardrail's catalog answer (src/chat) sends them
 * when the model's attempts did not answer, so a visitor reads the facts in the agent's own words.
 */

/** An amount as the answers write it: whole dollars, or dollars and cents. */
export const usd = (amount: number) => `$${Number.isInteger(amount) ? amount : amount.toFixed(2)}`;

/** The cheapest plan with the feature (plans are listed cheapest first); the last plan when none has it. */
export function firstPlanWith(catalog: ProductCatalog, feature: string): Plan {
  return catalog.plans.find((p) => p.features.includes(feature)) ?? catalog.plans[catalog.plans.length - 1];
}

/** Which plans a feature comes with, from the cheapest ("every plan, starting with Starter at $29 per seat a month"). */
export function featureFrom(catalog: ProductCatalog, feature: string): string {
  const first = firstPlanWith(catalog, feature);
  return first === catalog.plans[0]
    ? `every plan, starting with ${first.name} at ${usd(first.monthlyPricePerSeat)} per seat a month`
    : `the ${first.name} plan and up, at ${usd(first.monthlyPricePerSeat)} per seat a month`;
}

/** One plan's per-seat price, monthly and with annual billing. */
export function planPriceSentence(plan: Plan): string {
  return `${plan.name} is ${usd(plan.monthlyPricePerSeat)} per seat a month, or ${usd(plan.annualPricePerSeatPerMonth)} per seat a month with annual billing.`;
}

/** Every plan's per-seat price. */
export function planListSentence(catalog: ProductCatalog): string {
  if (catalog.plans.length === 1) return planPriceSentence(catalog.plans[0]);
  const list = catalog.plans.map((p) => `${p.name} ${usd(p.monthlyPricePerSeat)} (${usd(p.annualPricePerSeatPerMonth)} billed annually)`);
  return `There are ${catalog.plans.length} plans, per seat a month: ${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}.`;
}

export function entryPlanSentence(catalog: ProductCatalog): string {
  const p = catalog.plans[0];
  return `${p.name} is the entry plan: ${usd(p.monthlyPricePerSeat)} per seat a month, or ${usd(p.annualPricePerSeatPerMonth)} per seat a month with annual billing.`;
}

/** "17% off for annual billing … and 30% off for registered nonprofits". */
export function discountList(catalog: ProductCatalog): string {
  const items = catalog.discounts.map((d) => `${d.percent}% off for ${d.description}`);
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}` : (items[0] ?? 'no discounts');
}

export function discountsSentence(catalog: ProductCatalog): string {
  return catalog.discounts.length ? `We offer ${discountList(catalog)}. There are no other discounts.` : 'There are no discounts at the moment.';
}

/** The price objection's answer: the entry plan and every discount. */
export function priceObjectionSentence(catalog: ProductCatalog): string {
  const entry = catalog.plans[0];
  return `${entry.name} is ${usd(entry.monthlyPricePerSeat)} per seat a month, or ${usd(entry.annualPricePerSeatPerMonth)} with annual billing. We also offer ${discountList(catalog)}.`;
}

/** The trial's length and whether a card is needed, in two wordings. */
export function trialSentences(catalog: ProductCatalog): [string, string] {
  const card = catalog.trial.creditCardRequired ? 'a credit card is required to start' : 'no credit card is needed';
  return [`There's a ${catalog.trial.days}-day free trial, and ${card}.`, `Yes, you can try it free for ${catalog.trial.days} days, and ${card}.`];
}

/** The security, contract and refund policies, each in the wordings the answers use (the first is the plain one). */
export function policySentences(catalog: ProductCatalog): Record<'security' | 'contract' | 'refunds', string[]> {
  const { security, contract, refunds } = catalog.policies;
  return {
    security: [`We're ${security}.`, `On security: ${security}.`],
    contract: [`No lock-in: ${contract}.`, `There's no long contract: ${contract}.`],
    refunds: [`We offer ${refunds}.`, `Refunds: ${refunds}; ${contract}.`],
  };
}

/** The answer to someone asking for a person, in two wordings: the follow-up offered, and who answers meanwhile. */
export function handoffSentences(catalog: ProductCatalog): [string, string] {
  return [
    `Of course: someone from our team can follow up by email. I'm an AI assistant for ${catalog.product}, and I can answer questions about plans, pricing and features in the meantime.`,
    `Sure, a person from our team can follow up by email whenever you like. Meanwhile I'm an AI assistant for ${catalog.product} and happy to answer questions about plans and pricing.`,
  ];
}
