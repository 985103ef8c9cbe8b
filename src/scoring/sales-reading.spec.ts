import { shippedCatalog } from '../catalog';
import { Rng } from '../engine/rng';
import { loadHeldOutPersonas, loadPersonaLibrary } from '../simulator/persona-library-loader';
import { VisitorLanguage } from '../simulator/visitor-language';
import { answers, featuresIn, OBJECTIONS, readReply, speaksOfProduct, statedNeeds, statedSeats, statesProductFact, visitorAsks, wrongSeatTotals } from './sales-reading';
import { wholePhrasePattern } from './text';
import { HistoryTurn } from './types';

const defaultCatalog = shippedCatalog();

const visitor = (text: string): HistoryTurn => ({ role: 'visitor', text });
const agent = (text: string): HistoryTurn => ({ role: 'agent', text });
const read = (reply: string, history: HistoryTurn[] = []) => readReply(reply, history, defaultCatalog);

describe('whole-word matching', () => {
  it('matches keywords as words, not inside other words', () => {
    expect(featuresIn('We are happy with our inbox.', defaultCatalog)).toEqual(['email-sync']);
    expect(featuresIn('Is there an app for my phone?', defaultCatalog)).toEqual(['mobile-app']);
    expect(featuresIn('Our capital city office is happy.', defaultCatalog)).toEqual([]);
    expect(wholePhrasePattern(['api']).test('an API.')).toBe(true);
    expect(wholePhrasePattern(['api']).test('rapid')).toBe(false);
  });

  it('"do you support" is not a need for a success manager', () => {
    expect(featuresIn('Do you support single sign-on?', defaultCatalog)).toEqual(['sso']);
  });
});

describe('what the visitor asks', () => {
  it('reads features, price, objections, next step and the bot question', () => {
    expect(visitorAsks('Do you have forecasting? How much would this cost for 25 people?', defaultCatalog)).toEqual([
      { kind: 'feature', feature: 'forecasting' },
      { kind: 'price' },
    ]);
    expect(visitorAsks('Is there a free trial?', defaultCatalog)).toEqual([{ kind: 'objection', objection: 'trial' }]);
    expect(visitorAsks('OK, what would be the next step?', defaultCatalog)).toEqual([{ kind: 'next-step' }]);
    expect(visitorAsks('Are you a bot?', defaultCatalog)).toEqual([{ kind: 'bot' }]);
    expect(visitorAsks("I'll need to think about it.", defaultCatalog)).toEqual([]);
  });

  it('reads through the letter-swap typos visitors make', () => {
    expect(visitorAsks('Do you hvae visual ppieline? How mcuh does it cost?', defaultCatalog)).toEqual([{ kind: 'feature', feature: 'pipeline' }, { kind: 'price' }]);
    expect(visitorAsks('Is there a free trail?', defaultCatalog)).toEqual([{ kind: 'objection', objection: 'trial' }]);
  });

  it('reads the seats and needs the visitor stated', () => {
    const history = [visitor('Hi, we are a 300-person firm and need SSO.'), agent('Sure.'), visitor('There are 120 of us; we also need an audit log.')];
    expect(statedSeats(history)).toBe(120);
    expect(statedNeeds(history, defaultCatalog)).toEqual(['sso', 'audit-log']);
  });
});

describe('is a message about the product at all?', () => {
  it('any word of the catalog, the cues or buying a sales tool, typos forgiven, says it is', () => {
    const about = ['Is Growth any good?', 'what would it run us for 9 users', 'Salesforce does all this already.', 'Do charities pay less?', 'priicing?', 'can i try it befor bbuying', 'Is there a user limit on Staretr?', 'Pricing for a teeam of 22?', 'Seems pricey.'];
    about.push("we're 20", 'We are a law firm', 'Do you prorate?', 'Can we add custom fields?', 'per-seat?', "We're happy with spresdsheets.");
    for (const m of about) expect([m, speaksOfProduct(m, defaultCatalog)]).toEqual([m, true]);
    // Function words of the catalog's feature names ("integrations with Slack, HubSpot and Zapier") are no product words.
    const other = ["What's the capital of Peru?", 'Tell me a joke', 'Thanks so much!', 'Who wrote Hamlet?', 'hey hey', 'Tell me a joke and a riddle', 'Can you help me with my homework?'];
    for (const m of other) expect([m, speaksOfProduct(m, defaultCatalog)]).toEqual([m, false]);
  });

  it('a product fact is an amount, a percentage, a number of days or a plan by name', () => {
    for (const r of ['Starter is $29 per seat a month.', 'We offer 17% off for annual billing.', 'There is a 14-day free trial.', 'Enterprise includes SSO.']) expect(statesProductFact(r, defaultCatalog)).toBe(true);
    for (const r of ["I can only help with questions about Pipewise.", "You're welcome! Anything else?", "Hi! I'm the AI assistant for Pipewise, the sales pipeline tool for small B2B teams."]) expect(statesProductFact(r, defaultCatalog)).toBe(false);
  });
});

describe('does a reply answer the ask?', () => {
  const asked = [visitor('Do you have a mobile app?')];
  const feature = { kind: 'feature', feature: 'mobile-app' } as const;

  it('a statement on the feature that adds something answers', () => {
    expect(answers(read('Yes, the mobile app is included from the Starter plan.', asked), feature)).toBe(true);
  });

  it('an echo, a question or agreeing without the feature does not', () => {
    expect(answers(read('A mobile app? Yes, a mobile app!', asked), feature)).toBe(false);
    expect(answers(read('Do you want the mobile app on Growth?', asked), feature)).toBe(false);
    expect(answers(read('Yes, absolutely, we can do that for you!', asked), feature)).toBe(false);
  });

  it('the same sentence said again is a repeat, not an answer', () => {
    const reply = 'Yes, the mobile app is included from the Starter plan.';
    expect(answers(read(reply, [...asked, agent(reply), visitor('Do you have a mobile app?')]), feature)).toBe(false);
  });

  it('a wrong plan-feature claim answers nothing', () => {
    expect(answers(read('Starter includes the mobile app and forecasting.', asked), feature)).toBe(false);
  });

  it('feature: a plan that does not have it answers too, even in the visitor\'s words', () => {
    const automation = { kind: 'feature', feature: 'automation' } as const;
    const asked = [visitor('Do I get workflow automation with Starter?')];
    expect(answers(read("No, Starter doesn't include workflow automation.", asked), automation)).toBe(true);
    expect(answers(read('Workflow automation? Workflow automation!', asked), automation)).toBe(false);
  });

  it('price: a stated amount; objection: its specific handling', () => {
    expect(answers(read('Growth is $59 per seat a month.'), { kind: 'price' })).toBe(true);
    expect(answers(read('It is very affordable for teams like yours.'), { kind: 'price' })).toBe(false);
    expect(answers(read('Annual billing saves about two months.'), { kind: 'objection', objection: 'price' })).toBe(true);
    expect(answers(read('We are the best value around, truly.'), { kind: 'objection', objection: 'price' })).toBe(false);
  });

  it('a price asked about as a discount: a percent off (or that there is none) answers it too, not a plain price', () => {
    expect(visitorAsks("We're a non-profit org, do you cut the price for us?", defaultCatalog)).toEqual([{ kind: 'price', discount: true }]);
    expect(visitorAsks('How much is Growth?', defaultCatalog)).toEqual([{ kind: 'price' }]);
    // A discount asked about without a price word; nonprofits and charities only next to one (two simulator personas' companies).
    expect(visitorAsks('Any promo codes?', defaultCatalog)).toEqual([{ kind: 'price', discount: true }]);
    expect(visitorAsks('Do you have a student discount?', defaultCatalog)).toEqual([{ kind: 'price', discount: true }]);
    expect(visitorAsks('Is there charity pricing?', defaultCatalog)).toEqual([{ kind: 'price', discount: true }]);
    expect(visitorAsks("Hi, I'm looking for a CRM with visual pipeline for a nonprofit.", defaultCatalog)).toEqual([{ kind: 'feature', feature: 'pipeline' }]);
    expect(visitorAsks('How much do we save by paying annually?', defaultCatalog)).toEqual([{ kind: 'price', discount: true }]);
    const discount = { kind: 'price', discount: true } as const;
    expect(answers(read('Yes: 30% off for registered nonprofits.'), discount)).toBe(true);
    expect(answers(read("There's no student discount, but annual billing is cheaper."), discount)).toBe(true);
    expect(answers(read('Yes: 30% off for registered nonprofits.'), { kind: 'price' })).toBe(false);
    expect(answers(read('We have great deals for teams like yours.'), discount)).toBe(false);
  });

  it('a request for a person: an offer of someone following up answers it', () => {
    for (const ask of ['Can I talk to somebody before I commit?', 'can a real human email me later', "Who handles larger deals? I'd like to speak to them.", 'Is there anyone I can email?', 'We want a demo with your team']) {
      expect(visitorAsks(ask, defaultCatalog)).toContainEqual({ kind: 'person' });
    }
    expect(visitorAsks('Can I talk about pricing?', defaultCatalog)).not.toContainEqual({ kind: 'person' });
    expect(answers(read('Sure, a person from our team can follow up by email whenever you like.'), { kind: 'person' })).toBe(true);
    expect(answers(read('Growth is $59 per seat a month.'), { kind: 'person' })).toBe(false);
  });

  it('a refund asked about: the refund policy answers it, the contract policy does not', () => {
    expect(visitorAsks('Is there a refund if we cancel an annual plan?', defaultCatalog)).toEqual([{ kind: 'objection', objection: 'contract' }, { kind: 'refund' }]);
    for (const ask of ['refunds?', 'Info on a money-back option please', 'What happens to our money if we cancel?']) expect(visitorAsks(ask, defaultCatalog)).toContainEqual({ kind: 'refund' });
    expect(answers(read('We offer pro-rated refunds within 30 days of an annual purchase.'), { kind: 'refund' })).toBe(true);
    expect(answers(read('No lock-in: monthly plans cancel any time; annual plans are billed yearly.'), { kind: 'refund' })).toBe(false);
  });

  it("a stock price is not the product's price", () => {
    expect(visitorAsks("What's the stock price of Apple?", defaultCatalog)).toEqual([]);
    expect(visitorAsks("What's the price of Growth?", defaultCatalog)).toEqual([{ kind: 'price' }]);
  });

  it('next step: an offer of an action, not a mention of the trial', () => {
    expect(read('Want me to start your free trial now?').proposesNextStep).toBe(true);
    expect(read('There is a 14-day free trial and no credit card is needed.').proposesNextStep).toBe(false);
  });

  it('bot question: only a disclosure answers', () => {
    expect(answers(read("Yes, I'm an AI assistant for Pipewise."), { kind: 'bot' })).toBe(true);
    expect(answers(read('I am here to help you choose a plan.'), { kind: 'bot' })).toBe(false);
  });
});

describe('plans, totals and facts', () => {
  it('a plan named alone with a price or a recommending word is a recommendation', () => {
    expect(read("I'd recommend Growth for your team.").recommendedPlan?.id).toBe('growth');
    expect(read('Growth is $59 per seat a month.').recommendedPlan?.id).toBe('growth');
    expect(read('Yes, the visual pipeline is included from the Starter plan.').recommendedPlan).toBeUndefined();
    expect(read('Starter is $29 and Growth is $59 per seat.').recommendedPlan).toBeUndefined();
  });

  it('annual billing is offered only when "annual" comes with a price or billing words', () => {
    expect(read('Growth is $49 billed annually.').mentionsAnnualBilling).toBe(true);
    expect(read('Annual plans save about two months.').mentionsAnnualBilling).toBe(true);
    expect(read('Our team has grown every year, twice a year.').mentionsAnnualBilling).toBe(false);
  });

  it('a total for another seat count is wrong; per seat, per year and the right total are not', () => {
    expect(wrongSeatTotals(read('Growth is $49 a seat, $588 a year, so $1,225 a month for 25 people.'), 25, defaultCatalog)).toEqual([]);
    expect(wrongSeatTotals(read('Growth comes to $490 a month for your team.'), 25, defaultCatalog)).toEqual([490]);
  });

  it('catalog contradictions are wrong facts; a negated or correct claim is not', () => {
    expect(read('Starter includes revenue forecasting.').wrongFacts).toEqual(['Starter includes revenue forecasting.']);
    expect(read('There is a 30-day free trial.').wrongFacts).toEqual(['30-day']);
    expect(read("Starter doesn't include forecasting; Growth does.").wrongFacts).toEqual([]);
    expect(read('Starter has the pipeline, and forecasting comes with Growth.').wrongFacts).toEqual([]);
  });
});

describe('statedSeats', () => {
  const seats = (text: string) => statedSeats([{ role: 'visitor', text }]);
  it("reads a seat count in the corpus grammar's forms, the last one stated", () => {
    expect(['25 people', '12 licenses', '20 sellers', 'a team of 8', 'our team is 6', 'there are 7 of us'].map(seats)).toEqual([25, 12, 20, 8, 6, 7]);
    expect(seats('We were 5 users, now 9 users.')).toBe(9);
    expect(['We have 3 pipelines', 'Growth is $59', 'just me, 1 user', "we're a 4-person agency", 'Our team is 50% in Europe', 'our team is 100 percent remote'].map(seats)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

/** The seats the reading took from a message before it knew licenses, sellers and teams of N. */
function seatsAsFirstRead(text: string): number | undefined {
  let seats: number | undefined;
  for (const m of text.matchAll(/\b(\d{1,5})\s+(?:people|users|seats|reps|of us)\b/gi)) seats = Number(m[1]);
  return seats;
}

describe("the rule-based visitor's language", () => {
  // The asks added for live visitors (a discount without a price word, new ways of asking for a
  // person or whether a bot is answering) must leave the simulator's and the reward's reading of
  // its sessions as it was: none of its lines read as any of them but its bot question (as before).
  it('never reads as a discount ask, a request for a person or a refund question, nor as "are you a bot?" but when it asks that, and states seats only as before', () => {
    const personas = [...loadPersonaLibrary(defaultCatalog), ...loadHeldOutPersonas(defaultCatalog)];
    for (const persona of personas) {
      for (let seed = 1; seed <= 30; seed++) {
        const language = new VisitorLanguage(persona, defaultCatalog, new Rng(seed));
        const asked = [language.opening(), language.askFeatures(persona.needs), language.answerDiscovery(persona.needs), language.askPrice(), ...OBJECTIONS.map((o) => language.raiseObjection(o))];
        const lines = [...asked, ...asked.map((line) => language.repeat(line)), language.askNextStep(), language.accept(), language.decline(), language.leave(true), language.leave(false)];
        for (const line of lines) {
          const asks = visitorAsks(line, defaultCatalog);
          expect(asks).not.toContainEqual({ kind: 'person' });
          expect(asks).not.toContainEqual({ kind: 'refund' });
          expect(asks).not.toContainEqual({ kind: 'price', discount: true });
          expect([line, asks.some((a) => a.kind === 'bot')]).toEqual([line, false]);
          // Seat counts in the forms read for live visitors ("12 licenses", "a team of 8") are not its words: its lines read the seats they did.
          expect([line, statedSeats([{ role: 'visitor', text: line }])]).toEqual([line, seatsAsFirstRead(line)]);
        }
        expect(visitorAsks(language.askIfBot(), defaultCatalog)).toEqual([{ kind: 'bot' }]);
      }
    }
  });
});
