import { Plan, ProductCatalog } from '../catalog';
import {
  discountsSentence,
  featureFrom,
  handoffSentences,
  planListSentence,
  planPriceSentence,
  policySentences,
  priceObjectionSentence,
  trialSentences,
  usd,
} from '../catalog/catalog-sentences';
import { Ask, HistoryTurn, Objection, planServes, seatsPricedIn, statedNeeds } from '../scoring';
import { aiDisclosureFallback } from './safe-fallback';
import { asksAsGateReads } from './sentence-gate';

/**
 * What the catalog itself says to the asks the gate reads in the visitor's last message, in the
 * sentences the default model's corpus answers with (catalog-sentences.ts): the stream's last resort
 * when every attempt of the model opened without answering (docs/compliance.md, "When the model
 * never answers"). Without an ask it can answer, a question back that names the product, so the
 * visitor is neither told something unasked (a price to "what's 17 times 23", an AI disclosure to
 * "are there long-term obligations?") nor that the agent cannot help.
 */
export function catalogAnswer(history: HistoryTurn[], catalog: ProductCatalog): string {
  const last = history[history.length - 1];
  if (last?.role !== 'visitor') return askBack(catalog);
  const seats = seatsPricedIn(last.text, catalog);
  const needs = statedNeeds(history, catalog);
  const answers = asksAsGateReads(last.text, catalog).map((ask) => answerTo(ask, catalog, last.text, seats, needs));
  const sentences = [...new Set(answers)].filter((s) => s !== '');
  return sentences.length ? sentences.join(' ') : askBack(catalog);
}

/** The question back when the catalog has nothing to say to the message. */
export const askBack = (catalog: ProductCatalog) =>
  `Could you tell me a bit more about what you'd like to know about ${catalog.product}? I can help with plans, pricing${catalog.trial.days > 0 ? ', features and the free trial' : ' and features'}.`;

function answerTo(ask: Ask, catalog: ProductCatalog, message: string, seats: number | undefined, needs: string[]): string {
  switch (ask.kind) {
    case 'price':
      return ask.discount ? discountsSentence(catalog) : priceAnswer(catalog, message, seats, needs);
    case 'feature':
      return featureAnswer(catalog, ask.feature);
    case 'objection':
      return objectionAnswer(catalog, ask.objection);
    case 'next-step':
      return catalog.trial.days > 0
        ? `You can start a free ${catalog.trial.days}-day trial today${catalog.trial.creditCardRequired ? '' : ', no credit card needed'}.`
        : handoffSentences(catalog)[0];
    case 'person':
      return handoffSentences(catalog)[0];
    case 'bot':
      return aiDisclosureFallback(catalog);
    case 'refund':
      return policySentences(catalog).refunds[0];
  }
}

function objectionAnswer(catalog: ProductCatalog, objection: Objection): string {
  switch (objection) {
    case 'price':
      return priceObjectionSentence(catalog);
    case 'security':
      return policySentences(catalog).security[0];
    case 'contract':
      return policySentences(catalog).contract[0];
    case 'trial':
      return trialAnswer(catalog);
    case 'integration':
      return Object.keys(catalog.features)
        .filter((key) => /integrat/i.test(catalog.features[key].name))
        .map((key) => featureAnswer(catalog, key))
        .join(' ');
    case 'switching':
      return `${trialAnswer(catalog)} Your team can try it on your own deals before you move your data over.`.trim();
  }
}

function trialAnswer(catalog: ProductCatalog): string {
  return catalog.trial.days > 0 ? trialSentences(catalog)[0] : '';
}

function featureAnswer(catalog: ProductCatalog, key: string): string {
  const name = catalog.features[key].name;
  const capitalized = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  return catalog.plans.some((p) => p.features.includes(key)) ? `${capitalized} comes with ${featureFrom(catalog, key)}.` : `${capitalized} is not part of any plan.`;
}

/**
 * The plans the message names (all when none), or the total for the seats it asks the price for: on
 * the plan it names if that takes them and serves the needs stated in the session, else on the
 * cheapest plan that does, saying why.
 */
function priceAnswer(catalog: ProductCatalog, message: string, seats: number | undefined, needs: string[]): string {
  const named = catalog.plans.filter((p) => new RegExp(`\\b${p.name}\\b`, 'i').test(message));
  if (seats === undefined) return named.length ? named.map(planPriceSentence).join(' ') : planListSentence(catalog);
  const asked = named.length === 1 ? named[0] : undefined;
  const plan = asked && planServes(asked, needs, seats) ? asked : (catalog.plans.find((p) => planServes(p, needs, seats)) ?? catalog.plans.find((p) => planServes(p, [], seats)));
  if (plan && plan === asked) return `${seats} seats on ${asked.name}: ${totals(asked, seats)}`;
  if (!plan) {
    const largest = catalog.plans[catalog.plans.length - 1];
    return `${largest.name}, our largest plan, goes up to ${largest.maxSeats} seats; someone from our team can follow up by email about a team of ${seats}.`;
  }
  if (!asked) return `${seats} seats fit ${plan.name}: ${totals(plan, seats)}`;
  const missing = needs.find((n) => !asked.features.includes(n));
  const why = asked.maxSeats !== null && seats > asked.maxSeats ? `${asked.name} goes up to ${asked.maxSeats}` : `${asked.name} doesn't include ${catalog.features[missing!].name}`;
  return `${seats} seats need ${plan.name} (${why}): ${totals(plan, seats)}`;
}

function totals(plan: Plan, seats: number): string {
  const total = (price: number) => usd(Math.round(seats * price * 100) / 100);
  return `${seats} × ${usd(plan.monthlyPricePerSeat)} = ${total(plan.monthlyPricePerSeat)} a month, or ${seats} × ${usd(plan.annualPricePerSeatPerMonth)} = ${total(plan.annualPricePerSeatPerMonth)} a month with annual billing.`;
}
