import { INestApplication } from '@nestjs/common';
import { Socket } from 'socket.io-client';
import { CLOSING_FALLBACK, NON_ANSWER } from '../src/chat';
import { DatabaseConfig } from '../src/config';
import { SessionTimeoutJob } from '../src/chat/session-timeout.job';
import { Database } from '../src/database';
import { PolicyBusyError, ReplyEvent, ReplyOptions, ReplyPolicy } from '../src/policy';
import { disclosesBeingAi } from '../src/scoring/compliance';
import { connect, listen, request } from './support/chat-client';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

/** One attempt of the scripted policy: pieces of text streamed in order, each possibly waiting on a promise first. */
type Step = string | Promise<unknown> | Error;

/**
 * A policy that plays attempt n of each reply from `script(n, options)` and records every call
 * (the seed, and the prefix it was asked to continue). Attempts at one reply share its conversation.
 */
function scriptedPolicy(script: (attempt: number, options: ReplyOptions) => Step[]) {
  const calls: ReplyOptions[] = [];
  let attempt = 0;
  let conversation = '';
  const policy: ReplyPolicy = {
    versionName: () => 'scripted-stream',
    isLoaded: () => true,
    assertFits: () => undefined,
    async *reply(messages, options): AsyncIterable<ReplyEvent> {
      calls.push(options);
      const key = JSON.stringify([options.conversationId, messages]);
      attempt = key === conversation ? attempt + 1 : 0;
      conversation = key;
      let text = '';
      for (const step of script(attempt, options)) {
        if (step instanceof Error) throw step;
        if (typeof step !== 'string') await step;
        else {
          text += step;
          yield { kind: 'delta', text: step };
        }
      }
      yield { kind: 'done', text: text.trim(), promptTokens: 12, completionTokens: 6 };
    },
  };
  return { policy, calls };
}

/** What a visitor's socket received, in order. */
function recorder(socket: Socket) {
  const events: [string, string?][] = [];
  socket.on('typing', () => events.push(['typing']));
  socket.on('reply:delta', (d: { text: string }) => events.push(['delta', d.text]));
  socket.on('reply:final', (d: { text: string }) => events.push(['final', d.text]));
  socket.on('chat:error', (e: { code: string }) => events.push(['error', e.code]));
  const deltas = () => events.filter(([kind]) => kind === 'delta').map(([, text]) => text!);
  return { events, deltas };
}

const S1 = 'Growth is $59 per seat a month.';
const S2 = 'It includes the visual pipeline and email sync.';
const BAD = 'We guarantee results in the first month.';
const CONTINUATION = 'Most teams see the value within the free trial.';

/** The app on its schema answering with `policy` (two regenerations), listening while the enclosing describe runs. */
function servedApp(dbConfig: DatabaseConfig, policy: ReplyPolicy): { db: () => Database; url: () => string } {
  let app: INestApplication;
  let db: Database;
  let url: string;
  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig, { replyPolicy: policy, env: { GUARDRAIL_MAX_REGENERATIONS: '2' } }));
    url = await listen(app);
  });
  afterAll(async () => {
    await app.close();
    await dropSchema(dbConfig.schema);
  });
  return { db: () => db, url: () => url };
}

describe('/chat sentence streaming (real Postgres, real socket.io)', () => {
  const dbConfig = testSchemaConfig('stream');
  let firstDeltaSeen: () => void = () => undefined;
  let busyOnRegeneration = false;
  const { policy, calls } = scriptedPolicy((attempt, { prefix }) => {
    if (attempt > 0 && busyOnRegeneration) return [new PolicyBusyError(64)];
    if (attempt > 0) return [prefix ? ` ${CONTINUATION}` : CONTINUATION];
    // The rest of the reply is written only once the visitor has the first sentence: streaming, not a stored whole.
    const seen = new Promise<void>((resolve) => (firstDeltaSeen = resolve));
    return [`${S1} `, seen, `${S2} ${BAD} Shall I start a trial for you?`];
  });
  let app: INestApplication;
  let db: Database;
  let socket: Socket;
  const stored = async (turnId: unknown) => (await db.dataSource.query(`SELECT text, latency_ms, time_to_first_delta_ms, time_to_first_token_ms FROM turns WHERE id = $1`, [turnId]))[0];
  const guardrail = async (turnId: unknown) => (await db.dataSource.query(`SELECT evidence FROM turn_scores WHERE turn_id = $1 AND scorer = 'guardrail'`, [turnId]))[0].evidence;

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig, { replyPolicy: policy, env: { GUARDRAIL_MAX_REGENERATIONS: '2' } }));
    socket = await connect(await listen(app));
  });
  afterAll(async () => {
    socket.disconnect();
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  it('the third sentence breaks a blocking rule: the visitor gets sentences 1–2 and a compliant continuation, the store holds exactly that', async () => {
    busyOnRegeneration = false;
    const { events, deltas } = recorder(socket);
    socket.once('reply:delta', () => firstDeltaSeen());
    const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
    const reply = await request(socket, 'message:send', { clientMessageId: 's1', text: 'How much is Growth?' });

    const sent = `${S1} ${S2} ${CONTINUATION}`;
    expect(reply).toMatchObject({ ok: true, text: sent });
    expect(events).toEqual([['typing'], ['delta', S1], ['delta', ` ${S2}`], ['delta', ` ${CONTINUATION}`], ['final', sent]]);
    expect(deltas().join('')).toBe(sent);
    expect(deltas().join('')).not.toContain('guarantee');
    expect((await stored(reply.turnId)).text).toBe(sent);
    // The regeneration continued the two sentences sent, with its own seed.
    const ofSession = calls.slice(-2);
    expect(ofSession.map((c) => c.prefix)).toEqual([undefined, `${S1} ${S2}`]);
    expect(ofSession[0].seed).not.toBe(ofSession[1].seed);
    expect(await guardrail(reply.turnId)).toMatchObject({ regenerations: 1, fallback: false, closing: false, busy: false, blocked: [{ text: BAD, rules: ['no-guaranteed-results'] }] });
    const [{ count }] = await db.dataSource.query(`SELECT count(*) FROM turns WHERE session_id = $1`, [sessionId]);
    expect(Number(count)).toBe(2);
    socket.removeAllListeners();
  });

  it('busy on the regeneration: the reply already started is closed with the fallback sentence and stored as sent', async () => {
    busyOnRegeneration = true;
    const { events, deltas } = recorder(socket);
    socket.once('reply:delta', () => firstDeltaSeen());
    await request(socket, 'session:start', { siteKey: 'demo-site' });
    const reply = await request(socket, 'message:send', { clientMessageId: 'b1', text: 'How much is Growth?' });

    const sent = `${S1} ${S2} ${CLOSING_FALLBACK}`;
    expect(reply).toMatchObject({ ok: true, text: sent });
    expect(events.map(([kind]) => kind)).toEqual(['typing', 'delta', 'delta', 'delta', 'final']);
    expect(deltas().join('')).toBe(sent);
    expect((await stored(reply.turnId)).text).toBe(sent);
    expect(await guardrail(reply.turnId)).toMatchObject({ fallback: true, closing: true, busy: true });
    socket.removeAllListeners();
  });

  it('stores the time to the first sentence, well before the end of the reply', async () => {
    busyOnRegeneration = false;
    socket.once('reply:delta', () => setTimeout(firstDeltaSeen, 300));
    await request(socket, 'session:start', { siteKey: 'demo-site' });
    const reply = await request(socket, 'message:send', { clientMessageId: 't1', text: 'How much is Growth?' });
    const turn = await stored(reply.turnId);
    expect(turn.time_to_first_delta_ms).not.toBeNull();
    expect(turn.latency_ms - turn.time_to_first_delta_ms).toBeGreaterThanOrEqual(290);
    expect(turn.time_to_first_token_ms).toBeLessThanOrEqual(turn.time_to_first_delta_ms);
  });

  it('two visitors asking the same first question are sampled with different seeds', async () => {
    const seeds: number[] = [];
    for (const id of ['v1', 'v2']) {
      socket.once('reply:delta', () => firstDeltaSeen());
      await request(socket, 'session:start', { siteKey: 'demo-site' });
      const first = calls.length;
      await request(socket, 'message:send', { clientMessageId: id, text: 'Hi, what do you sell?' });
      seeds.push(calls[first].seed);
    }
    expect(seeds[0]).not.toBe(seeds[1]);
  });

  it('session:end while the reply streams: nothing more is sent, nothing is stored', async () => {
    const { events } = recorder(socket);
    const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
    // The visitor ends the chat right after the first sentence; only then does the policy write on.
    socket.once('reply:delta', async () => {
      await request(socket, 'session:end');
      firstDeltaSeen();
    });
    const reply = await request(socket, 'message:send', { clientMessageId: 'e1', text: 'How much is Growth?' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'session_closed' } });
    expect(events).toEqual([['typing'], ['delta', S1], ['error', 'session_closed']]);
    const turns = await db.dataSource.query(`SELECT role FROM turns WHERE session_id = $1`, [sessionId]);
    expect(turns).toEqual([{ role: 'visitor' }]);
    socket.removeAllListeners();
  });

  it('the idle timeout closing the session while its reply streams: nothing more is sent, nothing is stored', async () => {
    const { events } = recorder(socket);
    const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
    // The session looks idle past SESSION_IDLE_MINUTES when the job runs, mid-reply.
    socket.once('reply:delta', async () => {
      await db.dataSource.query(`UPDATE chat_sessions SET last_activity_at = now() - interval '1 day' WHERE id = $1`, [sessionId]);
      await app.get(SessionTimeoutJob).closeIdleSessions();
      firstDeltaSeen();
    });
    const reply = await request(socket, 'message:send', { clientMessageId: 'idle-1', text: 'How much is Growth?' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'session_closed' } });
    expect(events).toEqual([['typing'], ['delta', S1], ['error', 'session_closed']]);
    expect(await db.dataSource.query(`SELECT role FROM turns WHERE session_id = $1`, [sessionId])).toEqual([{ role: 'visitor' }]);
    socket.removeAllListeners();
  });
});

describe('/chat AI disclosure while streaming (real Postgres, real socket.io)', () => {
  const dbConfig = testSchemaConfig('streamdisclose');
  const EVASIONS = [
    // evades over two sentences: held back, never sent
    `Great question! ${S1}`,
    // claims to be a person after a harmless first sentence
    "Thanks for asking. I'm a real person on the sales team.",
    // dodges with a question
    'Why do you ask? What does your team need?',
  ];
  let evasion = 0;
  // Each reply: one evasive first attempt, then a disclosure that only comes in the second sentence.
  const { policy } = scriptedPolicy((attempt) =>
    attempt === 0 ? [EVASIONS[evasion++ % EVASIONS.length]] : ["Happy to help. I'm an AI assistant for Pipewise, and a person can follow up by email."],
  );
  const served = servedApp(dbConfig, policy);

  it.each(['Are you a bot?', 'am I talking to a real person', 'Is this an automated reply?', 'Who am I talking to?', 'human or AI?'])(
    '"%s": what the visitor reads discloses being an AI, and none of the evasion reached them',
    async (question) => {
      const socket = await connect(served.url());
      try {
        const { deltas } = recorder(socket);
        await request(socket, 'session:start', { siteKey: 'demo-site' });
        const reply = await request(socket, 'message:send', { clientMessageId: 'q', text: question });
        expect(reply.ok).toBe(true);
        expect(disclosesBeingAi(deltas().join(''))).toBe(true);
        expect(deltas().join('')).toBe(reply.text);
        for (const e of EVASIONS) for (const sentence of e.split(/(?<=[.!?]) /)) expect(deltas()).not.toContain(sentence);
        const [turn] = await served.db().dataSource.query(`SELECT text FROM turns WHERE id = $1`, [reply.turnId]);
        expect(turn.text).toBe(reply.text);
        // The model's disclosure, not the fallback: the evasion was regenerated.
        const [guard] = await served.db().dataSource.query(`SELECT evidence FROM turn_scores WHERE turn_id = $1 AND scorer = 'guardrail'`, [reply.turnId]);
        expect(guard.evidence).toMatchObject({ regenerations: 1, fallback: false });
      } finally {
        socket.disconnect();
      }
    },
  );
});

describe('/chat when no attempt answers (real Postgres, real socket.io)', () => {
  const dbConfig = testSchemaConfig('streamcatalog');
  const GREETING = 'Hello! How can I help you with Pipewise today?';
  const CONTRACT = 'No lock-in: monthly plans cancel any time; annual plans are billed yearly.';
  const { policy, calls } = scriptedPolicy(() => [GREETING]);
  const served = servedApp(dbConfig, policy);

  it("the visitor reads the catalog's answer, stored as the turn and flagged in its guardrail score", async () => {
    const socket = await connect(served.url());
    try {
      const { events } = recorder(socket);
      await request(socket, 'session:start', { siteKey: 'demo-site' });
      const reply = await request(socket, 'message:send', { clientMessageId: 'c1', text: 'Can we cancel any time?' });
      expect(reply).toMatchObject({ ok: true, text: CONTRACT });
      expect(events).toEqual([['typing'], ['delta', CONTRACT], ['final', CONTRACT]]);
      expect(calls).toHaveLength(3); // the first attempt and both regenerations
      const [guard] = await served.db().dataSource.query(`SELECT evidence FROM turn_scores WHERE turn_id = $1 AND scorer = 'guardrail'`, [reply.turnId]);
      expect(guard.evidence).toMatchObject({ regenerations: 3, fallback: true, catalogAnswer: true, closing: false, blocked: [GREETING, GREETING, GREETING].map((text) => ({ text, rules: [NON_ANSWER] })) });
      const [turn] = await served.db().dataSource.query(`SELECT text FROM turns WHERE id = $1`, [reply.turnId]);
      expect(turn.text).toBe(CONTRACT);
    } finally {
      socket.disconnect();
    }
  });
});

describe('/chat non-answers while streaming (real Postgres, real socket.io)', () => {
  const dbConfig = testSchemaConfig('streamnonanswer');
  const GREETING = 'Hello! How can I help you with Pipewise today?';
  const ANSWER = 'Yes, you can import your contacts from a CSV file.';
  // Each reply: a greeting that answers nothing, then the answer.
  const { policy, calls } = scriptedPolicy((attempt) => [attempt === 0 ? GREETING : ANSWER]);
  const served = servedApp(dbConfig, policy);

  it('a question the first sentence does not address: the visitor reads only the regenerated answer, the turn records the non-answer', async () => {
    const socket = await connect(served.url());
    try {
      const { events } = recorder(socket);
      await request(socket, 'session:start', { siteKey: 'demo-site' });
      const reply = await request(socket, 'message:send', { clientMessageId: 'n1', text: 'Are you able to import our contacts from a spreadsheet?' });
      expect(reply).toMatchObject({ ok: true, text: ANSWER });
      expect(events).toEqual([['typing'], ['delta', ANSWER], ['final', ANSWER]]);
      expect(calls.slice(-2).map((c) => c.prefix)).toEqual([undefined, undefined]);
      const [guard] = await served.db().dataSource.query(`SELECT evidence FROM turn_scores WHERE turn_id = $1 AND scorer = 'guardrail'`, [reply.turnId]);
      expect(guard.evidence).toMatchObject({ regenerations: 1, fallback: false, blocked: [{ text: GREETING, rules: [NON_ANSWER] }] });
      const [turn] = await served.db().dataSource.query(`SELECT text, time_to_first_delta_ms FROM turns WHERE id = $1`, [reply.turnId]);
      expect(turn).toMatchObject({ text: ANSWER, time_to_first_delta_ms: expect.any(Number) });
    } finally {
      socket.disconnect();
    }
  });

  it('a greeting to a message that asks nothing goes out as written', async () => {
    const socket = await connect(served.url());
    try {
      await request(socket, 'session:start', { siteKey: 'demo-site' });
      expect(await request(socket, 'message:send', { clientMessageId: 'h1', text: 'Hi there!' })).toMatchObject({ ok: true, text: GREETING });
    } finally {
      socket.disconnect();
    }
  });
});
