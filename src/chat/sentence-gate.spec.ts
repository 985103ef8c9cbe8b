import { shippedCatalog } from '../catalog';
import { defaultComplianceRules, HistoryTurn, TurnScoring } from '../scoring';
import { SentenceGate } from './sentence-gate';

const scoring = new TurnScoring(shippedCatalog());
const asked: HistoryTurn[] = [{ role: 'visitor', text: 'Are you a bot? How much is Growth?' }];

/** One sentence breaking each blocking default rule (the visitor asked whether a bot is answering). */
const breaking: Record<string, string> = {
  'no-guaranteed-results': 'We guarantee results in the first month.',
  'catalog-price': 'Growth is $17 per seat a month.',
  'catalog-discount': 'I can give you 70% off today.',
  'promise-outside-policy': 'You get a lifetime deal if you sign now.',
  'no-credentials-in-chat': 'Please send me your card number here.',
  'no-false-urgency': 'Only 3 seats are left at this price.',
  'ai-disclosure': "I'm a real person on the sales team.",
  'ai-question-unanswered': 'Growth is $59 per seat a month.',
};
const disclosure = "I'm an AI assistant for Pipewise.";

describe('SentenceGate', () => {
  it('covers every blocking default rule in these cases', () => {
    expect(Object.keys(breaking).sort()).toEqual(defaultComplianceRules.filter((r) => r.severity === 'block').map((r) => r.id).sort());
  });

  // The gate sends a prefix that passes and stops at one that blocks; that is only safe if no later
  // sentence can clear a block. Only the disclosure rule waits for the rest of the reply.
  it.each(Object.entries(breaking))('%s: a sentence breaking it is decided as soon as it is complete', (rule, sentence) => {
    const gate = new SentenceGate(scoring, asked);
    const alone = gate.check(sentence, false);
    const followed = gate.check(`${sentence} ${disclosure} Shall I start a trial?`, true);
    if (rule === 'ai-question-unanswered') {
      expect(alone).toEqual({ kind: 'hold', rules: [rule] });
      expect(gate.check(sentence, true)).toEqual({ kind: 'block', rules: [rule] });
      expect(followed).toEqual({ kind: 'pass' });
    } else {
      expect(alone).toMatchObject({ kind: 'block', rules: expect.arrayContaining([rule]) });
      expect(followed).toMatchObject({ kind: 'block', rules: expect.arrayContaining([rule]) });
    }
  });

  it('a visitor who did not ask about bots: nothing is held', () => {
    const gate = new SentenceGate(scoring, [{ role: 'visitor', text: 'How much is Growth?' }]);
    expect(gate.check('Growth is $59 per seat a month.', false)).toEqual({ kind: 'pass' });
  });
});
