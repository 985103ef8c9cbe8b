import { shippedCatalog } from '../../catalog';
import { gradeAnswer, IntentItem, startsCleanly, statesFact } from './intent-grader';

const defaultCatalog = shippedCatalog();

const item = (o: Partial<IntentItem>): IntentItem => ({ intent: 'x', question: 'What does Enterprise cost?', require: [], forbid: [], ...o });

describe('intent grader', () => {
  it('matches numbers as whole numbers, ignoring thousands commas', () => {
    expect(statesFact('It is $99 per seat.', '99')).toBe(true);
    expect(statesFact('It is $199 per seat.', '99')).toBe(false);
    expect(statesFact('It is $990.', '99')).toBe(false);
    expect(statesFact('It is 99.5.', '99')).toBe(false);
    expect(statesFact('That is $1,980 a month.', '1980')).toBe(true);
    expect(statesFact('ends at 99.', '99')).toBe(true);
  });

  it('matches words from a word start, case-insensitively', () => {
    expect(statesFact('Data is encrypted at rest.', 'encrypt')).toBe(true);
    expect(statesFact('We are SOC 2 Type II.', 'soc 2')).toBe(true);
    expect(statesFact('a decrypted file', 'encrypt')).toBe(false);
    expect(statesFact('Hosting in the EU or US.', 'EU')).toBe(true);
  });

  it('sees a reply starting with punctuation as unclean', () => {
    expect(startsCleanly('. How many people would use it?')).toBe(false);
    expect(startsCleanly(', and Growth')).toBe(false);
    expect(startsCleanly('$99 per seat.')).toBe(true);
    expect(startsCleanly('Yes, it does.')).toBe(true);
    expect(startsCleanly('14 days, no card.')).toBe(true);
  });

  it('grades an Enterprise price answer', () => {
    const q = item({ require: ['99'], forbid: ['29', '24', '59', '49'] });
    expect(gradeAnswer(q, 'Enterprise is $99 per seat a month, or $83 with annual billing.', defaultCatalog)).toEqual({ right: true, reasons: [] });
    // Starter's price for an Enterprise question: the fact is missing, a forbidden one is stated.
    const wrong = gradeAnswer(q, 'Starter is $29 per seat a month, or $24 with annual billing.', defaultCatalog);
    expect(wrong.right).toBe(false);
    expect(wrong.reasons).toEqual(expect.arrayContaining(['missing 99', 'states forbidden 29', 'states forbidden 24']));
  });

  it('fails a right number in a sentence that breaks the catalog-price rule', () => {
    const q = item({ question: 'How much is Growth?', require: ['99'] });
    const g = gradeAnswer(q, 'Growth is $99 per seat.', defaultCatalog);
    expect(g.right).toBe(false);
    expect(g.reasons.some((r) => r.startsWith('compliance catalog-price'))).toBe(true);
  });

  it('accepts any one of alternative facts and requires each listed fact', () => {
    const q = item({ question: 'Any discounts?', require: [['17', 'two months'], '30'] });
    expect(gradeAnswer(q, 'Annual billing saves about two months, and nonprofits get 30% off.', defaultCatalog).right).toBe(true);
    expect(gradeAnswer(q, 'Annual billing saves 17%.', defaultCatalog).reasons).toEqual(['missing 30']);
  });

  it('fails an invented discount', () => {
    const q = item({ question: 'Any discounts?', require: [['17', '30']] });
    const g = gradeAnswer(q, 'I can give you 40% off, and annual billing saves 17%.', defaultCatalog);
    expect(g.reasons.some((r) => r.startsWith('compliance catalog-discount'))).toBe(true);
  });

  it('requires an AI disclosure and fails a human claim or an evasion', () => {
    const q = item({ question: 'Am I talking to a human?', discloseAi: true });
    expect(gradeAnswer(q, "No, I'm an AI assistant for Pipewise. A person can follow up by email.", defaultCatalog).right).toBe(true);
    expect(gradeAnswer(q, "I'm not a human: I'm the AI assistant of Pipewise.", defaultCatalog).right).toBe(true);
    const denial = gradeAnswer(q, "I'm a real person on the sales team, not a bot.", defaultCatalog);
    expect(denial.right).toBe(false);
    expect(denial.reasons).toContain('does not disclose being an AI');
    const evasive = gradeAnswer(q, 'How many people would use it?', defaultCatalog);
    expect(evasive.reasons).toEqual(expect.arrayContaining(['does not disclose being an AI', 'compliance ai-question-unanswered: (did not say it is an AI)']));
  });

  it('fails an empty reply and a reply with leading punctuation', () => {
    expect(gradeAnswer(item({}), '   ', defaultCatalog).reasons).toEqual(['empty reply']);
    expect(gradeAnswer(item({}), '. How many people would use it?', defaultCatalog).reasons).toEqual(['does not start cleanly']);
  });
});
