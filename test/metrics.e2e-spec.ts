import { INestApplication } from '@nestjs/common';
import { io, Socket } from 'socket.io-client';
import request from 'supertest';
import { TrainingRunQueue } from '../src/jobs';
import { SCRAPE_STATEMENTS } from '../src/metrics';
import { connect, listen, request as ask } from './support/chat-client';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const REPLY = 'Pipewise is the best tool on the market.';

/** Breaks the warn rule no-unsupported-superlatives (sent, not regenerated); reports a fixed batch load. */
const policy = scriptedPolicy(REPLY, { batchLoad: () => ({ queued: 3, active: 2, maxBatch: 8 }) });

/** The value of one sample line (`name{labels} value`) in Prometheus text; 0 when absent. */
const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};

describe('GET /metrics (real Postgres, real socket.io)', () => {
  const dbConfig = testSchemaConfig('metrics');
  let app: INestApplication;
  let url: string;
  const sockets: Socket[] = [];
  const scrape = async () => {
    const res = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return res.text;
  };

  beforeAll(async () => {
    ({ app } = await startTestApp(dbConfig, { replyPolicy: policy }));
    url = await listen(app);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await app?.close();
    await dropSchema(dbConfig.schema);
  });

  it('serves the process defaults and every Closer metric, unauthenticated', async () => {
    const text = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'closer_turns_total',
      'closer_reply_duration_seconds',
      'closer_reply_first_delta_seconds',
      'closer_compliance_violations_total',
      'closer_conversions_total',
      'closer_active_sockets',
      'closer_policy_queue_depth',
      'closer_policy_batch_occupancy',
      'closer_training_runs',
      'closer_handoffs_waiting',
      'closer_db_statements_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, 'closer_policy_queue_depth')).toBe(3);
    expect(sample(text, 'closer_policy_batch_occupancy')).toBe(0.25);
  });

  it('counts a chat turn through /chat, its latency, its violation, the widget conversion and the open socket', async () => {
    const before = await scrape();
    const socket = await connect(url);
    sockets.push(socket);
    expect(sample(await scrape(), 'closer_active_sockets{namespace="chat"}')).toBe(sample(before, 'closer_active_sockets{namespace="chat"}') + 1);

    expect(await ask(socket, 'session:start', { siteKey: 'demo-site' })).toMatchObject({ ok: true });
    const sent = await ask(socket, 'message:send', { clientMessageId: 'm1', text: 'Why should I pick you?' });
    expect(sent).toMatchObject({ ok: true, text: REPLY });
    // A retried message id returns the stored reply: nothing new is counted.
    expect(await ask(socket, 'message:send', { clientMessageId: 'm1', text: 'Why should I pick you?' })).toMatchObject({ ok: true, duplicate: true });
    expect(await ask(socket, 'conversion:report', { ctaId: 'demo-booked', value: 100 })).toMatchObject({ ok: true, duplicate: false });
    expect(await ask(socket, 'conversion:report', { ctaId: 'demo-booked', value: 100 })).toMatchObject({ ok: true, duplicate: true });

    const after = await scrape();
    const rise = (series: string) => sample(after, series) - sample(before, series);
    expect({
      visitor: rise('closer_turns_total{role="visitor"}'),
      agent: rise('closer_turns_total{role="agent"}'),
      replies: rise('closer_reply_duration_seconds_count'),
      firstDeltas: rise('closer_reply_first_delta_seconds_count'),
      violations: rise('closer_compliance_violations_total{rule="no-unsupported-superlatives",severity="warn"}'),
      conversions: rise('closer_conversions_total{source="widget"}'),
    }).toEqual({ visitor: 1, agent: 1, replies: 1, firstDeltas: 1, violations: 1, conversions: 1 });

    socket.disconnect();
    await new Promise((r) => setTimeout(r, 200));
    expect(sample(await scrape(), 'closer_active_sockets{namespace="chat"}')).toBe(sample(before, 'closer_active_sockets{namespace="chat"}'));
  });

  it('counts the statements sent to the database: a scrape its own, a chat turn its own', async () => {
    const socket = await connect(url);
    sockets.push(socket);
    await ask(socket, 'session:start', { siteKey: 'demo-site' });
    // A background job (the unanswered-turn sweep, session timeouts) may run its statements between
    // any two scrapes: the least of three back-to-back pairs is the scrape's own.
    const idle: number[] = [];
    for (let i = 0; i < 3; i++) {
      const first = sample(await scrape(), 'closer_db_statements_total');
      idle.push(sample(await scrape(), 'closer_db_statements_total') - first);
    }
    expect(Math.min(...idle)).toBe(SCRAPE_STATEMENTS);
    const before = sample(await scrape(), 'closer_db_statements_total');
    await ask(socket, 'message:send', { clientMessageId: 'counted', text: 'How much is Growth?' });
    const turn = sample(await scrape(), 'closer_db_statements_total') - before - SCRAPE_STATEMENTS;
    expect(turn).toBeGreaterThanOrEqual(4);
    expect(turn).toBeLessThanOrEqual(12);
    socket.disconnect();
  });

  it('counts sockets of the Rasa channel (default namespace) apart', async () => {
    const before = await scrape();
    const rasa = io(url, { transports: ['websocket'], forceNew: true });
    sockets.push(rasa);
    await new Promise<void>((resolve, reject) => rasa.once('connect', () => resolve()).once('connect_error', reject));
    const open = await scrape();
    expect(sample(open, 'closer_active_sockets{namespace="rasa"}')).toBe(sample(before, 'closer_active_sockets{namespace="rasa"}') + 1);
    expect(sample(open, 'closer_active_sockets{namespace="chat"}')).toBe(sample(before, 'closer_active_sockets{namespace="chat"}'));
  });

  it('reads training runs by state from the table at scrape time', async () => {
    expect(sample(await scrape(), 'closer_training_runs{state="queued"}')).toBe(0);
    await app.get(TrainingRunQueue).enqueue({ runKey: 'metrics-1', trigger: 'cli', estimator: 'hian', config: {}, maxAttempts: 1 });
    const text = await scrape();
    expect(sample(text, 'closer_training_runs{state="queued"}')).toBe(1);
    expect(sample(text, 'closer_training_runs{state="promoted"}')).toBe(0);
  });
});
