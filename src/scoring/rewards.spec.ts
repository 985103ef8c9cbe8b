import { shippedCatalog } from '../catalog';
import { sessionReward } from './session-reward';
import { defaultTurnRewardWeights, TURN_REWARD_TERMS } from './turn-reward';
import { defaultRewardConfig, TurnScoring, turnRewardTerms } from './turn-scoring';
import { HistoryTurn } from './types';

const defaultCatalog = shippedCatalog();

const visitor = (text: string): HistoryTurn => ({ role: 'visitor', text });
const agent = (text: string): HistoryTurn => ({ role: 'agent', text });
const terms = (reply: string, history: HistoryTurn[] = []) => turnRewardTerms(reply, history, defaultCatalog);

describe('turn reward r_t', () => {
  it('is exactly 0, every term 0, on a clean reply that answers the question', () => {
    const r = terms('Yes, the mobile app is included from the Starter plan.', [visitor('Do you have a mobile app?')]);
    expect(r.terms).toEqual({ compliance: 0, repetition: 0, bot_style: 0, fluency: 0, unanswered: 0, wrong_fact: 0 });
    expect(r.reward).toBe(0);
  });

  it('each term fires on the reply that breaks it, and only then', () => {
    const asked = [visitor('Do you have a mobile app?')];
    const answer = 'Yes, the mobile app is included from the Starter plan.';
    const fired = (reply: string, history: HistoryTurn[] = asked) =>
      Object.entries(terms(reply, history).terms)
        .filter(([, v]) => v > 0)
        .map(([k]) => k);
    expect(fired(`${answer} We guarantee results in a month.`)).toEqual(['compliance']);
    expect(fired(answer, [...asked, agent(answer), visitor('Do you have a mobile app?')])).toEqual(['repetition', 'unanswered']);
    expect(fired(`${answer} I hope this helps.`)).toEqual(['bot_style']);
    expect(fired('Yes, the mobile app is included from the Starter plan and')).toEqual(['fluency']);
    expect(fired('We have lots of great plans for teams.')).toEqual(['unanswered']);
    expect(fired('Yes, the mobile app is included from the Starter plan, with a 30-day free trial.')).toEqual(['wrong_fact']);
  });

  it('a wrong seat total or a plan that cannot serve the stated needs is a wrong fact', () => {
    const history = [visitor('We need revenue forecasting. We are 25 people.')];
    expect(terms('Revenue forecasting comes with Growth, $1,225 a month for your team at $49 a seat.', history).terms.wrong_fact).toBe(0);
    expect(terms('Revenue forecasting comes with Growth, $980 a month for your team at $49 a seat.', history).terms.wrong_fact).toBe(1);
    expect(terms("Revenue forecasting is popular. I'd recommend Starter for you.", history).terms.wrong_fact).toBe(1);
  });

  it('every term stays in [0, 1] and r_t in [−1, 1], however bad the reply', () => {
    const awful = "Great question! I'd be happy to help. No, I'm a real person, not a bot. Starter includes SSO for $7, 90% off, guaranteed results! Thank you for reaching out! and";
    const r = terms(awful, [visitor('Are you a bot?'), agent(awful), visitor('How much is it?')]);
    for (const t of TURN_REWARD_TERMS) {
      expect(r.terms[t]).toBeGreaterThanOrEqual(0);
      expect(r.terms[t]).toBeLessThanOrEqual(1);
    }
    expect(r.reward).toBe(-1);
  });

  it('is the negated weighted sum of its terms, with configurable weights', () => {
    const history = [visitor('Do you have a mobile app?')];
    const reply = 'We have lots of great plans for teams. I hope this helps.';
    const r = terms(reply, history);
    const expected = -TURN_REWARD_TERMS.reduce((s, t) => s + defaultTurnRewardWeights[t] * r.terms[t], 0);
    expect(r.reward).toBeCloseTo(expected, 12);
    const onlyUnanswered = turnRewardTerms(reply, history, defaultCatalog, { ...defaultTurnRewardWeights, bot_style: 0, unanswered: 1 });
    expect(onlyUnanswered.reward).toBe(-1);
    expect(new TurnScoring(defaultCatalog).score(reply, history).total).toBe(r.reward);
  });

  it('the default config pairs the default weights with the deal-value session reward', () => {
    expect(defaultRewardConfig).toEqual({ turnWeights: defaultTurnRewardWeights, sessionReward: 'value' });
  });
});

describe('session reward R', () => {
  it('is the deal value by default, 1 for a conversion when binary, 0 without one', () => {
    expect(sessionReward({ converted: true, value: 14700 })).toBe(14700);
    expect(sessionReward({ converted: true, value: 14700 }, 'conversion')).toBe(1);
    expect(sessionReward({ converted: false, value: 5000 })).toBe(0);
    expect(sessionReward({ converted: false, value: 5000 }, 'conversion')).toBe(0);
  });
});
