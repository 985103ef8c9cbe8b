import { RE2JS } from 're2js';
import { shippedCatalog } from '../catalog';
import { HistoryTurn, MAX_TURN_CHARS } from '../scoring';
import { estimateDeal, handoffRuleSchema, HandoffRule, PhraseMatchers, requestedHandoff } from './handoff-rules';

const catalog = shippedCatalog();
const askForPerson: HandoffRule = { id: 'ask', kind: 'visitor_request', enabled: true, phrases: ['talk to a person', 'real human please', 'sales rep'] };
const largeDeal: HandoffRule = { id: 'large', kind: 'deal_value', enabled: true, minValue: 20000 };
/** Visitor messages, each after the first answered by the agent. */
const visitor = (...texts: string[]): HistoryTurn[] => texts.flatMap((text, i): HistoryTurn[] => [...(i ? [{ role: 'agent' as const, text: 'Sure.' }] : []), { role: 'visitor', text }]);

describe('estimateDeal', () => {
  it('seats × the named plan’s annual price per seat per month × 12', () => {
    expect(estimateDeal(visitor('We are 40 people.', 'Is Enterprise the one with SSO?'), catalog)).toEqual({ seats: 40, planId: 'enterprise', value: 40 * 83 * 12, currency: 'USD' });
  });

  it('without a named plan: the cheapest plan serving the stated needs at that size', () => {
    expect(estimateDeal(visitor('We need forecasting for 30 reps.'), catalog)).toMatchObject({ planId: 'growth', value: 30 * 49 * 12 });
    expect(estimateDeal(visitor('We need SSO for 5 users.'), catalog)).toMatchObject({ planId: 'enterprise', value: 5 * 83 * 12 });
    expect(estimateDeal(visitor('We are 8 people.'), catalog)).toMatchObject({ planId: 'starter', value: 8 * 24 * 12 });
  });

  it('a message naming two plans names neither; no seats, no deal', () => {
    expect(estimateDeal(visitor('We are 40 people.', 'Growth or Enterprise?'), catalog)).toMatchObject({ planId: 'growth' });
    expect(estimateDeal(visitor('How much is Enterprise?'), catalog)).toBeUndefined();
  });

  it('reads the visitor only (the agent quoting seats is no deal)', () => {
    expect(estimateDeal([{ role: 'visitor', text: 'Hi' }, { role: 'agent', text: 'For 500 users Enterprise costs a lot.' }], catalog)).toBeUndefined();
  });
});

describe('requestedHandoff', () => {
  it('a visitor_request phrase in the latest visitor message, whole words, any case', () => {
    expect(requestedHandoff([askForPerson], visitor('Can I TALK TO A PERSON?'), catalog, new Set())).toEqual({ ruleId: 'ask', reason: 'visitor_request', details: { phrase: 'talk to a person' } });
    expect(requestedHandoff([askForPerson], visitor('speak to sales rep'), catalog, new Set())).toMatchObject({ details: { phrase: 'sales rep' } });
    expect(requestedHandoff([askForPerson], visitor('real human please'), catalog, new Set())).toMatchObject({ ruleId: 'ask' });
    expect(requestedHandoff([askForPerson], visitor('Our sales reps need a mobile app'), catalog, new Set())).toBeUndefined();
    expect(requestedHandoff([askForPerson], visitor('can I talk to a person', 'ok, thanks'), catalog, new Set())).toBeUndefined();
  });

  it('a deal at or above the threshold, once per session; a visitor request first', () => {
    const big = visitor('We need forecasting for 40 reps.');
    expect(requestedHandoff([largeDeal], big, catalog, new Set())).toEqual({
      ruleId: 'large',
      reason: 'deal_value',
      details: { seats: 40, planId: 'growth', value: 23520, currency: 'USD', minValue: 20000 },
    });
    expect(requestedHandoff([largeDeal], big, catalog, new Set(['large']))).toBeUndefined();
    expect(requestedHandoff([{ ...largeDeal, minValue: 23521 }], big, catalog, new Set())).toBeUndefined();
    expect(requestedHandoff([largeDeal, askForPerson], visitor('40 reps on Growth; can I talk to a person?'), catalog, new Set())).toMatchObject({ ruleId: 'ask' });
  });

  it('disabled rules never fire; an agent turn last asks for nothing', () => {
    expect(requestedHandoff([{ ...askForPerson, enabled: false }, { ...largeDeal, enabled: false }], visitor('talk to a person, we are 500 users'), catalog, new Set())).toBeUndefined();
    expect(requestedHandoff([askForPerson], [{ role: 'agent', text: 'talk to a person' }], catalog, new Set())).toBeUndefined();
  });
});

describe('handoffRuleSchema', () => {
  it('accepts each kind with its parameters; enabled defaults to true', () => {
    expect(handoffRuleSchema.parse({ id: 'ask', kind: 'visitor_request', phrases: [' human please '] })).toEqual({ id: 'ask', kind: 'visitor_request', enabled: true, phrases: ['human please'] });
    expect(handoffRuleSchema.parse({ id: 'big-deal', kind: 'deal_value', minValue: 5000, enabled: false })).toEqual({ id: 'big-deal', kind: 'deal_value', minValue: 5000, enabled: false });
  });

  it('refuses the other kind’s parameters, bad ids and empty lists', () => {
    for (const bad of [
      { id: 'x', kind: 'deal_value', phrases: ['a b'], minValue: 1 },
      { id: 'x', kind: 'visitor_request', phrases: [] },
      { id: 'X Y', kind: 'deal_value', minValue: 1 },
      { id: 'x', kind: 'deal_value', minValue: 0 },
      { id: 'x', kind: 'escalate', minValue: 1 },
    ]) {
      expect(handoffRuleSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('PhraseMatchers', () => {
  afterEach(() => jest.restoreAllMocks());

  it('compiles a phrase when it comes into force, not per message; phrases are literal', () => {
    const matchers = new PhraseMatchers();
    const literal: HandoffRule = { id: 'odd', kind: 'visitor_request', enabled: true, phrases: ['(a+)+$'] };
    const compile = jest.spyOn(RE2JS, 'compile');
    for (const text of ['talk to a person', 'hello', 'a'.repeat(MAX_TURN_CHARS - 1) + 'b']) requestedHandoff([askForPerson, literal], visitor(text), catalog, new Set(), matchers);
    expect(compile).toHaveBeenCalledTimes(askForPerson.phrases.length + 1);
    expect(requestedHandoff([literal], visitor('I typed (a+)+$ by mistake'), catalog, new Set(), matchers)).toMatchObject({ ruleId: 'odd' });
    expect(compile).toHaveBeenCalledTimes(askForPerson.phrases.length + 1);
  });
});
