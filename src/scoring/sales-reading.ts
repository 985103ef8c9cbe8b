import { Plan, ProductCatalog } from '../catalog';
import { deniesBeingAi, disclosesBeingAi, isBotQuestion, isMultiple } from './compliance';
import { RepetitionScorer } from './repetition';
import { contentWords, fixTranspositions, moneyAmounts, sentences, wholePhrasePattern, withoutDoubledLetters, words } from './text';
import { HistoryTurn } from './types';

/**
 * Reading a sales conversation the way a buyer does: what the visitor asked, and whether a reply
 * answers it with something the visitor did not already say. The rule-based visitor decides with
 * it and the turn reward scores with it, so both judge a reply by the same reading.
 */

export const OBJECTIONS = ['price', 'security', 'integration', 'switching', 'contract', 'trial'] as const;
export type Objection = (typeof OBJECTIONS)[number];

/** Something the visitor is waiting to hear about. */
export type Ask =
  | { kind: 'feature'; feature: string }
  /** `discount`: the price asked about is a discount ("do nonprofits get a lower price?"), so a percent off answers it too. */
  | { kind: 'price'; discount?: true }
  | { kind: 'objection'; objection: Objection }
  | { kind: 'next-step' }
  | { kind: 'bot' }
  /** A request to talk to a person (a handoff rule may take it first; otherwise the reply offers one). */
  | { kind: 'person' }
  /** Whether money paid comes back ("is there a refund if we cancel?"): the refund policy answers it, not the contract's. */
  | { kind: 'refund' };

/** How visitors voice each objection (whole words). */
export const OBJECTION_CUES: Record<Objection, RegExp> = {
  price: /\b(?:expensive|budget|cheaper|cheap|afford\w*|cost too)\b/i,
  security: /\b(?:secur\w*|soc ?2|gdpr|encrypt\w*|privacy|data protection|hosted)\b/i,
  integration: /\b(?:integrat\w*|slack|hubspot|zapier|api|tools we already use)\b/i,
  switching: /\b(?:switch\w*|migrat\w*|spreadsheets?|import|moving|onboarding)\b/i,
  contract: /\b(?:contract|cancel|locked|lock-in|commit\w*|monthly or yearly)\b/i,
  trial: /\b(?:trial|try it|try before|credit card|demo)\b/i,
};

/** What a reply must say to take up each objection (whole words). */
const OBJECTION_HANDLING: Record<Objection, RegExp> = {
  price: /\b(?:annual\w*|discount\w*|nonprofits?|cheaper|saves?|two months free|yearly)\b|\d+\s?% off/i,
  security: /\b(?:soc ?2|encrypt\w*|gdpr|hosting|secure|security)\b/i,
  integration: /\b(?:slack|hubspot|zapier|api|integrat\w*)\b/i,
  switching: /\b(?:import\w*|migrat\w*|csv|onboarding|move your data|switch over)\b/i,
  contract: /\b(?:cancel\w*|monthly|any ?time|no long[- ]term|billed yearly|lock-in)\b/i,
  trial: /\b(?:\d+-day|trial|no credit card|try it)\b/i,
};

/** A price asked ("stock price" is not the product's). */
const PRICE_ASK = /\b(?:cost|costs|(?<!stock )prices?|pricing|how much)\b/i;
/** A refund asked about, in the corpus grammar's words; none is in the rule-based visitor's lines (spec'd). */
const REFUND_ASK = /\b(?:refund\w*|money[- ]back|our money)\b/i;
const REFUND_ANSWER = /\b(?:refund\w*|pro-?rated|money back)\b/i;
/**
 * Discount asks that need no price word ("any promo codes?", "do you have a student discount?").
 * None of these is in the rule-based visitor's language or in the shipped personas, so the
 * simulator's and the reward's readings of their sessions are unchanged by them (personas derived
 * from live sessions open with a visitor's own words, which may). "Nonprofit" and "charity" are
 * two shipped personas' companies, so they mark a discount only next to a price word.
 */
const DISCOUNT_TOPIC = /\b(?:discount\w*|promo(?:tion)?s?|coupons?|(?:student|educational|referral|startup) (?:discount|pricing|price|rate)s?|(?:any|about) deals)\b/i;
const DISCOUNT_ASK = new RegExp(
  `${DISCOUNT_TOPIC.source}|\\b(?:non-?profits?|charit(?:y|ies|able)|ngos?|cheaper|lower|reduced|break|deal|deals|cut|less|sav(?:e|es|ing|ings)|better (?:price|rate|deal)|(?:special|volume|bulk|small[- ]business) pric\\w*)\\b`,
  'i',
);
const PERCENT_OFF = /\d+\s?% off|\bno (?:[\w-]+ )?discounts?\b/i;
/** Asking for a person: to talk to one, or to be contacted by one. */
const PERSON_ASK =
  /\b(?:talk|speak|chat)(?:ing)? (?:to|with) (?:a |an |some |your |one of your )?(?:real |actual |live )?(?:human|person|people|someone|somebody|rep|representative|salesperson|sales(?: team| rep)?|account (?:executive|manager)|them)\b|\b(?:human|person|someone|somebody|rep) (?:to |could |can )?(?:call|email|contact|reach out to) (?:me|us)\b|\b(?:anyone|anybody|someone|somebody|a person|a human) (?:we|i) (?:can|could) (?:call|email|phone|contact|talk to|speak to|speak with)\b|\bdemo with (?:a |an |some |your )?(?:someone|somebody|person|human|rep|team|sales)\b/i;
/** A reply that offers a person: someone from the team following up or getting in touch. */
const PERSON_OFFER = /\b(?:follow(?:s|ing)? up|get in touch|reach out|contact you|email you|call you)\b/i;
const NEXT_STEP_ASK = /\b(?:next step|get started|what do you suggest|how do we start)\b/i;
/** An action that moves the sale on, and a phrasing that offers it (a question or an invitation). */
const NEXT_STEP_ACTION =
  /\b(?:(?:start|set up|begin|activate|open)(?:ing)? (?:a |your |the )?(?:free )?(?:\d+-day )?trial|set (?:you|it|that|your team|things) up|sign (?:you )?up|get (?:you )?started|(?:book|schedule) (?:a |the )?(?:demo|call)|create (?:your|an) account)\b/i;
const NEXT_STEP_OFFER = /\?|^(?:start|book|schedule|sign up|let's|let me)\b|\b(?:want me to|shall i|should i|can i|would you like|ready to|you can|i can)\b/i;
const DISCOVERY =
  /\b(?:how many (?:people|users|seats|reps)|team size|what (?:does|do) (?:your|you) (?:team )?need|what matters|which features|what (?:are you|is your|'s your)|tell me (?:more )?about your|who (?:will|would) use)\b/i;
const AVAILABILITY = /\b(?:includ\w*|comes? with|available|supports?|has|have|offers?|built[- ]in|every plan|all plans|yes)\b/i;
const RECOMMENDATION = /\b(?:recommend\w*|suggest\w*|fits?|best for|right for|suits?|go with|you'?d need|you need|covers?|for your team|for you)\b/i;
const NEGATION = /\b(?:not|no|doesn'?t|don'?t|isn'?t|without|only on|lacks?)\b/i;
const TRIAL_DAYS = /\b(\d+)[- ]day\b/gi;
const ANNUAL = /\b(?:annual\w*|yearly|per year|a year|two months free)\b/i;
/** An annual mention is an offer of annual billing only next to a price or billing words. */
const BILLING_CONTEXT = /\$\s?\d|\b(?:bill\w*|pay\w*|plans?|discount\w*|sav\w*|price\w*|free)\b/i;
/**
 * A seat count as visitors state it: "25 people", "12 licenses", "a team of 8", "our team is 6" (not "our
 * team is 50% remote"). Not
 * "a 4-person agency": a persona of the simulator opens so, and its visitors state their seats
 * later, which its reading of their sessions keeps.
 */
const SEATS = /\b(\d{1,5})\s+(?:people|users|seats|reps|of us|licen[cs]es|sellers|salespeople)\b|\bteam (?:of|is) (\d{1,5})\b(?!\s*(?:%|percent)|[.,]\d)/gi;
/** Content words a sentence must add (beyond what the visitor said) to count as an answer. */
const MIN_NEW_WORDS = 2;
/** A sentence this much made of the agent's earlier trigrams is a repeat, not an answer (a template with new content is not). */
const REPEATED_SENTENCE = 0.8;

const featurePatterns = new WeakMap<ProductCatalog, [string, RegExp][]>();

/** Catalog features by key, each as a whole-word pattern of its keywords and name. */
function featureMatchers(catalog: ProductCatalog): [string, RegExp][] {
  let matchers = featurePatterns.get(catalog);
  if (!matchers) {
    matchers = Object.entries(catalog.features).map(([key, f]) => [key, wholePhrasePattern([...f.keywords, f.name])]);
    featurePatterns.set(catalog, matchers);
  }
  return matchers;
}

/** Catalog feature keys `text` mentions (whole words). */
export function featuresIn(text: string, catalog: ProductCatalog): string[] {
  return featureMatchers(catalog)
    .filter(([, pattern]) => pattern.test(text))
    .map(([key]) => key);
}

function plansIn(text: string, catalog: ProductCatalog): Plan[] {
  return catalog.plans.filter((p) => wholePhrasePattern([p.name]).test(text));
}

/** The words the visitor-side cues are made of, beyond the catalog's feature keywords and names. */
const CUE_WORDS =
  'cost costs price prices pricing much expensive budget cheaper cheap afford security secure encrypted hosted privacy protection ' +
  'integrate integration integrations tools switching switch migrate spreadsheets import moving onboarding contract cancel locked ' +
  'commit monthly yearly trial credit card demo next step started suggest start talking chatting speaking real person human robot ' +
  'automated bot machine';
const visitorVocabularies = new WeakMap<ProductCatalog, Set<string>>();

/** A visitor message with its letter-swap typos undone against the words the cues look for. */
function visitorText(text: string, catalog: ProductCatalog): string {
  let vocabulary = visitorVocabularies.get(catalog);
  if (!vocabulary) {
    const featureWords = Object.values(catalog.features).flatMap((f) => [...f.keywords, f.name].flatMap(words));
    vocabulary = new Set([...featureWords, ...CUE_WORDS.split(' ')].filter((w) => w.length >= 4));
    visitorVocabularies.set(catalog, vocabulary);
  }
  return fixTranspositions(text, vocabulary);
}

/**
 * Words a visitor uses about buying and running a sales tool (who would use it, what it costs, how
 * it is bought, tried and set up, what it does, what it is compared with). Broad on purpose: a
 * message with none of them, nor any of the catalog's, is about something else (the weather, a
 * joke, thanks).
 */
const BUYING_WORDS =
  'crm sales salespeople pipeline deal lead contact customer client account team people user seat license licence rep staff employee folk crew member ' +
  'company business agency startup nonprofit freelancer founder firm consultancy plan tier package option subscription subscribe billing billed bill invoice ' +
  'pay paying paid payment charge fee price priced pricey cost total spend spending month monthly year yearly annual annually discount cheap cheapest ' +
  'refund money cancel cancellation contract trial try trying test free demo signup setup onboarding data import export migrate integration ' +
  'api app mobile phone iphone android email calendar report reporting forecast forecasting automation workflow sso security support ' +
  'feature tool software product service upgrade downgrade excel spreadsheet sheet salesforce pipedrive hubspot zoho competitor different better ' +
  'rate offer special reduction coupon promo charity profit percent qualify sign binding commitment quit expensive budget afford ' +
  'secure encrypted hosted privacy protection integrate switching switch moving commit locked credit card pricing cheaper sell selling buy buying purchase save saving ' +
  'track tracking dashboard analytics custom field task reminder call meeting quote proposal template permission admin access uptime sla gdpr hipaa ' +
  'renew renewal prorate term server hosting google quickbooks zoom linkedin addon simple return policy';

/** A word without a plural's or a verb's ending ("users" → "user", "charities" → "charity", "tracking" → "track"). */
const wordStem = (word: string) => word.replace(/(?<=\w{3})ies$/, 'y').replace(/(?<=\w{3})(?:s|ing|ed)$/, '');
/**
 * The forms of a word compared: as typed, its parts if hyphenated, and its stem, each also with
 * doubled letters collapsed ("userrs"); none shorter than 3 letters ("sso" is not "so").
 */
const wordForms = (word: string) =>
  [...new Set([word, ...word.split('-'), wordStem(word)].flatMap((w) => [w, withoutDoubledLetters(w), wordStem(withoutDoubledLetters(w))]))].filter((w) => w.length >= 3);

/**
 * Whether a visitor's word `a` is the vocabulary word `b` with one typo: a letter dropped ("tet", "sats"), or
 * added, changed or two swapped in a word of five letters or more. Not a change among short words,
 * where one makes another common word ("tell" and "sell", "will" and "bill").
 */
function oneTypoFrom(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a.length < 3) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rest = (x: string, k: number) => x.slice(i + k);
  if (a.length < b.length) return rest(a, 0) === rest(b, 1);
  if (Math.min(a.length, b.length) < 5) return false;
  if (a.length > b.length) return rest(a, 1) === rest(b, 0);
  return rest(a, 1) === rest(b, 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && rest(a, 2) === rest(b, 2));
}

/** Words of the catalog's feature names that say nothing about the product on their own. */
const CATALOG_NAME_FILLER = new Set(['help', 'log', 'single', 'two-way', 'visual']);

/** Exact forms, and the words as written (a typo is one edit from a word, not from a form of it), by length. */
const productVocabularies = new WeakMap<ProductCatalog, { forms: Set<string>; byLength: Map<number, string[]> }>();

function productVocabulary(catalog: ProductCatalog) {
  let vocabulary = productVocabularies.get(catalog);
  if (!vocabulary) {
    // The catalog's names and keywords, content words only: a feature's name holds "and", "with", "help".
    const own = contentWords([catalog.product, ...catalog.plans.map((p) => p.name), ...Object.values(catalog.features).flatMap((f) => [...f.keywords, f.name])].join(' '));
    const base = [...new Set([...own, ...BUYING_WORDS.split(' ')])].filter((w) => !CATALOG_NAME_FILLER.has(w));
    const byLength = new Map<number, string[]>();
    for (const w of base) byLength.set(w.length, [...(byLength.get(w.length) ?? []), w]);
    vocabulary = { forms: new Set(base.flatMap((w) => [...wordForms(w), `${w}s`])), byLength };
    productVocabularies.set(catalog, vocabulary);
  }
  return vocabulary;
}

/**
 * Whether a visitor message is about the product at all: a number (seats, prices), or a word of the
 * catalog's or of buying a sales tool, typos forgiven.
 */
export function speaksOfProduct(message: string, catalog: ProductCatalog): boolean {
  const { forms, byLength } = productVocabulary(catalog);
  const typed = words(message);
  if (typed.some((w) => /\d/.test(w))) return true;
  const candidates = new Set(typed.flatMap(wordForms));
  for (const w of candidates) {
    if (forms.has(w)) return true;
    for (const length of [w.length - 1, w.length, w.length + 1]) if (byLength.get(length)?.some((v) => oneTypoFrom(w, v))) return true;
  }
  return false;
}

/** Whether a reply states a product fact: an amount, a percentage, a number of days, or a plan by name. */
export function statesProductFact(reply: string, catalog: ProductCatalog): boolean {
  return moneyAmounts(reply).length > 0 || /\d+\s?%|\b\d+[- ]days?\b/.test(reply) || plansIn(reply, catalog).length > 0;
}

/** What a visitor message asks for, or states it needs (a stated need wants an answer too). */
export function visitorAsks(message: string, catalog: ProductCatalog): Ask[] {
  const text = visitorText(message, catalog);
  if (isBotQuestion(text)) return [{ kind: 'bot' }];
  const asks: Ask[] = featuresIn(text, catalog).map((feature) => ({ kind: 'feature', feature }));
  if (PRICE_ASK.test(text)) asks.push(DISCOUNT_ASK.test(text) ? { kind: 'price', discount: true } : { kind: 'price' });
  else if (DISCOUNT_TOPIC.test(text)) asks.push({ kind: 'price', discount: true });
  for (const objection of OBJECTIONS) if (OBJECTION_CUES[objection].test(text)) asks.push({ kind: 'objection', objection });
  if (NEXT_STEP_ASK.test(text)) asks.push({ kind: 'next-step' });
  if (PERSON_ASK.test(text)) asks.push({ kind: 'person' });
  if (REFUND_ASK.test(text)) asks.push({ kind: 'refund' });
  return asks;
}

/** What the visitor's last message asks: nothing when the conversation does not end with one. */
export function lastVisitorAsks(history: HistoryTurn[], catalog: ProductCatalog): Ask[] {
  const last = history[history.length - 1];
  return last?.role === 'visitor' ? visitorAsks(last.text, catalog) : [];
}

/** The seat count the visitor stated last ("we're 25 people", "120 of us"), if any. */
export function statedSeats(history: HistoryTurn[]): number | undefined {
  let seats: number | undefined;
  for (const t of history) if (t.role === 'visitor') for (const m of t.text.matchAll(SEATS)) seats = Number(m[1] ?? m[2]);
  return seats;
}

/**
 * The seat count a message asks the price for: stated before or in its first sentence asking a price
 * ("We're 12 people. What's Growth a month?"). A price asked before any seats are stated is not
 * asked for them ("Enterprise price? And 30 seats on Growth, how much?").
 */
export function seatsPricedIn(message: string, catalog: ProductCatalog): number | undefined {
  const parts = sentences(message).map((text): HistoryTurn => ({ role: 'visitor', text }));
  const firstPrice = parts.findIndex((p) => visitorAsks(p.text, catalog).some((a) => a.kind === 'price' && !a.discount));
  const seats = firstPrice < 0 ? undefined : statedSeats(parts.slice(0, firstPrice + 1));
  return seats !== undefined && seats > 0 ? seats : undefined;
}

/** Catalog features the visitor has mentioned so far. */
export function statedNeeds(history: HistoryTurn[], catalog: ProductCatalog): string[] {
  return featuresIn(
    history
      .filter((t) => t.role === 'visitor')
      .map((t) => visitorText(t.text, catalog))
      .join('\n'),
    catalog,
  );
}

export interface ReplySentence {
  text: string;
  question: boolean;
  /** Adds at least MIN_NEW_WORDS content words the visitor did not say, and is not a repeat. */
  informative: boolean;
  features: string[];
  plans: Plan[];
}

/** One agent reply, read against the conversation before it. */
export interface ReplyReading {
  sentences: ReplySentence[];
  /** Catalog features mentioned anywhere in the reply. */
  features: string[];
  /** The one plan the reply recommends (named alone with a price or a recommending word). */
  recommendedPlan: Plan | undefined;
  /** Money amounts stated in declarative sentences. */
  amounts: number[];
  /** Offers annual billing (an annual mention next to a price or billing words). */
  mentionsAnnualBilling: boolean;
  proposesNextStep: boolean;
  asksDiscoveryQuestion: boolean;
  disclosesAi: boolean;
  deniesAi: boolean;
  /** Statements that contradict the catalog (plan features, trial length). */
  wrongFacts: string[];
}

const repetition = new RepetitionScorer();

export function readReply(reply: string, history: HistoryTurn[], catalog: ProductCatalog): ReplyReading {
  const visitorWords = new Set(history.filter((t) => t.role === 'visitor').flatMap((t) => contentWords(t.text)));
  const agentHistory = history.filter((t) => t.role === 'agent');
  const read: ReplySentence[] = sentences(reply).map((text) => {
    const question = /\?\s*$/.test(text);
    const repeated = repetition.score({ text, history: agentHistory, catalog }).score >= REPEATED_SENTENCE;
    const added = new Set(contentWords(text).filter((w) => !visitorWords.has(w)));
    return { text, question, informative: !repeated && added.size >= MIN_NEW_WORDS, features: featuresIn(text, catalog), plans: plansIn(text, catalog) };
  });
  const statements = read.filter((s) => !s.question);
  const recommending = statements.filter((s) => s.plans.length === 1 && (moneyAmounts(s.text).length > 0 || RECOMMENDATION.test(s.text)));
  const recommended = new Set(recommending.map((s) => s.plans[0]));
  return {
    sentences: read,
    features: featuresIn(reply, catalog),
    recommendedPlan: recommended.size === 1 ? [...recommended][0] : undefined,
    amounts: statements.flatMap((s) => moneyAmounts(s.text).map((m) => m.amount)),
    mentionsAnnualBilling: read.some((s) => ANNUAL.test(s.text) && BILLING_CONTEXT.test(s.text)),
    proposesNextStep: read.some((s) => NEXT_STEP_ACTION.test(s.text) && NEXT_STEP_OFFER.test(s.text)),
    asksDiscoveryQuestion: read.some((s) => s.question && DISCOVERY.test(s.text)),
    disclosesAi: disclosesBeingAi(reply),
    deniesAi: deniesBeingAi(reply),
    wrongFacts: wrongFacts(statements, catalog),
  };
}

/** Plan-feature claims no named plan supports ("Starter includes forecasting") and a wrong trial length. */
function wrongFacts(statements: ReplySentence[], catalog: ProductCatalog): string[] {
  const wrong: string[] = [];
  for (const s of statements) {
    if (NEGATION.test(s.text)) continue;
    if (s.plans.length && s.features.some((f) => !s.plans.some((p) => p.features.includes(f)))) wrong.push(s.text);
    for (const m of s.text.matchAll(TRIAL_DAYS)) if (/trial/i.test(s.text) && Number(m[1]) !== catalog.trial.days) wrong.push(m[0]);
  }
  return wrong;
}

/** Whether `plan` serves these needs at this many seats. */
export function planServes(plan: Plan, needs: string[], seats: number): boolean {
  return needs.every((n) => plan.features.includes(n)) && (plan.maxSeats === null || plan.maxSeats >= seats);
}

/**
 * Totals that are a plan price times a seat count other than the visitor's (per seat, per year,
 * the visitor's seats per month or per year are all right).
 */
export function wrongSeatTotals(reading: ReplyReading, seats: number, catalog: ProductCatalog): number[] {
  const prices = catalog.plans.flatMap((p) => [p.monthlyPricePerSeat, p.annualPricePerSeatPerMonth]);
  const right = (amount: number) => prices.some((p) => [1, 12, seats, 12 * seats].some((k) => Math.abs(amount - k * p) < 1e-6));
  return reading.amounts.filter((a) => prices.some((p) => isMultiple(a, p)) && !right(a));
}

/** Whether a reply states the total for this many seats (a plan's per-seat price times them, a month or a year) and no total for another count. */
export function statesSeatTotal(reading: ReplyReading, seats: number, catalog: ProductCatalog): boolean {
  const totals = catalog.plans.flatMap((p) => [p.monthlyPricePerSeat, p.annualPricePerSeatPerMonth]).flatMap((price) => [seats * price, 12 * seats * price]);
  return reading.amounts.some((a) => totals.some((t) => Math.abs(a - t) < 1e-6)) && wrongSeatTotals(reading, seats, catalog).length === 0;
}

/** Whether a reply answers one ask: a statement on it that says something new (see ReplySentence). */
export function answers(reading: ReplyReading, ask: Ask): boolean {
  const answering = reading.sentences.filter((s) => !s.question && s.informative);
  switch (ask.kind) {
    case 'feature':
      // A claim the catalog contradicts answers nothing. "No, Starter doesn't include X" answers with the visitor's own words, and still answers.
      return (
        answering.some((s) => s.features.includes(ask.feature) && (s.plans.length > 0 || AVAILABILITY.test(s.text)) && !reading.wrongFacts.includes(s.text)) ||
        reading.sentences.some((s) => !s.question && s.features.includes(ask.feature) && s.plans.length > 0 && NEGATION.test(s.text))
      );
    case 'price':
      return answering.some((s) => moneyAmounts(s.text).length > 0 || (!!ask.discount && PERCENT_OFF.test(s.text)));
    case 'objection':
      return answering.some((s) => OBJECTION_HANDLING[ask.objection].test(s.text));
    case 'next-step':
      return reading.proposesNextStep;
    case 'bot':
      return reading.disclosesAi;
    case 'person':
      return answering.some((s) => PERSON_OFFER.test(s.text));
    case 'refund':
      return answering.some((s) => REFUND_ANSWER.test(s.text));
  }
}
