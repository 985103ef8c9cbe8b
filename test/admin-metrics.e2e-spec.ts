import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { Database } from '../src/database';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const dbConfig = testSchemaConfig('admin_metrics');
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };
let app: INestApplication;
let db: Database;
let viewer = '';

const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
const get = (query: string, key: string | null = viewer) => {
  const req = request(app.getHttpServer()).get(`/api/v1/admin/metrics${query}`);
  return key ? req.set('authorization', `Bearer ${key}`) : req;
};
const GUARANTEE = { ruleId: 'no-guaranteed-results', severity: 'block', match: 'guarantee' };
const SUPERLATIVE = { ruleId: 'no-unsupported-superlatives', severity: 'warn', match: 'best tool on the market' };

async function session(createdAt: string, converted: boolean): Promise<string> {
  const [s] = await sql(`INSERT INTO chat_sessions (site_key, channel, created_at) VALUES ('shop', 'widget', $1) RETURNING id`, [createdAt]);
  if (converted) await sql(`INSERT INTO conversions (session_id, source, external_id, value, occurred_at) VALUES ($1, 'webhook', $2, 100, $3)`, [s.id, `order-${s.id}`, createdAt]);
  return s.id;
}
async function turn(sessionId: string, index: number, role: 'visitor' | 'agent', versionId: string | null): Promise<string> {
  const [t] = await sql(`INSERT INTO turns (session_id, index, role, text, model_version_id) VALUES ($1, $2, $3, 'text', $4) RETURNING id`, [sessionId, index, role, versionId]);
  return t.id;
}
/** The scores of an agent turn: its compliance violations, repetition and bot-likeness. */
async function scores(turnId: string, violations: object[], repetition: number, botLikeness: number): Promise<void> {
  await sql(
    `INSERT INTO turn_scores (turn_id, scorer, scorer_version, score, evidence) VALUES
       ($1, 'compliance', '1', $2, $3), ($1, 'repetition', '1', $4, '{}'), ($1, 'bot_likeness', '1', $5, '{}')`,
    [turnId, -violations.length, JSON.stringify({ violations, blocking: false, disclosedAi: false }), repetition, botLikeness],
  );
}

beforeAll(async () => {
  ({ app, db } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy() }));
  viewer = (await app.get(ApiKeyManager).create(setup, 'viewer-key', 'viewer')).key;
  const [alpha] = await sql(`INSERT INTO model_versions (name, artifact_path) VALUES ('alpha', '/m/alpha') RETURNING id`);
  const [beta] = await sql(`INSERT INTO model_versions (name, artifact_path) VALUES ('beta', '/m/beta') RETURNING id`);

  // 2026-11-01 (UTC): three sessions, one converted, one without turns.
  const s1 = await session('2026-11-01T10:00:00Z', true);
  await turn(s1, 0, 'visitor', null);
  await scores(await turn(s1, 1, 'agent', alpha.id), [GUARANTEE, SUPERLATIVE], 0.6, 0.1);
  await turn(s1, 2, 'visitor', null);
  await scores(await turn(s1, 3, 'agent', alpha.id), [], 0.2, 0.7);
  const s2 = await session('2026-11-01T15:00:00Z', false);
  await scores(await turn(s2, 0, 'agent', beta.id), [SUPERLATIVE], 0.5, 0.49); // at the threshold: repetitive; just under it: not bot-like
  await session('2026-11-01T23:30:00Z', false);

  // 2026-11-02: one converted session; its beta turn was rescored clean (only the newest score counts), plus a turn without a version or scores.
  const s4 = await session('2026-11-02T00:30:00Z', true);
  const rescored = await turn(s4, 0, 'agent', beta.id);
  await sql(`INSERT INTO turn_scores (turn_id, scorer, scorer_version, score, evidence, created_at) VALUES ($1, 'compliance', '0', -1, $2, '2026-11-02T01:00:00Z')`, [
    rescored,
    JSON.stringify({ violations: [GUARANTEE] }),
  ]);
  await scores(rescored, [], 0.9, 0.9);
  await turn(s4, 1, 'agent', null);

  // 2026-11-03: outside the range of the range queries.
  const s5 = await session('2026-11-03T12:00:00Z', false);
  await scores(await turn(s5, 0, 'agent', alpha.id), [GUARANTEE], 0, 0);

  // 2026-11-04: a converted session alpha began and a person took over (and one where a person was only asked for).
  const s6 = await session('2026-11-04T09:00:00Z', true);
  await scores(await turn(s6, 0, 'agent', alpha.id), [GUARANTEE], 0.9, 0.9);
  await sql(`INSERT INTO handoffs (session_id, state, reason, taken_at, taken_by_name) VALUES ($1, 'active', 'operator', '2026-11-04T09:05:00Z', 'Ana')`, [s6]);
  const s7 = await session('2026-11-04T10:00:00Z', false);
  await scores(await turn(s7, 0, 'agent', alpha.id), [], 0, 0);
  await sql(`INSERT INTO handoffs (session_id, state, reason) VALUES ($1, 'waiting', 'visitor_request')`, [s7]);
});
afterAll(async () => {
  await app?.close();
  await dropSchema(dbConfig.schema);
});

describe('GET /api/v1/admin/metrics', () => {
  it('401 without a key or with an unknown one', async () => {
    for (const key of [null, `ck_${'A'.repeat(43)}`]) {
      const res = await get('?groupBy=day', key);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'unauthorized' });
    }
  });

  it.each([
    ['?groupBy=week', /groupBy: groupBy must be day or model/],
    ['?from=yesterday', /from: from must be an ISO 8601 date/],
    ['?from=2026-11-03&to=2026-11-01', /to: to must be after from/],
    ['?colour=red', /colour: not a known field/],
  ])('400 invalid_request for %s', async (query, message) => {
    const res = await get(query);
    expect({ status: res.status, keys: Object.keys(res.body).sort(), code: res.body.code }).toEqual({ status: 400, keys: ['code', 'message'], code: 'invalid_request' });
    expect(res.body.message).toMatch(message);
  });

  it('per day of the session start: sessions, conversion, violations by rule, repetition and bot-like rates', async () => {
    const res = await get('?from=2026-11-01&to=2026-11-03&groupBy=day').expect(200);
    expect(res.body).toMatchObject({ groupBy: 'day', from: '2026-11-01T00:00:00.000Z', to: '2026-11-03T00:00:00.000Z', thresholds: { repetition: 0.5, botLikeness: 0.5 } });
    expect(res.body.items).toEqual([
      {
        day: '2026-11-01',
        sessions: 3,
        convertedSessions: 1,
        conversionRate: 1 / 3,
        agentTurns: 3,
        violations: 3,
        violationRate: 1,
        violationsByRule: { 'no-guaranteed-results': { violations: 1, rate: 1 / 3 }, 'no-unsupported-superlatives': { violations: 2, rate: 2 / 3 } },
        repetitiveTurns: 2,
        repetitionRate: 2 / 3,
        botLikeTurns: 1,
        botLikeRate: 1 / 3,
      },
      {
        day: '2026-11-02',
        sessions: 1,
        convertedSessions: 1,
        conversionRate: 1,
        agentTurns: 2,
        violations: 0,
        violationRate: 0,
        violationsByRule: {},
        repetitiveTurns: 1,
        repetitionRate: 0.5,
        botLikeTurns: 1,
        botLikeRate: 0.5,
      },
    ]);
  });

  it('per model version: a session counts for each version that wrote one of its agent turns; turns without a version last', async () => {
    const res = await get('?from=2026-11-01&to=2026-11-03&groupBy=model').expect(200);
    const [alpha, beta] = await sql(`SELECT id, name FROM model_versions ORDER BY name`);
    expect(res.body.items).toEqual([
      {
        modelVersion: { id: alpha.id, name: 'alpha' },
        sessions: 1,
        convertedSessions: 1,
        conversionRate: 1,
        agentTurns: 2,
        violations: 2,
        violationRate: 1,
        violationsByRule: { 'no-guaranteed-results': { violations: 1, rate: 0.5 }, 'no-unsupported-superlatives': { violations: 1, rate: 0.5 } },
        repetitiveTurns: 1,
        repetitionRate: 0.5,
        botLikeTurns: 1,
        botLikeRate: 0.5,
      },
      {
        modelVersion: { id: beta.id, name: 'beta' },
        sessions: 2,
        convertedSessions: 1,
        conversionRate: 0.5,
        agentTurns: 2,
        violations: 1,
        violationRate: 0.5,
        violationsByRule: { 'no-unsupported-superlatives': { violations: 1, rate: 0.5 } },
        repetitiveTurns: 2,
        repetitionRate: 1,
        botLikeTurns: 1,
        botLikeRate: 0.5,
      },
      {
        modelVersion: null,
        sessions: 1,
        convertedSessions: 1,
        conversionRate: 1,
        agentTurns: 1,
        violations: 0,
        violationRate: 0,
        violationsByRule: {},
        repetitiveTurns: 0,
        repetitionRate: 0,
        botLikeTurns: 0,
        botLikeRate: 0,
      },
    ]);
  });

  it('groupBy defaults to day and the range to everything; a day of sessions without agent turns has null rates', async () => {
    const all = await get('').expect(200);
    expect(all.body).toMatchObject({ groupBy: 'day', from: null, to: null });
    expect(all.body.items.map((i: { day: string; sessions: number }) => [i.day, i.sessions])).toEqual([
      ['2026-11-01', 3],
      ['2026-11-02', 1],
      ['2026-11-03', 1],
      ['2026-11-04', 2],
    ]);
    const quiet = await get('?from=2026-11-01T23:00:00Z&to=2026-11-02T00:00:00Z').expect(200);
    expect(quiet.body.items).toEqual([
      expect.objectContaining({ day: '2026-11-01', sessions: 1, convertedSessions: 0, conversionRate: 0, agentTurns: 0, violationRate: null, repetitionRate: null, botLikeRate: null }),
    ]);
    expect((await get('?from=2030-01-01').expect(200)).body.items).toEqual([]);
  });

  it('per model version leaves out a session a person took over (its outcome is partly the person’s); per day keeps it; the count is given', async () => {
    const byModel = await get('?from=2026-11-04&to=2026-11-05&groupBy=model').expect(200);
    expect(byModel.body.personHandledSessions).toBe(1);
    expect(byModel.body.items).toEqual([
      expect.objectContaining({ modelVersion: expect.objectContaining({ name: 'alpha' }), sessions: 1, convertedSessions: 0, agentTurns: 1, violations: 0, repetitiveTurns: 0 }),
    ]);
    const byDay = await get('?from=2026-11-04&to=2026-11-05').expect(200);
    expect(byDay.body).toMatchObject({ personHandledSessions: 1, items: [expect.objectContaining({ day: '2026-11-04', sessions: 2, convertedSessions: 1, agentTurns: 2, violations: 1 })] });
    expect((await get('?from=2026-11-01&to=2026-11-03&groupBy=model').expect(200)).body.personHandledSessions).toBe(0);
  });
});
