import { Plan, ProductCatalog } from '../catalog';
import { Ask, HistoryTurn, Objection, planServes, statedNeeds, statedSeats } from '../scoring';
import { aiDisclosureFallback } from './safe-fallback';
import { asksAsGateReads } from './sentence-gate';

/**
 * What the catalog itself says to the asks the reading sees in the visitor's last message, in the
 * words the default model was trained to answer with: the stream's last resort when every attempt
 * of the model opened without answering (docs/compliance.md, "When the model never answers").
 * Without an ask it can answer, a question back that names the product, so the visitor is neither
 * told something unasked (a price to "what's 17 times 23", an AI disclosure to "are there
 * long-term obligations?") nor that the agent cannot help.
 */
export function catalogAnswer(history: HistoryTurn[], catalog: ProductCatalog): string {
  const last = history[history.length - 1];
  const asks = last?.role === 'visitor' ? asksAsGateReads(last.text, catalog) : [];
  if (asks.some((a) => a.kind === 'bot')) return aiDisclosureFallback(catalog);
  const seats = statedSeats(history.slice(-1));
  const needs = statedNeeds(history, catalog);
  const sentences = [...new Set(asks.map((ask) => answerTo(ask, catalog, last.text, seats, needs)))].filter((s) => s !== '');
  return sentences.length ? sentences.join(' ') : askBack(catalog);
}

/** The question back when the catalog has nothing to say to the message. */
export const askBack = (catalog: ProductCatalog) =>
  `Could you tell me a bit more about what you'd like to know about ${catalog.product}? I can help with plans, pricing, features and the free trial.`;

const usd = (amount: number) => `$${amount}`;

function answerTo(ask: Ask, catalog: ProductCatalog, message: string, seats: number | undefined, needs: string[]): string {
  switch (ask.kind) {
    case 'price':
      return ask.discount ? discountsAnswer(catalog) : priceAnswer(catalog, message, seats, needs);
    case 'feature':
      return featureAnswer(catalog, ask.feature);
    case 'objection':
      return objectionAnswer(catalog, ask.objection);
    case 'next-step':
      return `You can start a free ${catalog.trial.days}-day trial today${catalog.trial.creditCardRequired ? '' : ', no credit card needed'}.`;
    case 'person':
      return `Of course: someone from our team can follow up by email. I'm an AI assistant for ${catalog.product}, and I can answer questions about plans, pricing and features in the meantime.`;
    case 'bot':
      return aiDisclosureFallback(catalog);
    case 'refund':
      return `We offer ${catalog.policies.refunds}.`;
  }
}

function objectionAnswer(catalog: ProductCatalog, objection: Objection): string {
  switch (objection) {
    case 'price':
      return `${entryPlanAnswer(catalog)} ${discountsAnswer(catalog)}`;
    case 'security':
      return `We're ${catalog.policies.security}.`;
    case 'contract':
      return `No lock-in: ${catalog.policies.contract}.`;
    case 'trial':
      return trialAnswer(catalog);
    case 'integration':
      return Object.keys(catalog.features)
        .filter((key) => /integrat/i.test(catalog.features[key].name))
        .map((key) => featureAnswer(catalog, key))
        .join(' ');
    case 'switching':
      return `${trialAnswer(catalog)} Your team can try it on your own deals before you move your data over.`;
  }
}

function planLine(p: Plan): string {
  return `${p.name} is ${usd(p.monthlyPricePerSeat)} per seat a month, or ${usd(p.annualPricePerSeatPerMonth)} per seat a month with annual billing.`;
}

/**
 * The plans the message names (all when none), with the team's total when it states its seats: on
 * the plan named if it takes them, else the cheapest that takes them and serves the needs stated.
 */
function priceAnswer(catalog: ProductCatalog, message: string, seats: number | undefined, needs: string[]): string {
  const named = catalog.plans.filter((p) => new RegExp(`\\b${p.name}\\b`, 'i').test(message));
  if (seats !== undefined) {
    const plan = named.find((p) => planServes(p, [], seats)) ?? catalog.plans.find((p) => planServes(p, needs, seats)) ?? catalog.plans.find((p) => planServes(p, [], seats));
    if (plan) return `${seats} seats on ${plan.name}: ${seats} × ${usd(plan.monthlyPricePerSeat)} = ${usd(seats * plan.monthlyPricePerSeat)} a month, or ${seats} × ${usd(plan.annualPricePerSeatPerMonth)} = ${usd(seats * plan.annualPricePerSeatPerMonth)} a month with annual billing.`;
  }
  if (named.length) return named.map(planLine).join(' ');
  const list = catalog.plans.map((p) => `${p.name} ${usd(p.monthlyPricePerSeat)} (${usd(p.annualPricePerSeatPerMonth)} billed annually)`);
  return `There are ${catalog.plans.length} plans, per seat a month: ${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}.`;
}

function entryPlanAnswer(catalog: ProductCatalog): string {
  const p = catalog.plans[0];
  return `${p.name} is the entry plan: ${usd(p.monthlyPricePerSeat)} per seat a month, or ${usd(p.annualPricePerSeatPerMonth)} per seat a month with annual billing.`;
}

function discountsAnswer(catalog: ProductCatalog): string {
  if (!catalog.discounts.length) return 'There are no discounts at the moment.';
  const items = catalog.discounts.map((d) => `${d.percent}% off for ${d.description}`);
  return `We offer ${items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}` : items[0]}.`;
}

function featureAnswer(catalog: ProductCatalog, key: string): string {
  const first = catalog.plans.find((p) => p.features.includes(key));
  const name = catalog.features[key].name;
  if (!first) return `${name.charAt(0).toUpperCase()}${name.slice(1)} is not part of any plan.`;
  const from = first === catalog.plans[0] ? `every plan, starting with ${first.name} at ${usd(first.monthlyPricePerSeat)} per seat a month` : `the ${first.name} plan and up, at ${usd(first.monthlyPricePerSeat)} per seat a month`;
  return `${name.charAt(0).toUpperCase()}${name.slice(1)} comes with ${from}.`;
}

function trialAnswer(catalog: ProductCatalog): string {
  return `There's a ${catalog.trial.days}-day free trial, and ${catalog.trial.creditCardRequired ? 'a credit card is required to start' : 'no credit card is needed'}.`;
}
