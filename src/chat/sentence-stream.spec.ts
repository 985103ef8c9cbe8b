import { shippedCatalog } from '../catalog';
import { PolicyBusyError, ReplyEvent, ReplyOptions, ReplyPolicy } from '../policy';
import { HistoryTurn, TurnScoring } from '../scoring';
import { SessionClosedError } from '../sessions';
import { SentenceBuffer } from './sentence-buffer';
import { NON_ANSWER, SentenceGate } from './sentence-gate';
import { SentenceStream, SentenceStreamOptions } from './sentence-stream';

const catalog = shippedCatalog();
const CLOSING = 'Could you tell me a bit more about what your team needs?';
const FALLBACK = `I'm sorry, I can't help with that in this chat. ${CLOSING}`;
const CATALOG_ANSWER = 'No lock-in: monthly plans cancel any time; annual plans are billed yearly.';

/** Answers attempt n with script[n] (the last one repeated), streamed in small pieces; records what it was asked. */
function scripted(script: (string | Error)[]) {
  const calls: ReplyOptions[] = [];
  const policy: ReplyPolicy = {
    versionName: () => 'scripted',
    isLoaded: () => true,
    assertFits: () => undefined,
    async *reply(_messages, options): AsyncIterable<ReplyEvent> {
      calls.push(options);
      const next = script[Math.min(calls.length - 1, script.length - 1)];
      if (next instanceof Error) throw next;
      for (const piece of next.match(/.{1,7}/gs) ?? []) {
        if (options.signal?.aborted) break;
        yield { kind: 'delta', text: piece };
      }
      yield { kind: 'done', text: next.trim(), promptTokens: 10, completionTokens: 4 };
    },
  };
  return { policy, calls };
}

function stream(policy: ReplyPolicy, history: HistoryTurn[], options: Partial<SentenceStreamOptions> = {}) {
  const events: string[] = [];
  const listener = { typing: () => events.push('typing'), delta: (text: string) => events.push(text) };
  const s = new SentenceStream(policy, new SentenceGate(new TurnScoring(catalog), history), listener, {
    ended: new AbortController().signal,
    messages: [{ role: 'user', content: history.at(-1)!.text }],
    conversationId: 'c1',
    seed: (n) => 100 + n,
    maxRegenerations: 2,
    nonAnswerCheck: true,
    fallback: FALLBACK,
    nonAnswerFallback: () => CATALOG_ANSWER,
    closing: CLOSING,
    ...options,
  });
  return { events, run: () => s.run() };
}

const asked: HistoryTurn[] = [{ role: 'visitor', text: 'How much is Growth?' }];
const bot: HistoryTurn[] = [{ role: 'visitor', text: 'Are you a bot?' }];
const s1 = 'Growth is $59 per seat a month.';
const s2 = 'It includes the visual pipeline.';
const bad = 'We guarantee results in the first month.';

describe('SentenceBuffer', () => {
  it('releases a sentence once the whitespace after it arrives, and keeps amounts whole', () => {
    const b = new SentenceBuffer();
    expect(b.push('Growth is $49')).toEqual([]);
    expect(b.push('.99 a month.')).toEqual([]);
    expect(b.push(' Want a')).toEqual(['Growth is $49.99 a month.']);
    expect(b.push(' trial?\nYes')).toEqual(['Want a trial?']);
    expect(b.end()).toEqual(['Yes']);
    expect(SentenceBuffer.split('One.  Two!')).toEqual(['One.', 'Two!']);
  });
});

describe('SentenceStream', () => {
  it('sends each sentence as it passes; a compliant reply is sent whole, in order, after typing', async () => {
    const { policy, calls } = scripted([`${s1} ${s2}`]);
    const { events, run } = stream(policy, asked);
    const reply = await run();
    expect(events).toEqual(['typing', s1, ` ${s2}`]);
    expect(reply).toMatchObject({ text: `${s1} ${s2}`, blocked: [], fallback: false, closing: false, busy: false, promptTokens: 10, completionTokens: 4 });
    expect(calls.map((c) => [c.seed, c.prefix])).toEqual([[100, undefined]]);
  });

  it('a sentence that breaks a blocking rule is never sent: generation continues from the sentences sent', async () => {
    const { policy, calls } = scripted([`${s1} ${s2} ${bad} Shall I start a trial?`, 'Most teams see the value within the trial.']);
    const { events, run } = stream(policy, asked);
    const reply = await run();
    expect(events).toEqual(['typing', s1, ` ${s2}`, ' Most teams see the value within the trial.']);
    expect(reply.text).toBe(`${s1} ${s2} Most teams see the value within the trial.`);
    expect(reply.blocked).toEqual([{ text: bad, rules: ['no-guaranteed-results'] }]);
    expect(calls.map((c) => [c.seed, c.prefix])).toEqual([
      [100, undefined],
      [101, `${s1} ${s2}`],
    ]);
    expect(calls[0].signal?.aborted).toBe(true); // the blocked attempt stopped generating
    expect(reply.completionTokens).toBe(8); // both attempts wrote sent text
  });

  it('control bytes a byte-level model sampled never reach the visitor, in the deltas or the final text', async () => {
    const policy: ReplyPolicy = {
      ...scripted([]).policy,
      async *reply(): AsyncIterable<ReplyEvent> {
        yield { kind: 'delta', text: 'Growth is \u0007$59' };
        yield { kind: 'done', text: 'Growth is \u0007$59 per seat\u0001 a month.', promptTokens: 10, completionTokens: 9 };
      },
    };
    const { events, run } = stream(policy, asked);
    expect((await run()).text).toBe(s1);
    expect(events).toEqual(['typing', s1]);
  });

  it('closes with the closing sentence when every continuation breaks a rule', async () => {
    const { policy } = scripted([`${s1} ${bad}`, bad]);
    const { events, run } = stream(policy, asked);
    const reply = await run();
    expect(events).toEqual(['typing', s1, ` ${CLOSING}`]);
    expect(reply).toMatchObject({ text: `${s1} ${CLOSING}`, fallback: true, closing: true });
    expect(reply.blocked).toHaveLength(3);
  });

  it('nothing sent and nothing compliant: the whole fallback, no model tokens counted', async () => {
    const { policy } = scripted([bad]);
    const { events, run } = stream(policy, asked);
    const reply = await run();
    expect(events).toEqual(['typing', "I'm sorry, I can't help with that in this chat.", ` ${CLOSING}`]);
    expect(reply).toMatchObject({ text: FALLBACK, fallback: true, closing: false, timeToFirstTokenMs: null, promptTokens: null, completionTokens: null });
  });

  it('an opening that answers but breaks a rule may be written again (compliantly): only non-answers are avoided', async () => {
    const { policy, calls } = scripted([`Growth is $59 per seat a month, and ${bad.toLowerCase()}`, s1]);
    const reply = await stream(policy, asked).run();
    expect(reply).toMatchObject({ text: s1, blocked: [{ rules: ['no-guaranteed-results'] }] });
    expect(calls.map((c) => c.avoidOpenings)).toEqual([undefined, undefined]);
  });

  it('asked if it is a bot: sentences wait for the disclosure, then go out together', async () => {
    const { policy } = scripted(["Good question. I'm an AI assistant for Pipewise. Growth is $59 per seat a month."]);
    const { events, run } = stream(policy, bot);
    await run();
    expect(events).toEqual(['typing', 'Good question.', " I'm an AI assistant for Pipewise.", ` ${s1}`]);
  });

  it('asked if it is a bot: an evasive reply is held back whole and regenerated', async () => {
    const { policy } = scripted([`Good question. ${s1}`, "I'm an AI assistant for Pipewise."]);
    const { events, run } = stream(policy, bot);
    const reply = await run();
    expect(events).toEqual(['typing', "I'm an AI assistant for Pipewise."]);
    expect(reply.blocked).toEqual([{ text: `Good question. ${s1}`, rules: ['ai-question-unanswered'] }]);
  });

  it('a denial blocks at once, even while held', async () => {
    const { policy } = scripted(["Good question. I'm a real person on the sales team. Growth is $59 per seat a month.", "I'm an AI assistant."]);
    const { events, run } = stream(policy, bot);
    const reply = await run();
    expect(events).toEqual(['typing', "I'm an AI assistant."]);
    expect(reply.blocked[0].rules).toContain('ai-disclosure');
  });

  describe('a reply that does not answer what the visitor asked', () => {
    const spreadsheet: HistoryTurn[] = [{ role: 'visitor', text: 'Are you able to import our contacts from a spreadsheet?' }];
    const cancel: HistoryTurn[] = [{ role: 'visitor', text: 'Can I cancel whenever I want?' }];
    const greeting = 'Hello! How can I help you with Pipewise today?';
    const disclosed = "No, I'm an AI assistant for Pipewise, not a human.";
    const imports = 'Yes, you can import your contacts from a CSV file.';
    const cancels = 'Monthly plans cancel any time, with no long-term contract.';

    it.each([
      [spreadsheet, greeting, imports],
      [cancel, disclosed, cancels],
    ])('is regenerated before its first sentence is sent: the visitor gets only the answer (%#)', async (history, nonAnswer, answer) => {
      const { policy, calls } = scripted([`${nonAnswer} What does your team need?`, answer]);
      const { events, run } = stream(policy, history);
      const reply = await run();
      expect(events).toEqual(['typing', answer]);
      expect(reply).toMatchObject({ text: answer, fallback: false, blocked: [{ text: nonAnswer, rules: [NON_ANSWER] }] });
      // The regeneration may not open as the non-answer did.
      expect(calls.map((c) => [c.seed, c.prefix, c.avoidOpenings])).toEqual([
        [100, undefined, undefined],
        [101, undefined, [nonAnswer]],
      ]);
      expect(calls[0].signal?.aborted).toBe(true); // stopped at the first sentence that said something
    });

    it('a sentence that adds nothing is held and goes out with the answer after it', async () => {
      const { policy, calls } = scripted([`Sure! ${cancels}`]);
      const { events, run } = stream(policy, cancel);
      expect((await run()).blocked).toEqual([]);
      expect(events).toEqual(['typing', 'Sure!', ` ${cancels}`]);
      expect(calls).toHaveLength(1);
    });

    it("when the last attempt does not answer either, the catalog's answer goes out, not the fallback", async () => {
      const { policy, calls } = scripted([greeting, disclosed, "I'm here to help with Pipewise."]);
      const { events, run } = stream(policy, cancel);
      const reply = await run();
      expect(events).toEqual(['typing', CATALOG_ANSWER]);
      expect(reply).toMatchObject({
        text: CATALOG_ANSWER,
        fallback: true,
        catalogAnswer: true,
        blocked: [greeting, disclosed, "I'm here to help with Pipewise."].map((text) => ({ text, rules: [NON_ANSWER] })),
      });
      expect(calls.map((c) => c.avoidOpenings)).toEqual([undefined, [greeting], [greeting, disclosed]]);
      const { policy: once, calls: onlyCall } = scripted([greeting]);
      expect(await stream(once, cancel, { maxRegenerations: 0 }).run()).toMatchObject({ text: CATALOG_ANSWER, catalogAnswer: true });
      expect(onlyCall).toHaveLength(1);
    });

    it('a last attempt stopped by a blocking rule, or empty, gets the fallback, as before', async () => {
      for (const last of [bad, '']) {
        const { policy } = scripted([greeting, greeting, last]);
        expect(await stream(policy, cancel).run()).toMatchObject({ text: FALLBACK, fallback: true, catalogAnswer: false });
      }
    });

    it("the catalog's answer is the turn of the version whose attempts it replaced (a canary's session stays its arm)", async () => {
      const canary: ReplyPolicy = {
        ...scripted([greeting]).policy,
        async *reply(): AsyncIterable<ReplyEvent> {
          yield { kind: 'done', text: greeting, promptTokens: 10, completionTokens: 4, version: 'night-canary' };
        },
      };
      expect(await stream(canary, cancel).run()).toMatchObject({ text: CATALOG_ANSWER, catalogAnswer: true, version: 'night-canary' });
    });

    it("a catalog answer that breaks a rule is not sent: the fallback is", async () => {
      const { policy } = scripted([greeting]);
      expect(await stream(policy, cancel, { maxRegenerations: 0, nonAnswerFallback: () => bad }).run()).toMatchObject({ text: FALLBACK, catalogAnswer: false });
    });

    it('is not judged when the check is off (GUARDRAIL_NON_ANSWER=false); blocking rules still are', async () => {
      const { policy, calls } = scripted([greeting, imports]);
      expect(await stream(policy, spreadsheet, { nonAnswerCheck: false }).run()).toMatchObject({ text: greeting, blocked: [] });
      expect(calls).toHaveLength(1);
    });

    it('a message that asks nothing is never regenerated', async () => {
      for (const text of ['Hi!', 'Thanks, that is all for now.']) {
        const { policy, calls } = scripted([greeting, imports]);
        expect(await stream(policy, [{ role: 'visitor', text }]).run()).toMatchObject({ text: greeting, blocked: [] });
        expect(calls).toHaveLength(1);
      }
    });

    it('asked whether it is a bot, an honest disclosure is sent as the answer', async () => {
      const { policy, calls } = scripted([disclosed, imports]);
      const { events, run } = stream(policy, [{ role: 'visitor', text: 'are you a bot?' }]);
      expect(await run()).toMatchObject({ text: disclosed, blocked: [] });
      expect(events).toEqual(['typing', disclosed]);
      expect(calls).toHaveLength(1);
    });
  });

  it('busy before the reply started: rethrown, nothing emitted', async () => {
    const { policy } = scripted([new PolicyBusyError(64)]);
    const { events, run } = stream(policy, asked);
    await expect(run()).rejects.toBeInstanceOf(PolicyBusyError);
    expect(events).toEqual([]);
  });

  it('busy on a regeneration: the started reply is closed with the fallback, flagged busy', async () => {
    const { policy } = scripted([`${s1} ${bad}`, new PolicyBusyError(64)]);
    const { events, run } = stream(policy, asked);
    expect(await run()).toMatchObject({ text: `${s1} ${CLOSING}`, fallback: true, closing: true, busy: true });
    expect(events).toEqual(['typing', s1, ` ${CLOSING}`]);
    const { policy: again } = scripted([bad, new PolicyBusyError(64)]);
    expect(await stream(again, asked).run()).toMatchObject({ text: FALLBACK, fallback: true, closing: false, busy: true });
    // Refused after an attempt that did not answer: the catalog's answer, which the refused regeneration was for.
    const { policy: unanswered } = scripted(['Hello! How can I help you with Pipewise today?', new PolicyBusyError(64)]);
    expect(await stream(unanswered, asked).run()).toMatchObject({ text: CATALOG_ANSWER, catalogAnswer: true, busy: true });
  });

  it('the session ended: nothing more is sent', async () => {
    const ended = new AbortController();
    const { policy } = scripted([`${s1} ${s2}`]);
    const events: string[] = [];
    const s = new SentenceStream(policy, new SentenceGate(new TurnScoring(catalog), asked), {
      typing: () => events.push('typing'),
      delta: (t) => {
        events.push(t);
        ended.abort();
      },
    }, { ended: ended.signal, messages: [], conversationId: 'c', seed: () => 1, maxRegenerations: 2, nonAnswerCheck: true, fallback: FALLBACK, nonAnswerFallback: () => CATALOG_ANSWER, closing: CLOSING });
    await expect(s.run()).rejects.toBeInstanceOf(SessionClosedError);
    expect(events).toEqual(['typing', s1]);
  });
});
