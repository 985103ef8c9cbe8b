import { Plan, ProductCatalog } from '../../catalog';
import {
  discountList,
  discountsSentence,
  entryPlanSentence,
  featureFrom,
  handoffSentences,
  planListSentence,
  planPriceSentence,
  policySentences,
  priceObjectionSentence,
  trialSentences,
  usd,
} from '../../catalog/catalog-sentences';
import { Rng } from '../../engine';
import { expand } from './visitor-voice';

/**
 * What visitors ask a sales assistant, one intent per kind of question. The corpus teaches an
 * answer for each, written from the catalog; `intent-test-set.json` measures them on held-out
 * phrasings.
 */
export const INTENTS = [
  'plan-price',
  'seat-math',
  'feature-plan',
  'discounts',
  'trial',
  'security',
  'contract',
  'refunds',
  'ai-disclosure',
  'small-talk',
  'off-topic',
  'objections',
  'handoff',
] as const;

export type Intent = (typeof INTENTS)[number];

/** Share of intent exchanges per intent (seat arithmetic needs the most examples). */
const INTENT_WEIGHTS: Record<Intent, number> = {
  'plan-price': 14,
  'seat-math': 36,
  'feature-plan': 12,
  discounts: 8,
  trial: 6,
  security: 5,
  contract: 5,
  refunds: 5,
  'ai-disclosure': 10,
  'small-talk': 4,
  'off-topic': 4,
  objections: 8,
  handoff: 4,
};

export interface IntentExchange {
  intent: Intent;
  question: string;
  answer: string;
}

type Pick = <T>(options: readonly T[]) => T;

/**
 * Question templates are expanded by `expand` (visitor-voice.ts): `[a|b]` is one of them, `[a|]`
 * is optional. `ASK` is a lead-in shared by every intent; it carries the words of the identity
 * question ("can I", "are you able to", "is there someone who") on questions that are not about
 * identity, so those words alone do not make the model disclose instead of answer.
 */
const ASK = "[can you tell me|could you tell me|are you able to say|can I ask|I'd like to know|I want to know|do you know|is there someone who knows|would you mind telling me|I'm trying to find out|any idea]";

/** Seat counts a visitor names: mostly small teams, some large ones. */
function seatCount(rng: Rng): number {
  const r = rng.next();
  if (r < 0.7) return 1 + rng.int(50);
  if (r < 0.9) return 51 + rng.int(50);
  return [120, 150, 200, 250, 300][rng.int(5)];
}

/** The cheapest plan that takes `seats` (plans are listed cheapest first). */
function planFor(catalog: ProductCatalog, seats: number): Plan {
  return catalog.plans.find((p) => p.maxSeats === null || p.maxSeats >= seats) ?? catalog.plans[catalog.plans.length - 1];
}

/** How a visitor writes a feature: its name or one of its keywords, with product-name casing. */
function featureWords(catalog: ProductCatalog, key: string, pick: Pick): string {
  const f = catalog.features[key];
  const cased: Record<string, string> = { sso: 'SSO', saml: 'SAML', api: 'API', slack: 'Slack', hubspot: 'HubSpot', zapier: 'Zapier', gmail: 'Gmail', outlook: 'Outlook', okta: 'Okta', ios: 'iOS', android: 'Android' };
  return pick([f.name, f.name, ...f.keywords.map((k) => cased[k] ?? k)]);
}

const ANNUAL = ['billed annually', 'with annual billing', 'on a yearly plan', 'with yearly payment', 'on annual billing', 'if we pay for the year'];
const MONTHLY = ['billed monthly', 'with monthly billing', 'on monthly billing', 'on a monthly plan', 'without a yearly commitment'];

function planPrice(catalog: ProductCatalog, pick: Pick): IntentExchange {
  const intent = 'plan-price';
  const r = pick([0, 1, 2, 3, 4, 5, 6, 7]);
  if (r === 0) {
    return {
      intent,
      question: pick([
        `How much does ${catalog.product} cost?`,
        'What are your prices?',
        'What do your plans cost?',
        'Can you walk me through pricing?',
        'pricing?',
        'What are the plans and prices?',
        '[what|how much] [do|does] [your|the] [plans|tiers|packages|options] cost[ per seat| per user|]?',
        '[can you|could you|would you] [share|list|give me|send over] [your|the] [pricing|prices|price list|plan prices]?',
        `[how is|how's] ${catalog.product} priced?`,
        '[what kind of|what sort of] [money|budget|spend] are we talking [about|]?',
        `${ASK} the price of ${catalog.product}?`,
      ]),
      answer: planListSentence(catalog),
    };
  }
  if (r === 1) {
    return {
      intent,
      question: pick([
        'Which plan is cheapest?',
        "What's your least expensive plan?",
        "What's the lowest price you have?",
        'cheapest option?',
        'What is the entry-level plan?',
        "[what's|which is|what is] the [cheapest|lowest priced|most basic|smallest|least expensive] [plan|tier|option|package][ you offer|]?",
        '[is there|do you have] [a|an] [basic|entry|budget|low-cost] [plan|option|tier][ for small teams|]?',
        "[what's|what is] the [minimum|least] [we'd|I'd|we would] [pay|spend][ per seat| per month|]?",
      ]),
      answer: entryPlanSentence(catalog),
    };
  }
  const p = pick(catalog.plans);
  const m = usd(p.monthlyPricePerSeat);
  const a = usd(p.annualPricePerSeatPerMonth);
  if (r <= 4) {
    return {
      intent,
      question: pick([
        `How much is ${p.name}?`,
        `How much does ${p.name} cost?`,
        `What's the price of ${p.name}?`,
        `What is ${p.name} per seat?`,
        `${p.name} price?`,
        `How much is the ${p.name} plan?`,
        `What do you charge for ${p.name}?`,
        `Cost of the ${p.name} plan?`,
        `How expensive is ${p.name}?`,
        `How much per user is ${p.name}?`,
        `What's the ${p.name} tier price?`,
        `And ${p.name}, how much is that?`,
        `What's ${p.name} going to cost me?`,
        `${p.name}: price per seat?`,
        `I'd like to know the ${p.name} price.`,
        `Is ${p.name} expensive?`,
        `What's the per-seat price on ${p.name}?`,
        `How much do you charge per user for ${p.name}?`,
        `Pricing for ${p.name}?`,
        `what's the cost of ${p.name}`,
        `${ASK} the price of ${p.name}[ per seat| per user| a month|]?`,
        `[what's|what is|whats] the [price|cost|rate] [of|for|on] [the |]${p.name}[ plan| tier| package|]?`,
        `[how much|what] [do|would] [we|I] pay for ${p.name}[ per month| each month| monthly| per person|]?`,
        `[roughly|ballpark,|] what [does|would] ${p.name} set [us|me] back?`,
        `${p.name}[ plan|] [-|:] [how much|what's the price|cost]?`,
        `[I'm|we're] [looking at|interested in|leaning towards] ${p.name}. [how much is it|what does it cost|what's the price]?`,
      ]),
      answer: pick([
        planPriceSentence(p),
        `${p.name} costs ${m} per seat per month on monthly billing, and ${a} per seat per month billed annually.`,
        `The ${p.name} plan is ${m} per seat a month (${a} with annual billing).`,
      ]),
    };
  }
  if (r === 5) {
    return {
      intent,
      question: pick([`How much is ${p.name} on monthly billing?`, `${p.name} price if we pay monthly?`, `What's ${p.name} month to month?`, `Monthly price for ${p.name}?`, `${p.name} on a monthly plan, how much per seat?`]),
      answer: `${p.name} is ${m} per seat a month on monthly billing (${a} with annual billing).`,
    };
  }
  return {
    intent,
    question: pick([`How much is ${p.name} with annual billing?`, `${p.name} price if we pay yearly?`, `What's ${p.name} per seat billed annually?`, `If we pay for the year, what's ${p.name}?`, `${p.name} annual price?`, `What does ${p.name} come to per seat on a yearly plan?`]),
    answer: `With annual billing ${p.name} is ${a} per seat a month (${m} on monthly billing).`,
  };
}

function seatMath(catalog: ProductCatalog, pick: Pick, rng: Rng): IntentExchange {
  const intent = 'seat-math';
  const n = seatCount(rng);
  const unit = pick(['seats', 'users', 'people', 'licenses']);
  const r = rng.next();
  const limited = catalog.plans.filter((p) => p.maxSeats !== null);
  if (r < 0.1 && limited.length) {
    const p = pick(limited);
    const max = p.maxSeats!;
    const question = pick([
      `How many seats does ${p.name} allow?`,
      `Is there a user limit on ${p.name}?`,
      `What's the seat limit for ${p.name}?`,
      `Can ${p.name} take ${n} ${unit}?`,
      `Does ${p.name} work for ${n} people?`,
      `Up to how many users on ${p.name}?`,
      `[how many|what's the largest number of|what's the most] [seats|users|people] [can|does] ${p.name} [have|take|allow|support|hold]?`,
      `[is there a|what's the] [cap|limit|maximum] on [seats|users] [for|on|with] ${p.name}?`,
      `[can|could] [we|I] [put|fit|have] ${n} [people|users|reps] on ${p.name}?`,
    ]);
    const named = /\d/.test(question);
    const next = planFor(catalog, named ? Math.max(n, max + 1) : max + 1);
    const answer = !named
      ? `${p.name} goes up to ${max} seats. For more, ${next.name} is ${usd(next.monthlyPricePerSeat)} per seat a month, or ${usd(next.annualPricePerSeatPerMonth)} with annual billing.`
      : n > max
        ? `No, ${p.name} goes up to ${max} seats. For ${n} you'd need ${next.name}: ${n} × ${usd(next.monthlyPricePerSeat)} = ${usd(n * next.monthlyPricePerSeat)} a month, or ${usd(n * next.annualPricePerSeatPerMonth)} a month with annual billing.`
        : `Yes, ${p.name} goes up to ${max} seats, so ${n} fit: ${n} × ${usd(p.monthlyPricePerSeat)} = ${usd(n * p.monthlyPricePerSeat)} a month, or ${usd(n * p.annualPricePerSeatPerMonth)} a month with annual billing.`;
    return { intent, question, answer };
  }
  if (r < 0.55) {
    // Plan and billing named.
    const asked = pick(catalog.plans);
    const annual = rng.next() < 0.5;
    const billing = pick(annual ? ANNUAL : MONTHLY);
    const billed = annual ? 'billed annually' : 'billed monthly';
    const question = pick([
      `${n} ${unit} on ${asked.name}, ${billing}. How much?`,
      `How much for ${n} ${unit} on ${asked.name} ${billing}?`,
      `What would ${n} ${unit} on ${asked.name} cost ${billing}?`,
      `${asked.name} for ${n} ${unit}, ${billing}: how much a month?`,
      `We are ${n} people. What's ${asked.name} per month ${billing}?`,
      `Price for ${n} ${unit} of ${asked.name} ${billing}?`,
      `Our team is ${n}. ${asked.name} ${billing} comes to how much?`,
      `What's the monthly cost of ${asked.name} for ${n} ${unit} ${billing}?`,
      `[what's|what is|what would be] the [total|monthly total|bill] for ${n} ${unit} on ${asked.name} ${billing}?`,
      `[if|say] we [get|buy|need|take] ${n} ${unit} [of|on] ${asked.name} ${billing}, [what's the total|how much is that|what would we pay][ a month| monthly|]?`,
      `[can you|could you] [calculate|price out|quote] ${n} ${unit} on ${asked.name} ${billing}?`,
      `[we're|we are|we'll be] ${n} [reps|users|sellers]. [how much|what] [would|will] ${asked.name} [cost|come to] ${billing}?`,
    ]);
    const p = asked.maxSeats !== null && n > asked.maxSeats ? planFor(catalog, n) : asked;
    const price = annual ? p.annualPricePerSeatPerMonth : p.monthlyPricePerSeat;
    const total = `${n} × ${usd(price)} = ${usd(n * price)} a month`;
    // One form, the seat count first: a tiny model copies it and the total follows the same pattern every time.
    const answer =
      p !== asked
        ? `${n} seats need ${p.name} (${asked.name} goes up to ${asked.maxSeats}): ${total} ${billed}.`
        : `${n} seats on ${p.name} ${billed}: ${total}.`;
    return { intent, question, answer };
  }
  if (r < 0.75) {
    // Plan named, billing not.
    const asked = pick(catalog.plans);
    const question = pick([
      `How much is ${asked.name} for ${n} ${unit}?`,
      `What would ${asked.name} cost for ${n} ${unit}?`,
      `${n} ${unit} on ${asked.name}, how much?`,
      `Cost of ${asked.name} for a team of ${n}?`,
      `${asked.name} with ${n} ${unit}: what's the total?`,
      `[what's|what is|what would be] the [total|bill|monthly cost] for ${n} ${unit} on ${asked.name}?`,
      `[if|say] we [get|buy|need] ${n} ${unit} [of|on] ${asked.name}, [what's the total|how much is that|what would we pay]?`,
      `[we're|we are] ${n} [reps|users|sellers]. [how much|what] [would|will] ${asked.name} [cost|come to][ us|]?`,
      `[can you|could you] [price out|quote] ${asked.name} for ${n} ${unit}?`,
    ]);
    const p = asked.maxSeats !== null && n > asked.maxSeats ? planFor(catalog, n) : asked;
    const both = `${n} × ${usd(p.monthlyPricePerSeat)} = ${usd(n * p.monthlyPricePerSeat)} a month billed monthly, or ${n} × ${usd(p.annualPricePerSeatPerMonth)} = ${usd(n * p.annualPricePerSeatPerMonth)} a month billed annually.`;
    const answer = p !== asked ? `${n} seats need ${p.name} (${asked.name} goes up to ${asked.maxSeats}): ${both}` : `${n} seats on ${p.name}: ${both}`;
    return { intent, question, answer };
  }
  // No plan named: the cheapest plan that fits.
  const p = planFor(catalog, n);
  const previous = catalog.plans[catalog.plans.indexOf(p) - 1];
  const question = pick([
    `We're ${n} people, what would it cost?`,
    `How much for ${n} ${unit}?`,
    `Pricing for a team of ${n}?`,
    `We have ${n} reps. Which plan fits and what's the price?`,
    `What would ${n} ${unit} cost us?`,
    `${n} ${unit}, how much per month?`,
    `There are ${n} of us. What plan do we need and how much is it?`,
    `What would a ${n}-person team pay?`,
    `[we have|we've got|there are] ${n} [people|reps|salespeople|users][ on the team| in sales|]. [what would we pay|which plan [would|do] we need|what's the cost]?`,
    `[I need|we need|looking for] ${n} ${unit}[, what's the price| - how much| - which plan|]?`,
    `[what|how much] would it [be|come to] for ${n} ${unit}?`,
    `${ASK} the price for ${n} ${unit}?`,
  ]);
  const fits = previous?.maxSeats != null ? `${n} seats fit ${p.name} (${previous.name} goes up to ${previous.maxSeats})` : `${n} seats fit ${p.name}`;
  const answer = `${fits}: ${n} × ${usd(p.monthlyPricePerSeat)} = ${usd(n * p.monthlyPricePerSeat)} a month, or ${n} × ${usd(p.annualPricePerSeatPerMonth)} = ${usd(n * p.annualPricePerSeatPerMonth)} a month with annual billing.`;
  return { intent, question, answer };
}

function featurePlan(catalog: ProductCatalog, pick: Pick): IntentExchange {
  const intent = 'feature-plan';
  const key = pick(Object.keys(catalog.features));
  const name = catalog.features[key].name;
  const words = featureWords(catalog, key, pick);
  const from = featureFrom(catalog, key);
  if (pick([0, 1]) === 0) {
    const asked = pick(catalog.plans);
    const question = pick([
      `Is ${words} available on ${asked.name}?`,
      `Does ${asked.name} come with ${words}?`,
      `Can we get ${words} on ${asked.name}?`,
      `Does ${asked.name} include ${words}?`,
      `On ${asked.name}, do we get ${words}?`,
      `Is ${words} part of ${asked.name}?`,
      `Does ${asked.name} support ${words}?`,
      `${words} on ${asked.name}?`,
      `Does the ${asked.name} plan have ${words}?`,
      `[does|will|would] ${asked.name} [give us|come with|include|have|let us use] ${words}?`,
      `[can I|can we|are we able to|is it possible to] [get|use] ${words} [on|in] ${asked.name}[ plan|]?`,
      `[I'm|we're] [on|looking at|thinking about] ${asked.name}[,| -|.] [does it|would it|will it] [include|have|cover] ${words}?`,
      `${ASK} whether ${asked.name} [has|includes|comes with] ${words}?`,
    ]);
    const answer = asked.features.includes(key) ? `Yes, ${asked.name} includes ${name}. It comes with ${from}.` : `No, ${asked.name} doesn't include ${name}. It comes with ${from}.`;
    return { intent, question, answer };
  }
  const question = pick([`Which plan includes ${words}?`, `Do you have ${words}?`, `What plan do we need for ${words}?`, `Is ${words} included?`, `Do you support ${words}?`, `${words}: which tier?`, `Does ${catalog.product} do ${words}?`, `We need ${words}. Which plan is that?`, `Is there ${words}?`, `Does it have ${words}?`, `Which plans come with ${words}?`, `I need ${words}.`, `What about ${words}?`, `Where can I get ${words}?`,
    `[can I|can we|are we able to|is it possible to] [use|get] ${words}[ with ${catalog.product}| in ${catalog.product}|]?`,
    `[does [it|${catalog.product}]|do you] [support|provide|work with|handle] ${words}?`,
    `[which|what] [plan|tier|package] [gets|gives|has] [me|us|you] ${words}?`,
    `[is|are] ${words} [included|available|supported][ anywhere| on every plan|]?`,
    `[we|I] [really|] [need|want|rely on|care about] ${words}[ -|.] [which plan|what tier|is that included|do you have it]?`,
    `${ASK} whether [you have|you support|there's] ${words}?`,
  ]);
  return { intent, question, answer: pick([`Yes, ${name} is included in ${from}.`, `${name} comes with ${from}.`]) };
}

function discounts(catalog: ProductCatalog, pick: Pick): IntentExchange {
  const intent = 'discounts';
  const list = discountList(catalog);
  const r = pick([0, 0, 1, 1, 2]);
  if (r === 0 || !catalog.discounts.length) {
    return {
      intent,
      question: pick([
        'Any discounts available?',
        'Do you offer any discounts?',
        'Is there a discount?',
        'Can you do a better price?',
        'Any special pricing?',
        'Is there any way to get it cheaper?',
        'What discounts are there?',
        'any deals right now?',
        'Can you give us a discount?',
        'Do you have a coupon code?',
        '[can|could] [you|we] [get|do|offer] [a|any|some] [discount|deal|lower price|reduction][ on that| for us| for signing up now|]?',
        '[are there|got] [any|] [discounts|promos|promotions|special offers|price breaks][ available| at the moment| this month|]?',
        '[how|where] [can|could] we [save|pay less|get a lower price][ on this|]?',
        `${ASK} whether [there are any discounts|you do discounts|we can get a discount]?`,
      ]),
      answer: discountsSentence(catalog),
    };
  }
  if (r === 1) {
    const d = pick(catalog.discounts);
    const who = d.description.replace(/\s*\(.*\)\s*$/, '');
    const extra: Record<string, string[]> = {
      annual: [
        'How much cheaper is annual billing?',
        'What do we save with yearly billing?',
        'Is annual billing discounted?',
        'Is it cheaper if we pay for a whole year?',
        '[do we|would we|will we] [save|get a discount|pay less] [if|when] we [pay|are billed|commit] [yearly|annually|for the whole year|up front]?',
        '[how much|what] [is|do we get] [off|knocked off|saved] [for|with] [annual|yearly] [billing|payment|plans]?',
      ],
      nonprofit: [
        'Do nonprofits get a discount?',
        "We're a nonprofit, any discount?",
        'Is there charity pricing?',
        'Discount for NGOs?',
        "[we're|we are] a [nonprofit|charity|non-profit][ organisation| organization|][ -|,|.] [do|can|would] we qualify for [a|any] [discount|reduced price|special rate]?",
        '[do you|is there] [do |][nonprofit|charity|non-profit] [discounts|pricing|rates]?',
      ],
    };
    const others = catalog.discounts.filter((o) => o !== d).map((o) => `${o.percent}% off for ${o.description}`);
    return {
      intent,
      question: pick([`Is there a discount for ${who}?`, ...(extra[d.id] ?? [])]),
      answer: `Yes: ${d.percent}% off for ${d.description}.${others.length ? ` We also offer ${others.join(' and ')}.` : ''}`,
    };
  }
  const group = pick(['startup', 'student', 'small business', 'education', 'referral', 'volume']);
  return {
    intent,
    question: pick([`Do you have a ${group} discount?`, `Any ${group} pricing?`, `Is there a ${group} deal?`, `[are there|do you offer|is there] [a |][special |]${group} [discounts|discount|pricing|rate]?`, `[we're|I'm] [asking about|interested in] ${group} [pricing|discounts]. [anything|is there one]?`]),
    answer: `There's no ${group} discount, but we offer ${list}.`,
  };
}

function trial(catalog: ProductCatalog, pick: Pick): IntentExchange {
  const question = pick([
    'Is there a free trial?',
    'Can we try it first?',
    'How long does the trial last?',
    `Can I try ${catalog.product} before buying?`,
    'Do you have a trial?',
    'How many days is the free trial?',
    'Is there a way to test it out?',
    'Trial length?',
    'Can we get a trial?',
    'Do I need a credit card for the trial?',
    'Is a credit card required to start?',
    'Do you ask for card details for the trial?',
    'Can I start the trial without a card?',
    'Can we try before we buy?',
    'free trial?',
    'Is there a trial version?',
    'Can I test drive it?',
    `[can|could] [I|we] [try|trial|play with] [it|${catalog.product}] [first|before [paying|buying|committing]|at no cost|]?`,
    '[is there|do you have|do you offer] [a |][free |][trial|test period|free test][ at all|]?',
    '[how long does the [free |]trial [last|run]|how many days is the [free |]trial]?',
    '[do|will] [I|we] need [a|to enter a|to give a] [credit card|payment details] [for|to start] the trial?',
    `${ASK} whether there's a [free |]trial?`,
  ]);
  return { intent: 'trial', question, answer: pick(trialSentences(catalog)) };
}

function policy(catalog: ProductCatalog, pick: Pick, intent: 'security' | 'contract' | 'refunds'): IntentExchange {
  const questions: Record<typeof intent, string[]> = {
    security: [
      '[how|where] [do you|does the product] [store|keep|host|protect] [our|customer|my] data?',
      '[is|are] [our|my|customer] [data|information|records] [safe|secure|encrypted|protected] [with your team|in there|]?',
      '[do you have|have you got|are you] [SOC 2|SOC2|any certifications|audited]?',
      '[can|could] [we|I] [pick|choose] [EU|US|European] [hosting|data centers]?',
      '[what|which] [security|compliance] [standards|measures|audits] [do you have|do you follow|are in place]?',
      `${ASK} whether [our|the] data is [secure|safe]?`,
      'How do you handle security?', `Is ${catalog.product} secure?`, 'Do you have SOC 2?', 'Where is our data hosted?', 'Is data encrypted?', 'What about data protection?', 'Where is the data stored?', 'Is our data secure?', 'What compliance certifications do you hold?', 'Can we choose EU hosting?', `Is it safe to put our customer data in ${catalog.product}?`, 'Are you GDPR compliant?', 'Are you certified for security?', 'Where do you host?', 'Which hosting regions do you offer?', 'How is our data protected?', 'security?', 'Is it encrypted?', 'Is the data center in Europe?'],
    contract: [
      '[can|could] [I|we] [cancel|quit|stop|leave] [any time|whenever [we need to|it suits us]|at any point|if it [doesn\'t|does not] work out|later]?',
      '[is there|do you have] [a|any] [minimum|long] [contract|term][ period|]?',
      '[are we|would we be|am I] [locked in|tied in|stuck][ for a full year| to a contract|]?',
      '[how|what] [do|does] [cancelling|cancellation|getting out] [work|look like]?',
      '[do|would] [I|we] [have to|need to] commit to [a|an] [annual|yearly|long-term|12-month] [contract|deal|commitment]?',
      `${ASK} [the cancellation terms|whether we can cancel]?`,
      'Is there a long contract?', 'Are we locked in?', 'Can we cancel any time?', 'Is it monthly or yearly?', "What's the commitment?", "Can I cancel if it doesn't work out?", 'How does cancelling work?', 'Do I have to commit for a full year?', 'Can we stop whenever?', 'Is there a commitment period?', "What's the minimum term?", 'Can I cancel later?', 'Do you require a contract?', 'How long is the contract?', 'Can we end the subscription?'],
    refunds: [
      '[can|could] [I|we] [claim|request] [a refund|our money back][ if [we|I] [cancel|change our mind|are not happy]|]?',
      "[what's|what is] the [refund|returns] [policy|process] [like|here]?",
      '[do you|will you] [refund|give money back|do refunds][ on annual plans| if it [doesn\'t|does not] work out|]?',
      '[what happens|what do we get back] if [we|I] [cancel|stop|quit][ our annual plan| the yearly plan| after paying for the year|]?',
      `${ASK} [about refunds|whether you do refunds]?`,
      'Do you give refunds?', 'What if we want a refund?', 'Is there a refund policy?', 'Can we get a refund on an annual plan?', 'How do refunds work?', 'What happens to our money if we cancel?', 'Can we get our money back?', 'refunds?', "What if we're not happy with it?", 'Is there a refund if we cancel an annual plan?'],
  };
  return { intent, question: pick(questions[intent]), answer: pick(policySentences(catalog)[intent]) };
}

function aiDisclosure(catalog: ProductCatalog, pick: Pick): IntentExchange {
  if (pick([0, 1, 2]) === 0) {
    const object = pick(['a bot', 'a real human', 'an AI', 'a machine', 'a robot', 'an actual person', 'a live human', 'software', 'a computer', 'a chatbot', 'a person', 'someone real']);
    const question = `${pick(['Am I chatting to', 'Am I texting with', 'Is this', 'Are you', 'Am I dealing with', 'Is it', 'So am I writing to'])} ${object}?`;
    return { intent: 'ai-disclosure', question, answer: `I'm an AI assistant for ${catalog.product}, not a human. A person from our team can follow up by email whenever you like.` };
  }
  const asksHuman = pick([true, false]);
  const question = asksHuman
    ? pick([
        '[am I|are we] [talking|chatting|speaking] to [a real|an actual|a live] [person|human|rep|salesperson][ right now| here|]?',
        '[is there|are you] [a human|someone real] [at the other end|typing this|]?',
        'Are you human?', 'Am I chatting with a real person?', 'Is a human answering?', 'Am I speaking to a person?', 'Is there a real human here?', 'Are you real?', 'Is someone actually typing this?', 'Are you a person or a program?', 'Is this a live chat with a person?', 'Are you a real human being?', 'r u human', 'Is this an actual person?', 'Who am I talking to?', 'Is this a live person?', 'Is someone on the other side?', 'Are you a human agent?', 'Are you a sales rep?', 'Is this a real salesperson?', 'Is an actual human replying?', 'Are you a real employee?'])
    : pick([
        '[are you|is this] [a bot|an AI|a chatbot|automated|a program|a virtual assistant|artificial intelligence]?',
        '[be honest|honestly|seriously|just wondering], [are you|is this] [a bot|an AI|a chatbot|automated]?',
        'Are you a robot?', 'Is this a bot?', 'Are you AI?', 'Are you an AI?', 'Is this an AI chat?', 'Are you a chatbot?', 'bot or human?', "You're a bot, aren't you?", 'Are you automated?', 'Is this chat automated?', 'Are you a machine?', 'Is this GPT?', 'Are these answers generated by AI?', 'am i talking to a bot', 'Are you ChatGPT?', 'Am I chatting with an agent or a bot?', 'Is this an AI or a person?', 'honestly, are you a bot', 'am I talking to AI', 'Are you a program?', 'Are you a virtual assistant?', 'Is this a machine answering?']);
  const yes = asksHuman ? 'No' : 'Yes';
  const answer = pick([
    `${yes}, I'm an AI assistant for ${catalog.product}. A person from our team can follow up by email whenever you like.`,
    `${yes}, I'm an AI assistant for ${catalog.product}, not a human. I can answer questions about plans, pricing and features, and a colleague can follow up by email.`,
    `I'm an AI assistant for ${catalog.product}. If you'd rather talk to a person, someone from our team can follow up by email.`,
  ]);
  return { intent: 'ai-disclosure', question, answer };
}

function smallTalk(catalog: ProductCatalog, pick: Pick): IntentExchange {
  const kind = pick(['greeting', 'how', 'thanks']);
  if (kind === 'greeting') {
    return {
      intent: 'small-talk',
      question: pick(['[hi|hey|good afternoon][ team| folks| all|][!|.|]', 'Hi', 'Hello', 'Hey there', 'Good afternoon', 'Good evening', 'hi!', 'Hello, anyone here?', 'hey', 'Morning!', 'Hiya', 'Howdy', 'Pleased to meet you.', 'Hi team']),
      answer: pick([`Hi! I'm the AI assistant for ${catalog.product}, ${catalog.tagline}. What is your team looking for?`, `Hello! How can I help you with ${catalog.product} today?`]),
    };
  }
  if (kind === 'how') {
    return {
      intent: 'small-talk',
      question: pick(["[how's|how is] [it going|everything][ today| over there|]?", 'How are you?', 'How are you doing today?', "Hi, how's it going?", 'How is it going?', 'Having a good day?', "What's new?", 'Hey, how are you?', 'How have you been?']),
      answer: pick([`Doing well, thanks for asking! How can I help your team with ${catalog.product} today?`, `All good here, thanks. What are you looking for in a CRM?`]),
    };
  }
  return {
    intent: 'small-talk',
    question: pick(['[thanks|thank you|cheers|much appreciated][ so much| a lot| for the help|][!|.|]', 'Thanks!', 'Thank you', 'Cool, thanks', 'Great, thank you', 'Nice talking to you', 'ok thanks', 'That helps, thank you.']),
    answer: pick([`You're welcome! Anything else I can help with on ${catalog.product}?`, `Glad to help. Is there anything else about ${catalog.product} you'd like to know?`]),
  };
}

function offTopic(catalog: ProductCatalog, pick: Pick): IntentExchange {
  const composed = [
    `[can|could] you [help me |][write|draft] [a poem|an email to my landlord|a cover letter|my homework]?`,
    `[what do you think|what's your opinion] [about|of] [the weather|football|politics|crypto|the news]?`,
    `[do you know|got] [a joke|any good jokes|a fun fact]?`,
    `${pick(['Can you', 'Could you', 'Please', 'Would you', 'Help me'])} ${pick(['write a haiku', 'write a short story', 'recommend a movie', 'plan my holiday', 'solve a math problem', 'explain black holes', 'order me a pizza', 'check the news', 'summarize this article', 'fix my essay', 'translate a sentence', 'give me a recipe', 'pick lottery numbers', 'draw a picture'])}?`,
    `What's the weather in ${pick(['London', 'Berlin', 'Tokyo', 'New York', 'Madrid', 'Rome'])}?`,
    `Who won the ${pick(['World Cup', 'Super Bowl', 'election', 'game yesterday', 'Oscars', 'tennis final'])}?`,
    `What's the capital of ${pick(['Canada', 'Brazil', 'Japan', 'Germany', 'Kenya', 'Peru'])}?`,
    `How ${pick(['old', 'tall', 'rich', 'famous'])} is ${pick(['the Eiffel Tower', 'Elon Musk', 'the Queen', 'Mount Fuji'])}?`,
  ];
  const question = pick([
    ...composed,
    "What's the weather tomorrow?",
    'Can you recommend a good restaurant?',
    'Write me a song',
    'Who is the president of France?',
    'Can you translate this into Spanish?',
    "What's the best pizza topping?",
    'Tell me a story',
    'Do you like movies?',
    "What's the meaning of life?",
    'Can you book me a flight?',
    'What time is it in Tokyo?',
    'Who will win the election?',
    'Can you fix my printer?',
    'Recommend a good book?',
    'How tall is Mount Everest?',
    'Can you do my taxes?',
    'Can you help me write an essay?',
    "What's the population of Japan?",
    'Tell me something funny',
    'Sing me a song',
    "What's the score of the game?",
    'Which team will win the league?',
    'Where should I go on vacation?',
    "What's the stock price of Apple?",
    'Who wrote Hamlet?',
  ]);
  const answer = pick([
    `I can only help with questions about ${catalog.product}, ${catalog.tagline}. Is there anything about plans, pricing or features I can answer?`,
    `That's outside what I can help with: I'm here for questions about ${catalog.product}. What would you like to know about it?`,
  ]);
  return { intent: 'off-topic', question, answer };
}

function objections(catalog: ProductCatalog, pick: Pick): IntentExchange {
  const entry = catalog.plans[0];
  const trialLine = `The ${catalog.trial.days}-day free trial${catalog.trial.creditCardRequired ? '' : ' needs no credit card, so'} your team can try it before deciding.`;
  const kind = pick(['price', 'competitor', 'switching', 'unsure']);
  const questions: Record<typeof kind, string[]> = {
    price: [
      "[honestly|hmm|well], [that's|it's|this is] [a bit|way|quite|kind of] [too much|expensive|pricey|steep|over our budget][ for us| for a team our size|]",
      "That's too expensive.", "It's more than we want to spend.", 'Seems pricey.', "We can't afford that.", "That's a lot per seat.", 'Other tools cost less.', 'Money is tight right now.', 'Too expensive for us.', "We're a small team, that's a lot.", 'We have no budget right now.', 'Maybe next quarter, budget is frozen.'],
    competitor: [
      `[why|how] [are you|is ${catalog.product}] [better|different] than [HubSpot|Salesforce|Pipedrive|Zoho|the free tools]?`,
      'Why not just use a free CRM?', 'Salesforce does all this already.', 'Pipedrive looks similar, why you?', 'Why should we pick you over HubSpot?', 'We could just use a free tool.', 'What makes you different from other CRMs?'],
    switching: [
      '[we|our team] [currently |][use|track everything in|live in] [spreadsheets|Excel|Google Sheets|a notebook][,|.] [switching|moving] [sounds|seems] [painful|hard|like a big job]',
      'We use spreadsheets today.', 'Switching tools is a pain.', 'Moving our data over sounds hard.', 'Our deals live in Google Sheets.', "We're happy with spreadsheets.", 'Why would we move off Excel?', 'Setting up a new tool takes too long.'],
    unsure: [
      "[I'm|we're] not [sure|convinced][ yet| we need this| it's for us|]",
      '[let me|I\'ll|we\'ll] [think about it|discuss it with my team|get back to you|check with my boss]',
      "I'm not sure we need a CRM.", 'Let me think about it.', 'I need to talk to my boss.', "Not sure it's worth it.", "We're not ready yet.", 'My reps hate new tools.', "I'll think it over.", 'Will my team actually adopt it?', 'Not now, maybe later.'],
  };
  const answers: Record<typeof kind, string> = {
    price: priceObjectionSentence(catalog),
    competitor: `${catalog.product} is ${catalog.tagline}, from ${usd(entry.monthlyPricePerSeat)} per seat a month on ${entry.name}. ${trialLine}`,
    switching: `${trialLine} You can see it with your own deals first.`,
    unsure: `No rush. ${trialLine} What would help you decide?`,
  };
  return { intent: 'objections', question: pick(questions[kind]), answer: answers[kind] };
}

/**
 * A request for a person. The live server hands these over when a handoff rule matches; the
 * model's own answer offers the follow-up and stays useful in the meantime.
 */
function handoff(catalog: ProductCatalog, pick: Pick): IntentExchange {
  const question = pick([
    '[can|could|may] [I|we] [talk|chat] [to|with] [a person|a human|someone|a real person|a salesperson|your sales team|an account executive][ please| instead| directly|]?',
    '[is there|do you have] [a person|someone|anyone|a human] [I can|we can] [talk to|call|email|speak with]?',
    "[I'd|I would|we'd] prefer [talking|speaking|chatting] [to|with] [a human|a person|someone from your team|a sales rep][, please|]",
    '[get|put|connect] me [through |][to|with] [a human|a person|someone|sales][ please|]',
    '[can|could] [someone|a person|somebody|a rep] [call|email|contact|reach out to] [me|us][ later| this week|]?',
    '[I want|I need|we want] [a demo|a call|a meeting] with [sales|your team|someone]',
    'Human please',
    'Let me talk to a real person.',
  ]);
  return {
    intent: 'handoff',
    question,
    answer: pick(handoffSentences(catalog)),
  };
}

/** One question of `intent` in a visitor's words and the answer, both from the catalog. */
export function intentExchange(catalog: ProductCatalog, intent: Intent, rng: Rng): IntentExchange {
  const x = exchange(catalog, intent, rng);
  return { ...x, answer: x.answer.charAt(0).toUpperCase() + x.answer.slice(1) };
}

/**
 * Topics a visitor names for an intent, put into frames shared by every intent ("What about X?"),
 * so the model learns to answer the topic, not the sentence around it.
 */
const TOPICS: Partial<Record<Intent, string[]>> = {
  trial: ['the free trial', 'a trial', 'the trial', 'trying it for free', 'a free test run', 'the trial length', 'a test account', 'paying for the trial'],
  security: ['security', 'data security', 'encryption', 'SOC 2', 'data protection', 'hosting', 'where the data lives', 'data privacy', 'security compliance', 'server location', 'GDPR'],
  contract: ['the contract', 'contract terms', 'cancellation', 'cancelling', 'the commitment', 'lock-in', 'the minimum term', 'quitting later', 'ending the subscription'],
  refunds: ['refunds', 'the refund policy', 'getting our money back', 'a money-back option', 'refund terms', 'refunds on annual plans'],
  discounts: ['discounts', 'a discount', 'special pricing', 'coupons', 'promo codes', 'nonprofit pricing', 'annual savings', 'deals', 'a lower price'],
};
const FRAMES = [
  '[can I|could I|may I] ask about {}?',
  '[are you able to|can you|could you] [explain|walk me through|go over] {}?',
  '[is there someone who|who here] can tell me about {}?',
  "[I'd like|I want|I need] [to know about|info on|details on|some detail about] {}[ please|]",
  'Tell me about {}.', 'What about {}?', 'Question about {}.', 'How does {} work?', 'Can you explain {}?', '{}?', 'I have a question on {}.', 'What can you tell me about {}?', 'Info on {} please', 'And {}?', 'What are the details on {}?'];

/** The writer of each intent's exchanges. */
const WRITERS: Record<Intent, (catalog: ProductCatalog, pick: Pick, rng: Rng) => IntentExchange> = {
  'plan-price': planPrice,
  'seat-math': seatMath,
  'feature-plan': featurePlan,
  discounts,
  trial,
  security: (catalog, pick) => policy(catalog, pick, 'security'),
  contract: (catalog, pick) => policy(catalog, pick, 'contract'),
  refunds: (catalog, pick) => policy(catalog, pick, 'refunds'),
  'ai-disclosure': aiDisclosure,
  'small-talk': smallTalk,
  'off-topic': offTopic,
  objections,
  handoff,
};

function exchange(catalog: ProductCatalog, intent: Intent, rng: Rng): IntentExchange {
  const pick: Pick = (options) => options[rng.int(options.length)];
  const x = WRITERS[intent](catalog, pick, rng);
  const topics = TOPICS[intent];
  const template = topics && rng.next() < 0.35 ? pick(FRAMES).replace('{}', pick(topics)) : x.question;
  if (!template.includes('[')) return { ...x, question: template };
  // Grammar templates are written in lower case; a visitor starts a sentence with a capital (visitorStyle lowers some).
  const question = expand(template, rng);
  return { ...x, question: question.charAt(0).toUpperCase() + question.slice(1) };
}

/** Draws an intent by the weights above. */
export function drawIntent(rng: Rng): Intent {
  const total = INTENTS.reduce((s, i) => s + INTENT_WEIGHTS[i], 0);
  let r = rng.next() * total;
  for (const intent of INTENTS) {
    r -= INTENT_WEIGHTS[intent];
    if (r < 0) return intent;
  }
  return INTENTS[INTENTS.length - 1];
}
