import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'socket.io-client';
import { loadCatalog } from '../src/catalog';
import { Database } from '../src/database';
import { buildTrainingData } from '../src/nightly';
import { ReplyEvent } from '../src/policy';
import { loadPersonaLibrary, PersonaRepository } from '../src/simulator';
import { Ack, connect, listen, request as ask } from './support/chat-client';
import { rowsHolding } from './support/schema-scan';
import { scriptedPolicy } from './support/scripted-policy';
import { freePort, spawnEntry, waitForExit, waitForHttp } from './support/spawn-server';
import { startTestApp } from './support/test-app';
import { dropSchema, testDatabaseUrl, testSchemaConfig } from './support/test-database';

const tag = randomBytes(4).toString('hex');
const PII = { email: 'jane.doe+crm@example.com', phone: '+44 20 7946 0958', card: '4111 1111 1111 1111', iban: 'DE89 3704 0044 0532 0130 00' };
/** Each value as typed and in its compact form: neither may be stored, trained on or logged. */
const RAW = ['jane.doe', PII.email, PII.phone, '2079460958', PII.card, '4111111111111111', PII.iban, 'DE89370400440532013000'];
const contact = `Mail ${PII.email} or call ${PII.phone}; card ${PII.card}, IBAN ${PII.iban}.`;
const redactedContact = 'Mail [EMAILADDRESS] or call [PHONENUMBER]; card [CARDNUMBER], IBAN [BANKACCOUNT].';

const catalog = loadCatalog();
const library = loadPersonaLibrary(catalog);
const today = () => ({ start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() + 60_000) });

function expectNoRaw(text: string) {
  for (const raw of RAW) expect(text).not.toContain(raw);
}

async function expectNoTableHoldsRaw(db: Database, schema: string) {
  for (const raw of RAW) expect({ raw, rows: await rowsHolding(db.dataSource, schema, raw) }).toEqual({ raw, rows: {} });
}

describe('PII through the real server process, default configuration', () => {
  const schema = `t_privacy_${tag}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'closer-privacy-'));
  const marker = `zqpii${tag}`;
  const refusedMarker = `zqrefused${tag}`;
  /** Prices, a seat count and a date survive; only the contact details go. */
  const message = (ref: string) => `Hi, we are 25 people and need the pipeline with Gmail inbox sync, budget $1,299 a month from 2025-12-01 (ref ${ref}). ${contact}`;
  const stored = `Hi, we are 25 people and need the pipeline with Gmail inbox sync, budget $1,299 a month from 2025-12-01 (ref ${marker}). ${redactedContact}`;
  let db: Database;
  let logs = '';
  let reply: Ack;

  beforeAll(async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = spawnEntry('src/main.ts', [], {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: testDatabaseUrl,
      DATABASE_SCHEMA: schema,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'trace',
    });
    const exited = waitForExit(server, 240_000);
    let socket: Socket | undefined;
    try {
      await waitForHttp(`${url}/health/ready`, 120_000);
      db = await Database.open({ url: testDatabaseUrl, poolSize: 2, schema, embeddedDataDir: '' });
      socket = await connect(url);
      expect(await ask(socket, 'session:start', { siteKey: 'shop' })).toMatchObject({ ok: true });
      reply = await ask(socket, 'message:send', { clientMessageId: 'm-1', text: message(marker) });
      // A message the database refuses: the failure is logged, with the INSERT's values and the failing row (this text) in the error.
      await db.dataSource.query(`ALTER TABLE turns ADD CONSTRAINT privacy_test_refused CHECK (text NOT LIKE '%zqrefused%')`);
      expect(await ask(socket, 'message:send', { clientMessageId: 'm-2', text: message(refusedMarker) })).toMatchObject({ ok: false, error: { code: 'internal' } });
      await db.dataSource.query(`ALTER TABLE turns DROP CONSTRAINT privacy_test_refused`);
      expect(await ask(socket, 'session:end')).toEqual({ ok: true });
    } finally {
      socket?.disconnect();
      server.kill('SIGTERM');
      const { stdout, stderr } = await exited;
      logs = stdout + stderr;
    }
  }, 300_000);
  afterAll(async () => {
    await db?.close();
    await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores the visitor turn redacted (prices, seats, dates and words kept); no table holds a raw value', async () => {
    expect(reply).toMatchObject({ ok: true, text: expect.any(String) });
    const turns: { role: string; text: string }[] = await db.dataSource.query(`SELECT role, text FROM turns ORDER BY index`);
    expect(turns.map((t) => t.role)).toEqual(['visitor', 'agent']);
    expect(turns[0].text).toBe(stored);
    expect(await rowsHolding(db.dataSource, schema, marker)).toEqual({ turns: 1 });
    expect(await rowsHolding(db.dataSource, schema, refusedMarker)).toEqual({});
    await expectNoTableHoldsRaw(db, schema);
  });

  it('the training data and the personas imported from the session hold none', async () => {
    const { record } = await buildTrainingData(db.dataSource, catalog, library, today(), 100);
    expect(record.derived).toEqual([expect.objectContaining({ opening: stored, needs: expect.arrayContaining(['pipeline', 'email-sync']) })]);
    expectNoRaw(JSON.stringify(record));

    const [persona] = await new PersonaRepository(db.dataSource).deriveFromLiveSessions(catalog, library[0]);
    expect(persona.opening).toBe(stored);
    expect(await rowsHolding(db.dataSource, schema, marker)).toEqual({ turns: 1, personas: 1 });
    await expectNoTableHoldsRaw(db, schema);
  });

  it('the server log holds no visitor text, not even from the failure whose error carried it', () => {
    const lines = logs.trim().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    const failure = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'socket handler failed');
    expect(failure).toMatchObject({ event: 'message:send', err: { type: 'QueryFailedError', parameters: '[redacted]', detail: '[redacted]' } });
    expect(failure.err.message).toContain('privacy_test_refused');
    for (const visitorText of [marker, refusedMarker, '25 people', 'Gmail inbox']) expect(logs).not.toContain(visitorText);
    expectNoRaw(logs);
  });
});

/** Replies with what the model was prompted with as the visitor's last message. */
const echo = scriptedPolicy('', {
  async *reply(messages): AsyncIterable<ReplyEvent> {
    const text = `You wrote: ${messages.at(-1)?.content}`;
    yield { kind: 'delta', text };
    yield { kind: 'done', text, promptTokens: 1, completionTokens: 1 };
  },
});

describe('what the live session sees, and STORE_RAW_TEXT=true (in-process, real Postgres)', () => {
  const redacting = testSchemaConfig('privacy_redacting');
  const raw = testSchemaConfig('privacy_raw');
  const apps: INestApplication[] = [];
  const sockets: Socket[] = [];
  const text = `We need Gmail inbox sync. ${contact}`;
  const redactedText = `We need Gmail inbox sync. ${redactedContact}`;

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const app of apps) await app.close();
    for (const { schema } of [redacting, raw]) await dropSchema(schema);
  });

  async function chat(dbConfig: typeof raw, env: Record<string, string>): Promise<{ db: Database; ack: Ack }> {
    // The scripted reply echoes the message; the non-answer check (and the catalog's answer it ends in) is the guardrail's tests'.
    const { app, db } = await startTestApp(dbConfig, { replyPolicy: echo, env: { GUARDRAIL_NON_ANSWER: 'false', ...env } });
    apps.push(app);
    const socket = await connect(await listen(app));
    sockets.push(socket);
    expect(await ask(socket, 'session:start', { siteKey: 'shop' })).toMatchObject({ ok: true });
    const ack = await ask(socket, 'message:send', { clientMessageId: 'm-1', text });
    expect(ack).toMatchObject({ ok: true });
    return { db, ack };
  }

  it('by default the model is prompted with the text as stored: redacted', async () => {
    const { db, ack } = await chat(redacting, {});
    expect(ack.text).toBe(`You wrote: ${redactedText}`);
    await expectNoTableHoldsRaw(db, redacting.schema);
  });

  it('STORE_RAW_TEXT=true keeps the text as written for the live session, and training still reads it redacted', async () => {
    const { db, ack } = await chat(raw, { STORE_RAW_TEXT: 'true' });
    expect(ack.text).toBe(`You wrote: ${text}`);
    const [visitor] = await db.dataSource.query(`SELECT text FROM turns WHERE role = 'visitor'`);
    expect(visitor.text).toBe(text);

    const { record } = await buildTrainingData(db.dataSource, catalog, library, today(), 100);
    expect(record.derived.map((d) => d.opening)).toEqual([redactedText]);
    expectNoRaw(JSON.stringify(record));
    const [persona] = await new PersonaRepository(db.dataSource).deriveFromLiveSessions(catalog, library[0]);
    expect(persona.opening).toBe(redactedText);
    // Only the conversation itself (and the reply's scores, which quote it) holds the raw text.
    for (const value of RAW) expect(Object.keys(await rowsHolding(db.dataSource, raw.schema, value)).filter((t) => t !== 'turns' && t !== 'turn_scores')).toEqual([]);
    expect(await rowsHolding(db.dataSource, raw.schema, PII.email)).toMatchObject({ turns: 2 });
  });
});
