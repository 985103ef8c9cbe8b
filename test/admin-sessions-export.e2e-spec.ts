import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { Database } from '../src/database';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const dbConfig = testSchemaConfig('admin_export');
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };
let app: INestApplication;
let db: Database;
let viewer = '';
let versionId = '';
const ids: Record<'sold' | 'tricky' | 'quiet', string> = { sold: '', tricky: '', quiet: '' };
const TRICKY = '=HYPERLINK("x"), then\nsome';

const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
const get = (query: string, key: string | null = viewer) => {
  const req = request(app.getHttpServer()).get(`/api/v1/admin/sessions/export${query}`).buffer(true).parse((res, done) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => done(null, text));
  });
  return key ? req.set('authorization', `Bearer ${key}`) : req;
};
const lines = (res: request.Response) => (res.body as string).split('\n').filter(Boolean).map((l) => JSON.parse(l));
const lastAudit = async () => (await sql(`SELECT * FROM admin_audit_log ORDER BY created_at DESC, id DESC LIMIT 1`))[0];

beforeAll(async () => {
  ({ app, db } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy() }));
  viewer = (await app.get(ApiKeyManager).create(setup, 'viewer-key', 'viewer')).key;
  [{ id: versionId }] = await sql(`INSERT INTO model_versions (name, artifact_path) VALUES ('alpha', '/m/alpha') RETURNING id`);
  const session = async (createdAt: string) => (await sql(`INSERT INTO chat_sessions (site_key, channel, created_at) VALUES ('shop', 'widget', $1) RETURNING id`, [createdAt]))[0].id as string;
  ids.quiet = await session('2026-11-01T10:00:00Z');
  ids.tricky = await session('2026-11-02T10:00:00Z');
  ids.sold = await session('2026-11-03T10:00:00Z');
  await sql(`INSERT INTO conversions (session_id, source, external_id, value, occurred_at) VALUES ($1, 'webhook', 'order-1', 1200, '2026-11-03T11:00:00Z')`, [ids.sold]);
  await sql(`INSERT INTO turns (session_id, index, role, text) VALUES ($1, 0, 'visitor', 'How much is Growth?'), ($2, 0, 'visitor', $3)`, [ids.sold, ids.tricky, TRICKY]);
  const [agent] = await sql(`INSERT INTO turns (session_id, index, role, text, model_version_id) VALUES ($1, 1, 'agent', 'Growth is $59 per seat.', $2) RETURNING id`, [ids.sold, versionId]);
  await sql(`INSERT INTO turn_scores (turn_id, scorer, scorer_version, score, evidence) VALUES ($1, 'compliance', '1', 0, '{"violations": []}'), ($1, 'total', '2', 0.25, '{}')`, [agent.id]);
  // 250 sessions in 2025, each with one turn: more than one export page (100).
  await sql(`WITH s AS (INSERT INTO chat_sessions (site_key, channel, created_at)
               SELECT 'bulk', 'widget', timestamptz '2025-01-01' + g * interval '1 minute' FROM generate_series(1, 250) g RETURNING id)
             INSERT INTO turns (session_id, index, role, text) SELECT id, 0, 'visitor', 'hi' FROM s`);
});
afterAll(async () => {
  await app?.close();
  await dropSchema(dbConfig.schema);
});

describe('GET /admin/sessions/export', () => {
  it('needs a key', async () => {
    expect((await get('?format=jsonl', null)).status).toBe(401);
  });

  it('rejects a bad format or filter with 400 before sending anything', async () => {
    for (const q of ['', '?format=xml', '?format=csv&outcome=maybe', '?format=csv&from=2026-11-05&to=2026-11-01', '?format=jsonl&colour=red', '?format=jsonl&limit=5']) {
      const res = await get(q);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
      expect(JSON.parse(res.body).code).toBe('invalid_request');
    }
  });

  it('JSONL: a line per filtered session with turns, scores and conversions', async () => {
    const res = await get('?format=jsonl&from=2026-11-01');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="sessions-.*\.jsonl"$/);
    const out = lines(res);
    expect(out.map((s) => s.id)).toEqual([ids.sold, ids.tricky, ids.quiet]);
    expect(out[0]).toEqual(
      expect.objectContaining({
        siteKey: 'shop',
        converted: true,
        conversions: [expect.objectContaining({ externalId: 'order-1', value: 1200 })],
        turns: [
          expect.objectContaining({ index: 0, role: 'visitor', text: 'How much is Growth?', modelVersionId: null, scores: {} }),
          expect.objectContaining({ index: 1, role: 'agent', text: 'Growth is $59 per seat.', modelVersionId: versionId, scores: { compliance: 0, total: 0.25 }, createdAt: expect.any(String) }),
        ],
      }),
    );
    expect(out[2]).toEqual(expect.objectContaining({ converted: false, conversions: [], turns: [] }));
    expect(lines(await get('?format=jsonl&outcome=converted')).map((s) => s.id)).toEqual([ids.sold]);
    expect(lines(await get('?format=jsonl&modelVersion=alpha')).map((s) => s.id)).toEqual([ids.sold]);
    expect(lines(await get('?format=jsonl&from=2026-11-02&to=2026-11-03')).map((s) => s.id)).toEqual([ids.tricky]);
  });

  it('CSV: a row per turn, quoted, formulas defused; audited without text', async () => {
    const res = await get('?format=csv&from=2026-11-01');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="sessions-.*\.csv"$/);
    expect(res.body).toBe(
      [
        'session_id,session_created_at,site_key,turn_index,role,text,model_version_id,compliance_score,total_score,session_converted',
        `${ids.sold},2026-11-03T10:00:00.000Z,shop,0,visitor,How much is Growth?,,,,true`,
        `${ids.sold},2026-11-03T10:00:00.000Z,shop,1,agent,Growth is $59 per seat.,${versionId},0,0.25,true`,
        `${ids.tricky},2026-11-02T10:00:00.000Z,shop,0,visitor,"'=HYPERLINK(""x""), then\nsome",,,,false`,
        '',
      ].join('\r\n'),
    );
    const audit = await lastAudit();
    expect(audit).toEqual(expect.objectContaining({ action: 'sessions.export', actor_name: 'viewer-key', target_type: 'session' }));
    expect(audit.summary).toEqual({ format: 'csv', filter: { from: '2026-11-01T00:00:00.000Z' }, rows: 3, complete: true });
    expect(JSON.stringify(audit.summary)).not.toMatch(/Growth|HYPERLINK/);
  });

  it('exports every session across pages, once each', async () => {
    const res = await get('?format=jsonl&to=2026-01-01');
    const out = lines(res);
    expect(out).toHaveLength(250);
    expect(new Set(out.map((s) => s.id)).size).toBe(250);
    expect(out.every((s) => s.siteKey === 'bulk' && s.turns.length === 1)).toBe(true);
    expect((await lastAudit()).summary).toEqual({ format: 'jsonl', filter: { to: '2026-01-01T00:00:00.000Z' }, rows: 250, complete: true });
    const csv = (await get('?format=csv')).body as string;
    expect(csv.trimEnd().split('\r\n')).toHaveLength(1 + 250 + 3);
  });
});
