import { Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { io, Socket } from 'socket.io-client';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { Database } from '../src/database';
import { ModelRegistry } from '../src/registry';
import { Ack, connect, request as ask } from './support/chat-client';
import { adminSocket, Heard, recordAll } from './support/live-clients';
import { spawnEntry, waitForExit } from './support/spawn-server';
import { dropSchema, testDatabaseUrl, testSchemaConfig } from './support/test-database';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `closer-test-scale-${process.pid}-${Date.now()}`;
const settings = testSchemaConfig('scale_out');
const scratch = mkdtempSync(join(tmpdir(), 'closer-scale-'));
const modelDir = resolve('models/default');
/**
 * Every reply starts this late on both replicas, and the replicas sit idle meanwhile: messages sent
 * then are taken in the order they were sent (generating, a replica's event loop is busy, and a
 * message sent to it then is taken later).
 */
const REPLY_DELAY_MS = 1200;
const MESSAGE_GAP_MS = 120;
const siteKey = 'demo-site';
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };

interface Replica {
  name: string;
  url: string;
  process: ChildProcess;
  output: () => string;
}

let db: Database;
let adminKey = '';
let a: Replica;
let b: Replica;
const sockets: Socket[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** A server process on the shared Postgres schema and Redis, started as an operator would; resolves once it listens. */
async function startReplica(name: string): Promise<Replica> {
  const port = await freePort();
  const child = spawnEntry('test/support/scale-out-server.ts', [], {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: testDatabaseUrl,
    DATABASE_SCHEMA: settings.schema,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL,
    REDIS_PREFIX: prefix,
    MODEL_DIR: modelDir,
    REPLY_MAX_TOKENS: '16',
    DATA_DIR: join(scratch, name),
    ARTIFACT_DIR: join(scratch, 'artifacts'),
    // Polling out of the way: a promotion must reach the other replica by NOTIFY.
    CHAMPION_POLL_SECONDS: '3600',
    REPLY_DELAY_MS: String(REPLY_DELAY_MS),
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 45 s:\n${output}`)), 45_000);
    child.stdout!.on('data', () => output.includes('ready\n') && (clearTimeout(timer), ready()));
    child.once('exit', (code) => (clearTimeout(timer), fail(new Error(`${name} exited with ${code}:\n${output}`))));
  });
  return { name, url: `http://127.0.0.1:${port}`, process: child, output: () => output };
}

const admin = (replica: Replica, method: 'get' | 'post', path: string, body?: object) => {
  const req = request(replica.url)[method](`/api/v1/admin/${path}`).set('authorization', `Bearer ${adminKey}`);
  return body ? req.send(body) : req;
};
const servedVersion = async (replica: Replica) => (await request(replica.url).get('/health/ready')).body?.info?.model?.version;

async function widget(replica: Replica): Promise<Socket> {
  const socket = await connect(replica.url);
  sockets.push(socket);
  return socket;
}

async function dashboard(replica: Replica): Promise<{ socket: Socket; heard: Heard }> {
  const dash = await adminSocket(replica.url, adminKey);
  sockets.push(dash.socket);
  return dash;
}

/** Waits up to `ms` for something a socket, the database or an endpoint will show; fails naming it. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
const heardOf = (heard: Heard, event: string, match: (payload: Record<string, unknown>) => boolean) => heard.some(([e, p]) => e === event && match(p));

beforeAll(async () => {
  Logger.overrideLogger(false);
  // Migrated once here, before the replicas start on it.
  db = await Database.open(settings);
  adminKey = (await new ApiKeyManager(db.dataSource).create(setup, 'admin-key', 'admin')).key;
  const registry = new ModelRegistry(db.dataSource);
  await registry.adoptServed('default', modelDir);
  // The same weights under another version name: what matters is which version each replica serves.
  cpSync(modelDir, join(scratch, 'scale-v2'), { recursive: true });
  await registry.adoptServed('scale-v2', join(scratch, 'scale-v2'));
  [a, b] = await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
}, 60_000);

afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await Promise.all([a, b].filter(Boolean).map((r) => (r.process.kill('SIGTERM'), waitForExit(r.process, 20_000))));
  await db?.close();
  await dropSchema(settings.schema);
  const redis = new IORedis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  rmSync(scratch, { recursive: true, force: true });
}, 30_000);

describe('two server processes sharing Postgres and Redis', () => {
  it('a promotion made on one replica reaches both: each serves the new version on its next reply', async () => {
    expect([await servedVersion(a), await servedVersion(b)]).toEqual(['default', 'default']);
    await admin(a, 'post', 'models/scale-v2/promote', {}).expect(200);
    await until(async () => (await servedVersion(a)) === 'scale-v2' && (await servedVersion(b)) === 'scale-v2', 'both replicas to serve scale-v2', 15_000);

    for (const replica of [a, b]) {
      const socket = await widget(replica);
      expect(await ask(socket, 'session:start', { siteKey })).toMatchObject({ ok: true });
      const reply = await ask(socket, 'message:send', { clientMessageId: 'v1', text: 'How much is the Growth plan?' });
      expect(reply).toMatchObject({ ok: true, turnId: expect.any(String) });
      const [stored] = await db.dataSource.query(`SELECT v.name FROM turns t JOIN model_versions v ON v.id = t.model_version_id WHERE t.id = $1`, [reply.turnId]);
      expect({ replica: replica.name, version: stored.name }).toEqual({ replica: replica.name, version: 'scale-v2' });
    }
  }, 45_000);

  it('handoff events reach dashboards on both replicas; a takeover and a person’s message sent to one reach the widget on the other', async () => {
    await admin(b, 'post', 'handoff-rules', { id: 'scale-person', kind: 'visitor_request', phrases: ['talk to a person'] }).expect(201);
    const [dashA, dashB] = [await dashboard(a), await dashboard(b)];
    const visitor = await widget(b);
    const heard = recordAll(visitor);
    const started = await ask(visitor, 'session:start', { siteKey });
    const sessionId = started.sessionId as string;
    expect(await ask(dashA.socket, 'session:watch', { sessionId })).toMatchObject({ ok: true, history: [] });

    // Stored and answered on B; the dashboards on A hear of it.
    expect(await ask(visitor, 'message:send', { clientMessageId: 'h1', text: 'Can I talk to a person, please?' })).toMatchObject({ ok: true });
    for (const dash of [dashA, dashB]) await until(() => heardOf(dash.heard, 'handoff:waiting', (p) => p.sessionId === sessionId), 'handoff:waiting on both dashboards');
    await until(() => heardOf(dashA.heard, 'session:turn', (p) => p.sessionId === sessionId && p.role === 'agent'), 'the reply stored on B, watched from A');
    expect(dashA.heard.filter(([e, p]) => e === 'session:turn' && p.sessionId === sessionId).map(([, p]) => p.role)).toEqual(['visitor', 'system', 'agent']);

    // Taken over and written to through A; the widget is connected to B.
    await admin(a, 'post', `sessions/${sessionId}/takeover`, { displayName: 'Dana' }).expect(200);
    await until(() => heardOf(heard, 'handoff:state', (p) => p.state === 'person' && p.name === 'Dana'), 'the widget on B told Dana joined');
    await until(() => heardOf(dashB.heard, 'handoff:taken', (p) => p.sessionId === sessionId), 'handoff:taken on B’s dashboard');
    const sent = await admin(a, 'post', `sessions/${sessionId}/messages`, { text: 'Hi, Dana here. How can I help?' }).expect(201);
    await until(() => heardOf(heard, 'message:person', (p) => p.turnId === sent.body.turnId && p.text === 'Hi, Dana here. How can I help?'), 'the person’s message on the widget on B');
    await until(() => heardOf(dashA.heard, 'session:turn', (p) => p.turnId === sent.body.turnId), 'the person’s turn on the watching dashboard');

    // Held: a visitor message on B gets no AI reply.
    expect(await ask(visitor, 'message:send', { clientMessageId: 'h2', text: 'Great, thanks!' })).toMatchObject({ ok: true, heldByPerson: true });
  }, 45_000);

  it('a takeover through one replica stops the reply streaming on the other: none of it reaches the widget or is stored', async () => {
    const visitor = await widget(b);
    const heard = recordAll(visitor);
    const { sessionId } = await ask(visitor, 'session:start', { siteKey });
    const pending = ask(visitor, 'message:send', { clientMessageId: 's1', text: 'Does the Growth plan include forecasting?' });
    // The message is stored and its reply under way on B (it starts REPLY_DELAY_MS late): take the session over through A.
    await until(async () => (await db.dataSource.query(`SELECT 1 FROM turns WHERE session_id = $1`, [sessionId])).length === 1, 'the visitor turn stored on B');
    await admin(a, 'post', `sessions/${sessionId}/takeover`, { displayName: 'Lee' }).expect(200);
    expect(await pending).toMatchObject({ ok: true, heldByPerson: true });
    expect(heard.map(([e]) => e).filter((e) => e.startsWith('reply:'))).toEqual([]);
    const roles = await db.dataSource.query(`SELECT role FROM turns WHERE session_id = $1 ORDER BY index`, [sessionId]);
    expect(roles.map((r: { role: string }) => r.role)).toEqual(['visitor', 'system']);
  }, 30_000);

  it('a Rasa client on one replica gets the takeover notice and the person’s message sent through the other', async () => {
    // Rasa's channel on B: the default namespace, a session id of the client's choosing.
    const uttered: Record<string, unknown>[] = [];
    const rasa = io(b.url, { path: '/socket.io/', transports: ['websocket'], forceNew: true }).on('bot_uttered', (m: Record<string, unknown>) => uttered.push(m));
    sockets.push(rasa);
    const confirmed = new Promise((done, fail) => rasa.once('session_confirm', done).once('connect_error', fail));
    rasa.emit('session_request', { session_id: 'rasa-scale-1' });
    expect(await confirmed).toBe('rasa-scale-1');
    rasa.emit('user_uttered', { message: 'Do you integrate with Gmail?', session_id: 'rasa-scale-1' });
    await until(() => uttered.length === 1, 'the AI reply');
    const [{ id: sessionId }] = await db.dataSource.query(`SELECT id FROM chat_sessions WHERE metadata->>'rasaSessionId' = 'rasa-scale-1'`);

    await admin(a, 'post', `sessions/${sessionId}/takeover`, { displayName: 'Sam' }).expect(200);
    await admin(a, 'post', `sessions/${sessionId}/messages`, { text: 'Sam here: yes, Gmail and Outlook.' }).expect(201);
    await until(() => uttered.length === 3, 'the notice and the person’s message');
    expect(uttered.slice(1)).toEqual([
      { text: 'Sam, a person from our team, has joined the chat.', metadata: { author: 'system', handoff: 'person' } },
      { text: 'Sam here: yes, Gmail and Outlook.', metadata: { author: 'person', name: 'Sam' } },
    ]);
  }, 30_000);

  it('one session’s messages sent alternately to both replicas are handled one at a time, in the order they arrived', async () => {
    const onA = await widget(a);
    const started = await ask(onA, 'session:start', { siteKey });
    const onB = await widget(b);
    expect(await ask(onB, 'session:start', { siteKey, resumeToken: started.resumeToken })).toMatchObject({ ok: true, resumed: true });

    // Six messages, A, B, A...: all sent before the first reply starts, so each arrives while earlier ones wait.
    const pending: Promise<Ack>[] = [];
    for (let i = 0; i < 6; i++) {
      pending.push(ask(i % 2 === 0 ? onA : onB, 'message:send', { clientMessageId: `q${i}`, text: `Question ${i}: what does the Starter plan include?` }));
      await sleep(MESSAGE_GAP_MS);
    }
    const acks = await Promise.all(pending);
    expect(acks.map((ack) => ack.ok && !ack.heldByPerson && !ack.duplicate)).toEqual([true, true, true, true, true, true]);

    const turns: { role: string; client_message_id: string }[] = await db.dataSource.query(`SELECT role, client_message_id FROM turns WHERE session_id = $1 ORDER BY index`, [started.sessionId]);
    expect(turns.map((t) => `${t.role} ${t.client_message_id}`)).toEqual(
      [0, 1, 2, 3, 4, 5].flatMap((i) => [`visitor q${i}`, `agent q${i}#reply`]),
    );
  }, 45_000);
});

describe('start-up with REDIS_URL', () => {
  it('a server whose Redis does not answer refuses to start, naming REDIS_URL without its password', async () => {
    const exited = await waitForExit(
      spawnEntry('src/main.ts', [], { NODE_ENV: 'test', LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: String(await freePort()), DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: settings.schema, REDIS_URL: 'redis://:s3cret@127.0.0.1:1' }),
      // The entry point is TypeScript, compiled as it loads: 14 s alone, over 45 s beside the nightly-pipeline e2e on two cores.
      90_000,
    );
    expect(exited.code).toBe(1);
    expect(exited.stderr.trim()).toBe('closer: start-up failed: Redis at redis://***@127.0.0.1:1 is unavailable (connect ECONNREFUSED 127.0.0.1:1): is it running? check REDIS_URL');
  }, 95_000);
});
