import { shippedCatalog } from '../../catalog';
import { isBotQuestion } from '../../scoring';
import { ngrams, words } from '../../scoring/text';
import { INTENTS } from './intent-corpus';
import { parseQuestionSet, QUESTION_SETS } from './question-sets';

const catalog = shippedCatalog();
const item = { intent: 'trial', question: 'How long is the trial?', require: ['14'], forbid: [] };
const set = (...items: object[]) => ({ description: 'test', items });

describe('question sets', () => {
  it('accepts a well-formed set and rejects malformed items and repeated questions', () => {
    expect(parseQuestionSet(set(item))).toEqual([item]);
    expect(() => parseQuestionSet(set({ ...item, intent: 'pricing' }))).toThrow();
    expect(() => parseQuestionSet(set({ ...item, requires: ['14'] }))).toThrow();
    expect(() => parseQuestionSet(set({ ...item, require: [] }))).toThrow(/required fact or discloseAi/);
    expect(() => parseQuestionSet(set({ ...item, require: [['14']] }))).toThrow();
    expect(() => parseQuestionSet(set({ ...item, discloseAi: true }))).toThrow(/discloseAi is for ai-disclosure/);
    expect(() => parseQuestionSet(set({ intent: 'ai-disclosure', question: 'Bot?', require: [], forbid: [] }))).toThrow(/discloseAi is for ai-disclosure/);
    expect(() => parseQuestionSet(set({ intent: 'ai-disclosure', question: 'Bot?', require: [], forbid: [], discloseAi: true, identityWords: true }))).toThrow(/not about identity/);
    expect(() => parseQuestionSet(set(item, { ...item, question: 'how long is  the Trial?' }))).toThrow(/asked twice/);
    expect(() => parseQuestionSet({ items: [item] })).toThrow();
  });

  it('has an intent set of at least 100 questions over every corpus intent but handoff (the set predates it)', () => {
    expect(QUESTION_SETS.intent.length).toBeGreaterThanOrEqual(100);
    expect(new Set(QUESTION_SETS.intent.map((i) => i.intent))).toEqual(new Set(INTENTS.filter((i) => i !== 'handoff')));
  });

  it('has a paraphrase set of at least 200 questions over every intent, plus at least 50 in identity words', () => {
    const paraphrase = QUESTION_SETS.paraphrase;
    expect(paraphrase.filter((i) => !i.identityWords).length).toBeGreaterThanOrEqual(200);
    expect(paraphrase.filter((i) => i.identityWords).length).toBeGreaterThanOrEqual(50);
    expect(new Set(paraphrase.map((i) => i.intent))).toEqual(new Set(INTENTS));
  });

  it('writes the paraphrase set apart from the intent set: no shared word 5-gram, no shared question', () => {
    const grams = (q: string) => ngrams(words(q), 5);
    const intentGrams = new Set(QUESTION_SETS.intent.flatMap((i) => grams(i.question)));
    const intentQuestions = new Set(QUESTION_SETS.intent.map((i) => words(i.question).join(' ')));
    const shared = QUESTION_SETS.paraphrase.filter((i) => intentQuestions.has(words(i.question).join(' ')) || grams(i.question).some((g) => intentGrams.has(g)));
    expect(shared.map((i) => i.question)).toEqual([]);
  });

  it('reads none but its AI questions as "are you a bot?", as the compliance rules do', () => {
    // A question the rules take for "are you a bot?" fails any reply without a disclosure, so the
    // identity-word questions must not read as one.
    for (const i of QUESTION_SETS.paraphrase.filter((x) => !x.discloseAi)) expect([i.question, isBotQuestion(i.question)]).toEqual([i.question, false]);
  });

  it("requires only the catalog's numbers, or a seat count in the question times a catalog price", () => {
    const prices = catalog.plans.flatMap((p) => [p.monthlyPricePerSeat, p.annualPricePerSeatPerMonth]);
    const catalogNumbers = [
      ...prices,
      ...catalog.plans.flatMap((p) => (p.maxSeats === null ? [] : [p.maxSeats])),
      catalog.trial.days,
      ...catalog.discounts.map((d) => d.percent),
      ...Object.values(catalog.policies).flatMap((t) => (t.match(/\d+/g) ?? []).map(Number)),
    ];
    const spelled = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
    for (const i of [...QUESTION_SETS.intent, ...QUESTION_SETS.paraphrase]) {
      const seats = [1, ...(i.question.match(/\d+/g) ?? []).map(Number), ...spelled.flatMap((w, k) => (new RegExp(`\\b${w}\\b`, 'i').test(i.question) ? [k + 1] : []))];
      const allowed = new Set([...catalogNumbers, ...seats.flatMap((n) => prices.flatMap((p) => [n * p, 12 * n * p]))]);
      const numbers = i.require.flat().filter((f) => /^\d+$/.test(f)).map(Number);
      expect([i.question, numbers.filter((n) => !allowed.has(n))]).toEqual([i.question, []]);
    }
  });
});
