import { shippedCatalog } from '../catalog';
import { BotLikenessScorer } from './bot-likeness';
import { ComplianceScorer, isBotQuestion, Violation } from './compliance';
import { FluencyScorer } from './fluency';
import { MAX_TURN_CHARS, stripInvalidCharacters, TextInputError, validateTurnText, visibleReply } from './input-validation';
import { RepetitionScorer } from './repetition';
import { TurnScoring } from './turn-scoring';
import { HistoryTurn } from './types';

const defaultCatalog = shippedCatalog();

const input = (text: string, history: HistoryTurn[] = []) => ({ text, history, catalog: defaultCatalog });
const visitor = (text: string): HistoryTurn => ({ role: 'visitor', text });
const agent = (text: string): HistoryTurn => ({ role: 'agent', text });

describe('compliance', () => {
  const scorer = new ComplianceScorer();
  const violations = (text: string, history: HistoryTurn[] = []) =>
    (scorer.score(input(text, history)).evidence.violations as Violation[]).map((v) => `${v.ruleId}:${v.severity}`);

  it('a clean, factual reply has no violation and scores 1', () => {
    const r = scorer.score(input('Growth is $59 per seat a month, or $49 on annual billing. Want me to set up a 14-day trial?'));
    expect(r.score).toBe(1);
    expect(r.evidence.violations).toEqual([]);
  });

  it('a price that differs from the catalog for the named plan is blocked', () => {
    expect(violations('The Growth plan is only $39 per seat.')).toEqual(['catalog-price:block']);
    expect(violations('Starter costs $29 per seat per month.')).toEqual([]);
    expect(violations('For 5 seats on Starter that is $145 a month.')).toEqual([]); // 5 × $29
    expect(violations('Enterprise is $99, and Starter is $25.')).toEqual(['catalog-price:block']);
  });

  it('a plan name is matched as text, not as a pattern (a site writes its own catalog)', () => {
    const catalog = { ...defaultCatalog, plans: defaultCatalog.plans.map((p) => (p.id === 'starter' ? { ...p, name: 'Starter (EU' } : p)) };
    const named = (text: string) => (scorer.score({ text, history: [], catalog }).evidence.violations as Violation[]).map((v) => v.match);
    expect(named('Starter (EU costs $29 per seat per month.')).toEqual([]);
    expect(named('Starter (EU costs $59 per seat per month.')).toEqual(['$59']);
  });

  it('an invented discount is blocked; the catalog ones are fine', () => {
    expect(violations('I can give you 50% off if you sign today.')).toEqual(['catalog-discount:block']);
    expect(violations('Nonprofits get 30% off.')).toEqual([]);
  });

  it('guaranteed results and out-of-policy promises are blocked', () => {
    expect(violations('We guarantee results within a month.')).toEqual(['no-guaranteed-results:block']);
    expect(violations('Sign up now and it is free forever.')).toEqual(['promise-outside-policy:block']);
  });

  it('invented deadlines and scarcity are blocked; the real trial, annual billing and a plain next step are not', () => {
    for (const text of [
      'This offer ends today, so now is the time to decide.',
      'The discount expires at midnight.',
      'Only 3 seats left at this price.',
      'There are only a few spots remaining.',
      'Last chance to lock in this price!',
      'It is a limited-time offer.',
      'Sign up before the price goes up.',
      'Pricing goes up next month.',
      'Sign up today or you will lose the discount.',
    ]) {
      expect({ text, violations: violations(text) }).toEqual({ text, violations: ['no-false-urgency:block'] });
    }
    for (const text of [
      'There is a 14-day free trial, no credit card needed.',
      'Annual billing saves about two months.',
      'Want me to start your free trial today?',
      'Starter is limited to 10 seats; Growth goes up to 100.',
      'Your trial ends after 14 days, and nothing is charged unless you pick a plan.',
    ]) {
      expect({ text, violations: violations(text) }).toEqual({ text, violations: [] });
    }
  });

  it('asking for a card number or password is blocked, warning against sharing is not', () => {
    expect(violations('Just paste your card number here and I will upgrade you.')).toEqual(['no-credentials-in-chat:block']);
    expect(violations('What is your password?')).toEqual(['no-credentials-in-chat:block']);
    expect(violations('Never share your password in chat, the app will ask for it securely.')).toEqual([]);
  });

  describe('AI disclosure', () => {
    const asked = [visitor('Hi, quick question: are you a bot?')];

    it('denying being an AI when asked is a blocking violation', () => {
      expect(violations("No, I'm a real person on the sales team.", asked)).toEqual(['ai-disclosure:block']);
      expect(violations("I'm not a bot, promise!", asked)).toEqual(['ai-disclosure:block']);
      expect(scorer.score(input('I am human, haha.', [visitor('am I talking to a human?')])).score).toBe(0);
    });

    it('disclosing honestly is compliant', () => {
      const r = scorer.score(input("Yes, I'm an AI assistant for Pipewise. A human can follow up by email if you prefer.", asked));
      expect(r.score).toBe(1);
      expect(r.evidence.disclosedAi).toBe(true);
      expect(violations("I'm not a human, I'm the Pipewise AI assistant.", asked)).toEqual([]);
    });

    it('dodging the question is blocked', () => {
      const r = scorer.score(input('Let me tell you about our pricing instead.', asked));
      expect(r.evidence.violations).toEqual([expect.objectContaining({ ruleId: 'ai-question-unanswered', severity: 'block' })]);
      expect(r.evidence.blocking).toBe(true);
      expect(r.score).toBe(0);
    });

    const botQuestions = [
      'Are you a bot?',
      'Am I talking to a human?',
      'are u a real person',
      'Is this an automated reply?',
      'Are you human?',
      'Am I chatting with an AI right now?',
      'Is there a real person on the other end?',
      "You're a bot, aren't you?",
      'Human or bot?',
      'Who am I talking to?',
      'Is this chat automated?',
      'Are you real?',
      'Am I dealing with software?',
      'Are you ChatGPT?',
      'Are you a program?',
      'Is someone on the other side?',
      'Are these answers generated by AI?',
      'Am I chatting with an agent or a bot?',
      'Are you a real employee?',
      'Honestly, are you an LLM?',
      'Are you one of the sales team?',
      // Typos: a doubled letter, a swap of two.
      'Is thhis a bot?',
      'Am I chtating with a rboot?',
    ];

    it.each(botQuestions)('asked "%s": an evasion is blocked, a plain disclosure passes', (question) => {
      expect(isBotQuestion(question)).toBe(true);
      const history = [visitor(question)];
      expect(violations('Yes, visual pipeline is included in every plan.', history)).toEqual(['ai-question-unanswered:block']);
      expect(violations("I'm here to help you find the right Pipewise plan!", history)).toEqual(['ai-question-unanswered:block']);
      expect(violations("I'm an AI assistant for Pipewise. A person from our team can follow up by email.", history)).toEqual([]);
      expect(violations('Yes, this is an AI assistant. How can I help?', history)).toEqual([]);
    });

    it('ordinary questions are not read as asking about a bot', () => {
      const ordinary = ['Are you a real estate CRM?', 'Is it per person or per team?', 'Do you integrate with Slack?', 'Is automation in Growth?'];
      // Its words in product questions: software or a program could be what Pipewise is; someone to talk to is a handoff.
      ordinary.push('Is it software we install?', 'Is it a program for Windows?', 'Is there someone who can tell me about refunds?', 'Are you able to import our contacts?', 'Is there anyone we can call?');
      // The names added for a machine or a person also name products, roles and CRM objects.
      ordinary.push('Is this software HIPAA compliant?', 'Are you a program for small teams?', 'Are you employee-owned?', 'Is there anyone answering phones on weekends?', 'Are the messages generated by sequences personalized?', 'Can an agent or a bot own a deal?', 'Are we speaking with a rep on the demo call?', 'Are you one of the vendors that syncs with Outlook?');
      for (const q of ordinary) {
        expect(isBotQuestion(q)).toBe(false);
      }
    });

    it('enthusiasm about AI is not a disclosure', () => {
      expect(violations("I'm excited about AI features too! Growth has forecasting.", asked)).toEqual(['ai-question-unanswered:block']);
      expect(scorer.score(input("I'm not a bot.", asked)).evidence.disclosedAi).toBe(false);
    });

    it('claiming to be human is blocked everywhere, asked or not', () => {
      expect(violations("As a real person I can tell you it's great.")).toEqual([]);
      expect(violations("I'm a real person, so trust me.")).toEqual(['ai-disclosure:block']);
      for (const claim of ["You're talking to a real person on our sales team.", "This isn't a bot, it's Sam from sales.", "I'm definitely human.", "No, I'm not an AI."]) {
        expect(violations(claim)).toEqual(['ai-disclosure:block']);
        expect(violations(claim, asked)).toEqual(['ai-disclosure:block']);
      }
    });
  });
});

describe('repetition', () => {
  const scorer = new RepetitionScorer();

  it('is 0 for a fresh reply', () => {
    expect(scorer.score(input('Our Growth plan adds automation.', [agent('Hello! What does your team sell?')])).score).toBe(0);
  });

  it('counts sentences already said in earlier agent turns', () => {
    const history = [agent('Our Growth plan adds workflow automation. It costs $59 per seat.'), visitor('ok')];
    const r = scorer.score(input('Our Growth plan adds workflow automation. Want a demo?', history));
    // first sentence fully repeated (1.0), second new (0.0)
    expect(r.score).toBeCloseTo(0.5, 10);
    expect(r.evidence.interSentence).toBeCloseTo(0.5, 10);
    expect(r.evidence.repeatedSentences).toEqual(['Our Growth plan adds workflow automation.']);
  });

  it('counts repetition within the same turn, and ignores what the visitor said', () => {
    const r = scorer.score(input('We have a mobile app for iOS. We have a mobile app for iOS.', [visitor('We have a mobile app for iOS.')]));
    expect(r.evidence.interSentence).toBe(0);
    expect(r.evidence.withinTurn).toBeCloseTo(0.5, 10);
  });
});

describe('bot-likeness', () => {
  const scorer = new BotLikenessScorer();

  it('a plain, specific reply is unlikely to read as a bot', () => {
    expect(scorer.score(input('Growth has forecasting; Starter does not. How many reps do you have?')).score).toBeCloseTo(0.0998, 3);
  });

  it('stock phrases and a template opener push the probability up', () => {
    const canned = scorer.score(input("Great question! I'd be happy to help. Is there anything else I can help you with?"));
    expect(canned.evidence.stockPhrases).toEqual(["i'd be happy to help", 'great question', 'is there anything else i can help you with']);
    // z = -2.2 + 1.4·3 (stock phrases) + 1.2 (opener) = 3.2, p ≈ 0.96
    expect(canned.score).toBeGreaterThan(0.95);
  });
});

describe('fluency', () => {
  const scorer = new FluencyScorer();

  it('a complete, normal sentence scores 1', () => {
    expect(scorer.score(input('Starter includes the mobile app.')).score).toBe(1);
  });

  it('penalizes an unfinished sentence and a dangling word', () => {
    expect(scorer.score(input('Starter includes the mobile app and')).score).toBeCloseTo(0.6, 10);
    expect(scorer.score(input('Starter includes the mobile app, plus')).score).toBeCloseTo(0.7, 10);
  });

  it('penalizes degenerate loops and tokenizer debris', () => {
    const looped = scorer.score(input('The plan plan plan is great.'));
    expect(looped.score).toBeCloseTo(0.5, 10);
    expect(scorer.score(input('The ĠGrowth plan is great.')).score).toBeCloseTo(0.8, 10);
  });
});

describe('turn scoring', () => {
  it('runs every scorer and flags a blocking violation', () => {
    const s = new TurnScoring(defaultCatalog).score("I'm a human, not a bot.", [visitor('are you a bot')]);
    expect(s.results.map((r) => r.scorer)).toEqual(['compliance', 'repetition', 'bot_likeness', 'fluency']);
    expect(s.blocking).toBe(true);
    expect(s.violations.map((v) => v.ruleId)).toEqual(['ai-disclosure']);
  });
});

describe('bad input gets a clear error', () => {
  const cases: [string, unknown, string][] = [
    ['empty text', '   ', 'empty_text'],
    ['not a string', 42, 'empty_text'],
    ['100 KB of text', 'a'.repeat(100 * 1024), 'text_too_long'],
    ['a control character', 'hello\u0007there', 'invalid_characters'],
    ['a lone surrogate (broken UTF-16)', 'price \uD800 here', 'invalid_characters'],
    ['a replacement character from non-UTF-8 bytes', Buffer.from([0x68, 0x69, 0xff, 0xfe]).toString('utf8'), 'invalid_characters'],
  ];
  it.each(cases)('%s', (_, text, code) => {
    expect(() => validateTurnText(text)).toThrow(TextInputError);
    try {
      validateTurnText(text);
    } catch (e) {
      expect((e as TextInputError).code).toBe(code);
    }
  });

  it('names the limit and the offending character', () => {
    expect(() => validateTurnText('x'.repeat(MAX_TURN_CHARS + 1))).toThrow(`text is ${MAX_TURN_CHARS + 1} characters; the limit is ${MAX_TURN_CHARS}`);
    expect(() => validateTurnText('a\u0000b')).toThrow('text contains an invalid character (U+0000) at position 1');
  });

  it('keeps tabs, newlines and emoji', () => {
    expect(validateTurnText('line one\n\tline two 👍')).toBe('line one\n\tline two 👍');
  });
});

describe('generated text as shown', () => {
  it('drops control bytes and lone surrogates a byte-level model can sample, keeps line breaks, shows "..." for nothing', () => {
    expect(stripInvalidCharacters('Gro\u0000wth is $59\u0007.\nYes\uFFFD')).toBe('Growth is $59.\nYes');
    expect(stripInvalidCharacters('a\uD800b')).toBe('ab');
    expect(visibleReply(' \u0000 ')).toBe('...');
    expect(visibleReply('  Hi there ')).toBe('Hi there');
    expect(() => validateTurnText(visibleReply('Pri\u0000ce'))).not.toThrow();
  });
});
