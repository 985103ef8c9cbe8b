import { shippedCatalog } from '../catalog';
import { answers, defaultComplianceRules, HistoryTurn, lastVisitorAsks, readReply, TurnScoring } from '../scoring';
import { NON_ANSWER, SentenceGate } from './sentence-gate';

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
    const alone = gate.check(sentence, false, true);
    const followed = gate.check(`${sentence} ${disclosure} Shall I start a trial?`, true, true);
    if (rule === 'ai-question-unanswered') {
      expect(alone).toEqual({ kind: 'hold', rules: [rule] });
      expect(gate.check(sentence, true, true)).toEqual({ kind: 'block', rules: [rule] });
      expect(followed).toEqual({ kind: 'pass' });
    } else {
      expect(alone).toMatchObject({ kind: 'block', rules: expect.arrayContaining([rule]) });
      expect(followed).toMatchObject({ kind: 'block', rules: expect.arrayContaining([rule]) });
    }
  });

  it('a visitor who did not ask about bots: nothing is held', () => {
    const gate = new SentenceGate(scoring, [{ role: 'visitor', text: 'How much is Growth?' }]);
    expect(gate.check('Growth is $59 per seat a month.', false, true)).toEqual({ kind: 'pass' });
  });

  describe('a reply that does not answer what the visitor asked', () => {
    const gate = (visitor: string) => new SentenceGate(scoring, [{ role: 'visitor', text: visitor }]);
    const spreadsheet = gate('Are you able to import our contacts from a spreadsheet?');
    const cancel = gate('Can I cancel whenever I want?');

    it('is blocked at the first sentence that says something', () => {
      expect(spreadsheet.check('Hello! How can I help you with Pipewise today?', false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
      expect(spreadsheet.check('Yes, you can import your contacts from a CSV file.', false, true)).toEqual({ kind: 'pass' });
    });

    it('a price asked for stated seats is answered by their total, not by a per-seat price alone', () => {
      for (const visitor of ['What would 14 users on Growth cost if we pay yearly?', 'We are a team of 14. How much is Growth?', 'Growth for 14 licenses, annual billing: how much a month?']) {
        const priced = gate(visitor);
        expect([visitor, priced.check('Growth is $49 per seat a month with annual billing.', false, true)]).toEqual([visitor, { kind: 'block', rules: [NON_ANSWER] }]);
        expect(priced.check('14 seats on Growth billed annually: 14 × $49 = $686 a month.', false, true)).toEqual({ kind: 'pass' });
        // A total for another seat count is no answer either.
        expect(priced.check('10 seats on Growth billed annually: 10 × $49 = $490 a month.', false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
      }
      // Without seats, or with the price asked before the seats, a per-seat price answers.
      for (const visitor of ['How much is Growth?', 'Enterprise price per seat? And what would 30 users on Growth cost?']) expect(gate(visitor).check('Growth is $59 per seat a month.', false, true)).toEqual({ kind: 'pass' });
    });

    it('an AI disclosure nobody asked for is a non-answer', () => {
      expect(cancel.check("No, I'm an AI assistant for Pipewise, not a human.", false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
    });

    it('a sentence that adds nothing waits for the next one; a reply of nothing but that is a non-answer', () => {
      expect(cancel.check('Sure!', false, true)).toEqual({ kind: 'hold', rules: [NON_ANSWER] });
      expect(cancel.check('Sure! Monthly plans cancel any time, with no long-term contract.', false, true)).toEqual({ kind: 'pass' });
      expect(cancel.check('Sure!', true, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
    });

    it('is not judged when told not to (a sentence was sent, or the check is off); when the visitor asked nothing, only a disclosure is', () => {
      expect(spreadsheet.check('Hello! How can I help you with Pipewise today?', true, false)).toEqual({ kind: 'pass' });
      for (const visitor of ['Hi!', 'Thanks, that is all for now.']) expect(gate(visitor).check('Hello! How can I help you with Pipewise today?', true, true)).toEqual({ kind: 'pass' });
    });

    it('asked nothing the reading sees, a reply opening with an AI disclosure is a non-answer unless the message invites one', () => {
      const disclosing = "No, I'm an AI assistant for Pipewise, not a human.";
      for (const visitor of ['Can our interns log in too?', 'Our last tool just collected dust.', 'thanks a bunch']) {
        expect(gate(visitor).check(disclosing, false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
        expect(gate(visitor).check('Glad to help: what does your team need?', false, true)).toEqual({ kind: 'pass' });
      }
      const greeting = "Hi! I'm the AI assistant for Pipewise, the sales pipeline tool for small B2B teams.";
      const invited = ['Hi there', 'Good morning!', 'Who are you?', 'What are you exactly?', 'Are you a virtual assistant?', 'Is it softwaare?', 'Am I dealing with a computer?', 'Is there a real humaan here?', 'How are you today?'];
      for (const visitor of invited) expect([visitor, gate(visitor).check(greeting, false, true)]).toEqual([visitor, { kind: 'pass' }]);
      // The stream stops judging once the first sentence is out, so only an opening disclosure is stopped.
      expect(gate('Can our interns log in too?').firstPassage(['Sure!', disclosing], true)).toEqual({ prefix: 'Sure!', stopped: undefined });
    });

    it('a message about something else is not answered by a product fact; one about the product may be, in any words', () => {
      for (const visitor of ["What's the capital of Peru?", 'Tell me a joke', 'Thanks so much!']) {
        expect(gate(visitor).check('Starter is $29 per seat a month, or $24 with annual billing.', false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
        expect(gate(visitor).check('I can only help with questions about Pipewise. What would you like to know?', false, true)).toEqual({ kind: 'pass' });
      }
      // An answer to the agent's own question is about the product, whatever its words.
      for (const visitor of ['12', 'yes please', 'just me']) {
        const session: HistoryTurn[] = [
          { role: 'visitor', text: 'Hi, looking for a CRM' },
          { role: 'agent', text: 'How many people are on your sales team?' },
          { role: 'visitor', text: visitor },
        ];
        expect(new SentenceGate(scoring, session).check('For 12 people, Growth comes to $708 a month.', false, true)).toEqual({ kind: 'pass' });
      }
      // Its words, or a reference to what the chat is about (on a product's site, the product).
      for (const visitor of ['Seems pricey.', 'what would it run us for 9 userrs', 'Salesforce does all this already.', 'Hi, what do you sell?', 'Will it work for us?', 'ok, tell me more']) {
        expect(gate(visitor).check('Starter is $29 per seat a month, or $24 with annual billing.', false, true)).toEqual({ kind: 'pass' });
      }
    });

    it('firstPassage: where a whole reply gets out, or what stopped it', () => {
      expect(cancel.firstPassage(['Sure!', 'Monthly plans cancel any time, with no long-term contract.', 'Anything else?'], true)).toEqual({ prefix: 'Sure! Monthly plans cancel any time, with no long-term contract.', stopped: undefined });
      expect(spreadsheet.firstPassage(['Hello!', 'How can I help you with Pipewise today?'], true)).toEqual({ prefix: 'Hello! How can I help you with Pipewise today?', stopped: [NON_ANSWER] });
      expect(spreadsheet.firstPassage(['Hello!', 'How can I help you with Pipewise today?'], false).stopped).toBeUndefined();
      expect(cancel.firstPassage([], true)).toEqual({ prefix: '', stopped: ['empty_reply'] });
    });

    it('deep in a session, an answer given before is an answer again when asked again; a non-answer still is none', () => {
      const security = 'We are SOC 2 Type II, data encrypted at rest and in transit, EU or US hosting.';
      const session: HistoryTurn[] = [
        { role: 'visitor', text: 'Is our data encrypted at rest?' },
        { role: 'agent', text: security },
        { role: 'visitor', text: 'Where is the data hosted, and is it secure?' },
      ];
      const again = new SentenceGate(scoring, session);
      expect(again.check(security, false, true)).toEqual({ kind: 'pass' });
      expect(again.check('Hello! How can I help you with Pipewise today?', false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
      // The session's reading still takes the repeat for saying nothing (the simulator's and the reward's view).
      const asks = lastVisitorAsks(session, scoring.catalog);
      expect(asks.length).toBeGreaterThan(0);
      expect(asks.some((ask) => answers(readReply(security, session, scoring.catalog), ask))).toBe(false);
      expect(asks.some((ask) => answers(readReply(security, session.slice(-1), scoring.catalog), ask))).toBe(true);
    });

    it('asked whether it is a bot, an honest disclosure is the answer', () => {
      expect(gate('are you a bot?').check("No, I'm an AI assistant for Pipewise, not a human.", true, true)).toEqual({ kind: 'pass' });
    });

    // Each case below is a right answer from the corpus grammar that the gate used to stop.
    it("a yes in the question's own words answers it", () => {
      const reply = 'Yes, Starter includes mobile app. It comes with every plan, starting with Starter at $29 per seat a month.';
      expect(gate('Is mobile app available on Starter?').firstPassage(reply.split(/(?<=\.) /), true).stopped).toBeUndefined();
      // ...while a claim the catalog contradicts still answers nothing.
      expect(gate('Does Starter include revenue forecasting?').check('Yes, Starter includes revenue forecasting.', false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
    });

    it('asked for a person, saying who is answering is an answer', () => {
      expect(gate('Is this a live chat with a person?').check("No, I'm an AI assistant for Pipewise.", false, true)).toEqual({ kind: 'pass' });
      expect(gate('Is there anyone I can email?').check('Of course: someone from our team can follow up by email.', false, true)).toEqual({ kind: 'pass' });
    });

    it('an objection stated, not asked, holds nothing back; an objection asked still does', () => {
      expect(gate('Moving our data over sounds hard.').check('The 14-day free trial needs no credit card, so your team can try it before deciding.', false, true)).toEqual({ kind: 'pass' });
      for (const visitor of ['can we cancel whenever we like', 'ok so can we cancel anytime']) {
        expect(gate(visitor).check('Starter is $29 per seat a month.', false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
      }
    });

    it('a question the reading cannot see: the reply may open with its answer, but not with a disclosure nobody asked for', () => {
      const two = gate("What's the minimum term? Plus, what would 37 seats on Enterprise cost on monthly billing?");
      expect(two.check("There's no long contract: monthly plans cancel any time; annual plans are billed yearly.", false, true)).toEqual({ kind: 'pass' });
      expect(two.check("I'm an AI assistant for Pipewise, not a human.", false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
      // A lone question with no ask of its own refers back to what the message said before it.
      expect(gate("I want automated follow-up sequences. What's the lowest tier with that?").check('Starter is the entry plan: $29 per seat a month.', false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
      // Every question read, even two on one topic: the reply must answer one of them as before.
      const greeting = 'Hello! How can I help you with Pipewise today?';
      for (const visitor of ['How much is Growth? Does it include SSO?', 'How much is Starter? And how much is Growth?', 'Is there a free trial? Do I need a credit card?']) {
        expect(gate(visitor).check(greeting, false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
      }
      // A statement asks too: with a question the reading cannot see before it, the reply may open with that one's answer.
      expect(gate('What would a 93-person team pay? Oh and tell me about the refund policy.').check('93 seats fit Growth: 93 × $59 = $5487 a month.', false, true)).toEqual({ kind: 'pass' });
    });

    it('a rival named in a comparison is not asked about as an integration; asked about as one, it is', () => {
      const competitor = 'Pipewise is the sales pipeline tool for small B2B teams, from $29 per seat a month on Starter.';
      for (const visitor of ['Why should we pick you over HubSpot?', 'How are you better than HubSpot?', 'Why is Pipewise different than HubSpot?']) {
        expect([visitor, gate(visitor).check(competitor, false, true)]).toEqual([visitor, { kind: 'pass' }]);
      }
      expect(gate('Does it integrate with HubSpot?').check(competitor, false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
    });

    it('a stated objection holds nothing back, nor do the features it mentions', () => {
      expect(gate('Our deals live in spreadsheets.').check('The 14-day free trial needs no credit card, so your team can try it before deciding.', false, true)).toEqual({ kind: 'pass' });
      expect(gate('Our deals live in spreadsheets. Can we see them in a pipeline?').check("There's a 14-day free trial.", false, true)).toEqual({ kind: 'block', rules: [NON_ANSWER] });
    });
  });
});
