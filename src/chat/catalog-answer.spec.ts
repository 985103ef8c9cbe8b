import { ProductCatalog, shippedCatalog } from '../catalog';
import { answers, HistoryTurn, readReply, TurnScoring, visitorAsks } from '../scoring';
import { askBack, catalogAnswer } from './catalog-answer';
import { SentenceGate } from './sentence-gate';

const catalog = shippedCatalog();
const scoring = new TurnScoring(catalog);
const visitor = (text: string): HistoryTurn[] => [{ role: 'visitor', text }];

describe('catalogAnswer', () => {
  // One message per kind of ask the reading sees (and each objection), plus two asks in one message.
  const messages = [
    'How much does it cost?',
    'What does Enterprise cost?',
    'We are 12 people, what would Growth cost us?',
    'Any discounts for nonprofits?',
    'Does it have workflow automation?',
    'That is too expensive for us, can you do anything?',
    'Is our data secure with you?',
    'Can we cancel any time?',
    'Is there a free trial?',
    'Does it integrate with Slack?',
    'We use spreadsheets, is moving over hard?',
    'What is the next step?',
    'Can I talk to a real person please?',
    'Is there a refund if we cancel an annual plan?',
    'Is the mobile app on Starter, and how much is Growth?',
  ];

  it.each(messages)('answers every ask the reading sees in %j, breaking no rule, and the gate lets it open the reply', (message) => {
    const history = visitor(message);
    const asks = visitorAsks(message, catalog);
    expect(asks.length).toBeGreaterThan(0);
    const answer = catalogAnswer(history, catalog);
    const reading = readReply(answer, [], catalog);
    for (const ask of asks) expect({ ask, answered: answers(reading, ask) || (ask.kind === 'person' && reading.disclosesAi) }).toEqual({ ask, answered: true });
    expect(scoring.violations(answer, history)).toEqual([]);
    expect(new SentenceGate(scoring, history).check(answer, true, true)).toEqual({ kind: 'pass' });
  });

  it('works out the total for the seats on the plan the message names, or the next plan when they do not fit, or the one that serves the needs', () => {
    expect(catalogAnswer(visitor('We are 12 people, what would Growth cost us?'), catalog)).toBe('12 seats on Growth: 12 × $59 = $708 a month, or 12 × $49 = $588 a month with annual billing.');
    expect(catalogAnswer(visitor('How much is Starter for 15 users?'), catalog)).toBe('15 seats need Growth (Starter goes up to 10): 15 × $59 = $885 a month, or 15 × $49 = $735 a month with annual billing.');
    expect(catalogAnswer(visitor('What does Enterprise cost?'), catalog)).toBe('Enterprise is $99 per seat a month, or $83 per seat a month with annual billing.');
    // No plan named: the cheapest that takes the seats and serves what the visitor said it needs, earlier in the session too.
    const needs: HistoryTurn[] = [{ role: 'visitor', text: 'We need workflow automation.' }, { role: 'agent', text: 'Growth has it.' }, { role: 'visitor', text: 'How much for 6 users?' }];
    expect(catalogAnswer(needs, catalog)).toBe('6 seats fit Growth: 6 × $59 = $354 a month, or 6 × $49 = $294 a month with annual billing.');
    expect(catalogAnswer(visitor('How much for 6 users?'), catalog)).toMatch(/^6 seats fit Starter: /);
    const onStarter: HistoryTurn[] = [...needs.slice(0, 2), { role: 'visitor', text: 'How much is Starter for 6 users?' }];
    expect(catalogAnswer(onStarter, catalog)).toMatch(/^6 seats need Growth \(Starter doesn't include workflow automation\): 6 × \$59 = \$354/);
    // The seats the gate reads: those the first price is asked for, not a count stated after it.
    expect(catalogAnswer(visitor("We're 12 people. How much is Growth? We might grow to 30 users next year."), catalog)).toMatch(/^12 seats on Growth: /);
    expect(catalogAnswer(visitor('Enterprise price per seat? And what would 30 users on Growth cost?'), catalog)).toBe(
      'Growth is $59 per seat a month, or $49 per seat a month with annual billing. Enterprise is $99 per seat a month, or $83 per seat a month with annual billing.',
    );
  });

  it("another site's catalog: cents, one plan, no trial, seats no plan takes", () => {
    const site: ProductCatalog = {
      ...catalog,
      plans: [{ id: 'solo', name: 'Solo', monthlyPricePerSeat: 19.99, annualPricePerSeatPerMonth: 16.5, maxSeats: 20, features: Object.keys(catalog.features) }],
      trial: { days: 0, creditCardRequired: false },
    };
    expect(catalogAnswer(visitor('How much for 5 users?'), site)).toBe('5 seats fit Solo: 5 × $19.99 = $99.95 a month, or 5 × $16.50 = $82.50 a month with annual billing.');
    expect(catalogAnswer(visitor('How much does it cost?'), site)).toBe('Solo is $19.99 per seat a month, or $16.50 per seat a month with annual billing.');
    expect(catalogAnswer(visitor('How much for 50 users?'), site)).toBe('Solo, our largest plan, goes up to 20 seats; someone from our team can follow up by email about a team of 50.');
    expect(catalogAnswer(visitor('Thanks!'), site)).toBe('Could you tell me a bit more about what you\'d like to know about Pipewise? I can help with plans, pricing and features.');
    for (const message of ['How much for 5 users?', 'Is there a free trial?', 'What is the next step?']) {
      expect(new TurnScoring(site).violations(catalogAnswer(visitor(message), site), visitor(message))).toEqual([]);
    }
  });

  it('asks back when the catalog has nothing to say to the message', () => {
    for (const text of ["what's 17 times 23", 'Thanks a lot!', 'Are there long-term obligations?']) expect(catalogAnswer(visitor(text), catalog)).toBe(askBack(catalog));
    expect(scoring.violations(askBack(catalog), visitor('Thanks a lot!'))).toEqual([]);
  });
});
