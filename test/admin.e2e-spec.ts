import { INestApplication } from '@nestjs/common';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { Database } from '../src/database';
import { TrainingRunQueue } from '../src/jobs';
import { ModelRegistry } from '../src/registry';
import { scriptedPolicy } from './support/scripted-policy';
import { spawnEntry, waitForExit } from './support/spawn-server';
import { startTestApp } from './support/test-app';
import { dropSchema, testDatabaseUrl, testSchemaConfig } from './support/test-database';

const dbConfig = testSchemaConfig('admin');
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };
let app: INestApplication;
let db: Database;
const keys = { admin: '', operator: '', viewer: '', revoked: '' };
let revokedId = '';

beforeAll(async () => {
  ({ app, db } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy(), env: { ARTIFACT_DIR: mkdtempSync(join(tmpdir(), 'closer-admin-')) } }));
  const manager = app.get(ApiKeyManager);
  for (const role of ['admin', 'operator', 'viewer'] as const) keys[role] = (await manager.create(setup, `${role}-key`, role)).key;
  const revoked = await manager.create(setup, 'old-key', 'admin');
  await manager.revoke(setup, revoked.id);
  keys.revoked = revoked.key;
  revokedId = revoked.id;
});
afterAll(async () => {
  await app?.close();
  await dropSchema(dbConfig.schema);
});

type Method = 'get' | 'post' | 'put' | 'delete';
const call = (method: Method, path: string, key?: string, body?: unknown) => {
  const req = request(app.getHttpServer())[method](`/api/v1/admin/${path}`);
  if (key) req.set('authorization', `Bearer ${key}`);
  return body === undefined ? req : req.send(body as object);
};
const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
const auditCount = async () => Number((await sql(`SELECT count(*) FROM admin_audit_log`))[0].count);
const lastAudit = async () => (await sql(`SELECT * FROM admin_audit_log ORDER BY created_at DESC, id DESC LIMIT 1`))[0];
const expectError = (res: request.Response, status: number, code: string, message?: RegExp) => {
  expect({ status: res.status, keys: Object.keys(res.body).sort(), code: res.body.code }).toEqual({ status, keys: ['code', 'message'], code });
  if (message) expect(res.body.message).toMatch(message);
};

/** Every page of a list endpoint, following nextCursor. */
async function allPages(path: string, key: string, limit: number): Promise<{ pages: { id: string }[][] }> {
  const pages: { id: string }[][] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res: request.Response = await call('get', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, key).expect(200);
    pages.push(res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor && pages.length < 50);
  return { pages };
}
const expectPagesPartition = (pages: { id: string }[][], all: string[]) => {
  const ids = pages.flat().map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(all);
};

/** Every admin route, the weakest role it allows, and a valid request for it. */
const routes: { method: Method; path: string; role: 'viewer' | 'operator' | 'admin'; body?: unknown }[] = [
  { method: 'get', path: 'me', role: 'viewer' },
  { method: 'get', path: 'canary', role: 'viewer' },
  { method: 'get', path: 'canary/history', role: 'viewer' },
  { method: 'post', path: 'canary/promote', role: 'admin', body: {} },
  { method: 'post', path: 'canary/abort', role: 'admin', body: {} },
  { method: 'get', path: 'fidelity', role: 'viewer' },
  { method: 'get', path: 'sessions', role: 'viewer' },
  { method: 'get', path: 'sessions/00000000-0000-0000-0000-000000000000', role: 'viewer' },
  { method: 'get', path: 'models', role: 'viewer' },
  { method: 'get', path: 'models/default', role: 'viewer' },
  { method: 'post', path: 'models/default/promote', role: 'admin', body: {} },
  { method: 'post', path: 'models/rollback', role: 'admin', body: {} },
  { method: 'get', path: 'training-runs', role: 'viewer' },
  { method: 'get', path: 'training-runs/00000000-0000-0000-0000-000000000000', role: 'viewer' },
  { method: 'post', path: 'training-runs', role: 'operator', body: { steps: 1 } },
  { method: 'post', path: 'training-runs/00000000-0000-0000-0000-000000000000/cancel', role: 'operator', body: {} },
  { method: 'post', path: 'api-keys', role: 'admin', body: { name: 'x', role: 'viewer' } },
  { method: 'get', path: 'api-keys', role: 'admin' },
  { method: 'delete', path: 'api-keys/00000000-0000-0000-0000-000000000000', role: 'admin' },
  { method: 'get', path: 'audit-log', role: 'admin' },
  { method: 'get', path: 'metrics?groupBy=model', role: 'viewer' },
  { method: 'get', path: 'settings', role: 'viewer' },
  { method: 'put', path: 'settings', role: 'admin', body: { conversionMargin: 0.1 } },
];

describe('admin API auth', () => {
  it.each(routes)('$method /$path: 401 without a key, with a malformed, unknown or revoked key', async ({ method, path, body }) => {
    const before = await auditCount();
    expectError(await call(method, path, undefined, body), 401, 'unauthorized', /Authorization: Bearer/);
    expectError(await call(method, path, 'not-a-key', body), 401, 'unauthorized');
    expectError(await call(method, path, `ck_${'A'.repeat(43)}`, body), 401, 'unauthorized');
    expectError(await call(method, path, keys.revoked, body), 401, 'unauthorized');
    expectError(await request(app.getHttpServer())[method](`/api/v1/admin/${path}`).set('authorization', `Basic ${keys.admin}`), 401, 'unauthorized');
    expect(await auditCount()).toBe(before);
  });

  it.each(routes.filter((r) => r.role !== 'viewer'))('$method /$path: 403 below $role, and nothing changes', async ({ method, path, role, body }) => {
    const before = { audit: await auditCount(), runs: await sql(`SELECT count(*) FROM training_runs`), keys: await sql(`SELECT count(*) FROM api_keys`) };
    const weaker = role === 'admin' ? ['viewer', 'operator'] as const : ['viewer'] as const;
    for (const r of weaker) expectError(await call(method, path, keys[r], body), 403, 'forbidden', new RegExp(`needs the ${role} role`));
    expect({ audit: await auditCount(), runs: await sql(`SELECT count(*) FROM training_runs`), keys: await sql(`SELECT count(*) FROM api_keys`) }).toEqual(before);
  });

  it('GET /me names the key and its role, for every role', async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) expect((await call('get', 'me', keys[role]).expect(200)).body).toEqual({ name: `${role}-key`, role });
  });

  it('a used key gets last_used_at; revoked keys are refused', async () => {
    await sql(`UPDATE api_keys SET last_used_at = NULL`);
    await call('get', 'sessions', keys.viewer).expect(200);
    const rows: { name: string; used: boolean }[] = await sql(`SELECT name, last_used_at IS NOT NULL AS used FROM api_keys ORDER BY name`);
    expect(rows.filter((r) => r.used).map((r) => r.name)).toEqual(['viewer-key']);
    expect((await sql(`SELECT revoked_at FROM api_keys WHERE id = $1`, [revokedId]))[0].revoked_at).not.toBeNull();
  });
});

describe('GET /sessions', () => {
  const ids: string[] = []; // newest first
  let versionId = '';

  beforeAll(async () => {
    versionId = await app.get(ModelRegistry).adoptServed('default', '/models/default');
    // Seven sessions, two of them in the same millisecond (microseconds apart): pages must neither skip nor repeat them.
    const times = ['2026-11-01T10:00:00.000001Z', '2026-11-02T10:00:00Z', '2026-11-03T10:00:00.000100Z', '2026-11-03T10:00:00.000200Z', '2026-11-04T10:00:00Z', '2026-11-05T10:00:00Z', '2026-11-06T10:00:00Z'];
    for (const t of times) ids.unshift((await sql(`INSERT INTO chat_sessions (site_key, channel, created_at) VALUES ('shop', 'widget', $1) RETURNING id`, [t]))[0].id);
    const [converted, withVersion, violating] = [ids[0], ids[1], ids[2]];
    await sql(`INSERT INTO conversions (session_id, source, external_id, value, occurred_at) VALUES ($1, 'webhook', 'order-1', 1200, now())`, [converted]);
    for (const [session, i] of [[withVersion, 0], [violating, 0]] as const) {
      await sql(`INSERT INTO turns (session_id, index, role, text) VALUES ($1, $2, 'visitor', 'How much is Growth?')`, [session, i]);
    }
    const [agentTurn] = await sql(`INSERT INTO turns (session_id, index, role, text, model_version_id) VALUES ($1, 1, 'agent', 'Growth is $59 per seat.', $2) RETURNING id`, [withVersion, versionId]);
    await sql(`INSERT INTO turn_scores (turn_id, scorer, scorer_version, score, evidence) VALUES ($1, 'compliance', '1', 0, '{"violations": []}'), ($1, 'total', '2', 0.1, '{}')`, [agentTurn.id]);
    const [bad] = await sql(`INSERT INTO turns (session_id, index, role, text) VALUES ($1, 1, 'agent', 'We guarantee results.') RETURNING id`, [violating]);
    await sql(`INSERT INTO turn_scores (turn_id, scorer, scorer_version, score, evidence) VALUES ($1, 'compliance', '1', -1, $2)`, [bad.id, JSON.stringify({ violations: [{ ruleId: 'no-guarantees', severity: 'block', match: 'guarantee' }] })]);
  });

  it('newest first in pages that neither overlap nor skip (limit 2 and 3)', async () => {
    for (const limit of [2, 3]) {
      const { pages } = await allPages('sessions', keys.viewer, limit);
      expect(pages.map((p) => p.length)).toEqual(limit === 2 ? [2, 2, 2, 1] : [3, 3, 1]);
      expectPagesPartition(pages, ids);
    }
    const first = await call('get', 'sessions?limit=1', keys.viewer).expect(200);
    expect(first.body.items[0]).toEqual(expect.objectContaining({ id: ids[0], converted: true, conversionValue: 1200, turns: 0, siteKey: 'shop' }));
  });

  it('filters: outcome, model version (id or name), rule violated, date range', async () => {
    const idsOf = async (q: string) => (await call('get', `sessions?${q}`, keys.viewer).expect(200)).body.items.map((s: { id: string }) => s.id);
    expect(await idsOf('outcome=converted')).toEqual([ids[0]]);
    expect(await idsOf('outcome=not_converted')).toEqual(ids.slice(1));
    expect(await idsOf(`modelVersion=${versionId}`)).toEqual([ids[1]]);
    expect(await idsOf('modelVersion=default')).toEqual([ids[1]]);
    expect(await idsOf('rule=no-guarantees')).toEqual([ids[2]]);
    expect(await idsOf('rule=other-rule')).toEqual([]);
    expect(await idsOf('from=2026-11-03&to=2026-11-05')).toEqual([ids[2], ids[3], ids[4]]);
    expect(await idsOf('from=2026-11-03T10:00:00.000Z&to=2026-11-04T00:00:00%2B00:00&outcome=not_converted')).toEqual([ids[3], ids[4]]);
  });

  it('bad queries are 400 naming each field', async () => {
    const bad = await call('get', 'sessions?limit=500&outcome=maybe&from=yesterday&colour=red', keys.viewer);
    expectError(bad, 400, 'invalid_request');
    for (const part of ['limit: limit must be at most 100', 'outcome: outcome must be converted or not_converted', 'from: from must be an ISO 8601 date', 'colour: not a known field']) expect(bad.body.message).toContain(part);
    expectError(await call('get', 'sessions?limit=0', keys.viewer), 400, 'invalid_request', /limit must be at least 1/);
    expectError(await call('get', 'sessions?from=2026-11-05&to=2026-11-01', keys.viewer), 400, 'invalid_request', /to: to must be after from/);
    expectError(await call('get', 'sessions?cursor=bm90LWEtY3Vyc29y', keys.viewer), 400, 'invalid_cursor');
  });

  it('one session: turns in order with their scores, and its conversions; unknown ids are 404', async () => {
    const res = await call('get', `sessions/${ids[1]}`, keys.viewer).expect(200);
    expect(res.body).toEqual(expect.objectContaining({ id: ids[1], converted: false, conversions: [] }));
    expect(res.body.resumeTokenHash).toBeUndefined();
    expect(res.body.turns.map((t: { index: number; role: string }) => `${t.index}:${t.role}`)).toEqual(['0:visitor', '1:agent']);
    expect(res.body.turns[1]).toEqual(expect.objectContaining({ text: 'Growth is $59 per seat.', modelVersionId: versionId }));
    expect(res.body.turns[1].scores.map((s: { scorer: string; score: number }) => [s.scorer, s.score])).toEqual([['compliance', 0], ['total', 0.1]]);
    const sold = await call('get', `sessions/${ids[0]}`, keys.viewer).expect(200);
    expect(sold.body.conversions).toEqual([expect.objectContaining({ source: 'webhook', externalId: 'order-1', value: 1200 })]);
    expectError(await call('get', 'sessions/00000000-0000-0000-0000-000000000000', keys.viewer), 404, 'unknown_session');
    expectError(await call('get', 'sessions/not-a-uuid', keys.viewer), 404, 'unknown_session');
  });
});

describe('models', () => {
  const registry = () => app.get(ModelRegistry);
  let runId = '';

  beforeAll(async () => {
    await registry().adoptServed('default', '/models/default');
    runId = (await app.get(TrainingRunQueue).enqueue({ runKey: 'admin-models', trigger: 'cli', estimator: 'hian', config: {}, maxAttempts: 1 })).run.id;
    const base = (await registry().champion())!;
    const record = (name: string, parentId: string) => ({ name, artifactPath: `/artifacts/versions/${name}`, parentId, runId, estimator: 'hian', dataWindowStart: new Date(0), dataWindowEnd: new Date(), config: {}, metrics: { gate: 'passed' } });
    const a = await registry().registerCandidate(record('cand-a', base.id));
    await registry().registerCandidate(record('cand-b', a.id));
  });

  it('lists versions in pages and shows lineage: parent chain, training run', async () => {
    const { pages } = await allPages('models', keys.viewer, 2);
    expect(pages.flat().map((v) => (v as unknown as { name: string }).name)).toEqual(['cand-b', 'cand-a', 'default']);
    expectPagesPartition(pages, pages.flat().map((v) => v.id));
    expect((await call('get', 'models?status=champion', keys.viewer).expect(200)).body.items.map((v: { name: string }) => v.name)).toEqual(['default']);
    const detail = await call('get', 'models/cand-b', keys.viewer).expect(200);
    expect(detail.body.lineage.parents.map((p: { name: string }) => p.name)).toEqual(['cand-a', 'default']);
    expect(detail.body.lineage.run).toEqual(expect.objectContaining({ id: runId, trigger: 'cli', estimator: 'hian' }));
    expect(detail.body.lineage.adapter).toBeNull();
    expect(detail.body.metrics).toEqual({ gate: 'passed' });
    expectError(await call('get', 'models/no-such-version', keys.viewer), 404, 'unknown_version');
  });

  it('promote and rollback through the API change the registry champion, each with an audit entry', async () => {
    const promoted = await call('post', 'models/cand-a/promote', keys.admin, {}).expect(200);
    expect(promoted.body).toEqual(expect.objectContaining({ champion: expect.objectContaining({ name: 'cand-a' }), previous: expect.objectContaining({ name: 'default' }) }));
    expect((await registry().champion())?.name).toBe('cand-a');
    expect(await lastAudit()).toEqual(expect.objectContaining({ actor_name: 'admin-key', action: 'model.promote', target_type: 'model_version', summary: { version: 'cand-a', previous: 'default', pin: false } }));

    await call('post', 'models/cand-b/promote', keys.admin).expect(200); // no body at all is fine too
    expect((await registry().champion())?.name).toBe('cand-b');
    const back = await call('post', 'models/rollback', keys.admin, {}).expect(200);
    expect([back.body.from.name, back.body.to.name]).toEqual(['cand-b', 'cand-a']);
    expect((await registry().champion())?.name).toBe('cand-a');
    expect(await lastAudit()).toEqual(expect.objectContaining({ action: 'model.rollback', summary: { from: 'cand-b', to: 'cand-a' } }));
  });

  it('refusals change nothing: bad body, unknown version, pinned champion, nothing to roll back', async () => {
    const before = await auditCount();
    expectError(await call('post', 'models/default/promote', keys.admin, { pin: 'yes' }), 400, 'invalid_request', /pin: pin must be true or false/);
    expectError(await call('post', 'models/default/promote', keys.admin, { force: true }), 400, 'invalid_request', /^force: not a known field$/);
    expectError(await call('post', 'models/no-such/promote', keys.admin, {}), 404, 'unknown_version');
    expectError(await call('post', 'models/cand-a/promote', keys.admin, {}), 409, 'already_champion');
    expect((await registry().champion())?.name).toBe('cand-a');
    expect(await auditCount()).toBe(before);

    await call('post', 'models/cand-a/promote', keys.admin, { pin: true }).expect(200);
    expectError(await call('post', 'models/default/promote', keys.admin, {}), 409, 'champion_pinned');
    // cand-b was rolled back already, so the one version left to return to is default.
    expect((await call('post', 'models/rollback', keys.admin).expect(200)).body.to.name).toBe('default');
    expectError(await call('post', 'models/rollback', keys.admin), 409, 'no_previous_champion');
    expect((await registry().champion())?.name).toBe('default');
  });
});

describe('training runs', () => {
  it('an operator triggers a run now: queued with the overrides, audited; bad settings queue nothing', async () => {
    const count = async () => Number((await sql(`SELECT count(*) FROM training_runs`))[0].count);
    const before = await count();
    const bad = await call('post', 'training-runs', keys.operator, { steps: 'many', group: 1, colour: 'red' });
    expectError(bad, 400, 'invalid_request');
    for (const part of ['steps: ', 'group: group must be at least 2', 'colour: not a known field']) expect(bad.body.message).toContain(part);
    expectError(await call('post', 'training-runs', keys.operator, { steps: 2.5 }), 400, 'invalid_request', /steps must be a whole number/);
    expect(await count()).toBe(before);

    const res = await call('post', 'training-runs', keys.operator, { steps: 3, group: 4 }).expect(202);
    expect(res.body).toEqual(expect.objectContaining({ status: 'queued', trigger: 'admin', estimator: 'hian', config: expect.objectContaining({ steps: 3, group: 4 }) }));
    expect(res.body.runKey).toMatch(/^admin:/);
    expect(await count()).toBe(before + 1);
    expect(await lastAudit()).toEqual(expect.objectContaining({ actor_name: 'operator-key', action: 'training_run.trigger', target_id: res.body.id, summary: { steps: 3, group: 4 } }));
  });

  it('cancel: a queued run at once (audited); a finished one is 409, an unknown one 404', async () => {
    const { body: run } = await call('post', 'training-runs', keys.admin, {}).expect(202);
    const cancelled = await call('post', `training-runs/${run.id}/cancel`, keys.operator).expect(200);
    expect(cancelled.body).toEqual(expect.objectContaining({ id: run.id, status: 'cancelled' }));
    expect(await lastAudit()).toEqual(expect.objectContaining({ action: 'training_run.cancel', target_id: run.id, summary: { status: 'cancelled' } }));
    const before = await auditCount();
    expectError(await call('post', `training-runs/${run.id}/cancel`, keys.operator), 409, 'run_finished');
    expectError(await call('post', 'training-runs/00000000-0000-0000-0000-000000000000/cancel', keys.operator), 404, 'unknown_run');
    expectError(await call('post', `training-runs/${run.id}/cancel`, keys.operator, { now: true }), 400, 'invalid_request');
    expect(await auditCount()).toBe(before);
  });

  it('lists runs in pages; a run shows its per-step metrics from its run folder and its gate report', async () => {
    const queue = app.get(TrainingRunQueue);
    const { run } = await queue.enqueue({ runKey: 'admin-detail', trigger: 'nightly', estimator: 'hian', config: {}, maxAttempts: 1 });
    const runDir = mkdtempSync(join(tmpdir(), 'closer-run-'));
    writeFileSync(join(runDir, 'metrics.jsonl'), [1, 2].map((step) => JSON.stringify({ step, conversion_rate: step / 10, kl: 0.01 * step })).join('\n') + '\n');
    const gate = { decision: 'reject', checks: [{ rule: 'conversion', passed: false }] };
    await sql(`UPDATE training_runs SET status = 'rejected', run_dir = $2, gate = $3 WHERE id = $1`, [run.id, runDir, JSON.stringify(gate)]);
    const detail = await call('get', `training-runs/${run.id}`, keys.viewer).expect(200);
    expect(detail.body).toEqual(expect.objectContaining({ id: run.id, status: 'rejected', gate }));
    expect(detail.body.steps).toEqual([{ step: 1, conversion_rate: 0.1, kl: 0.01 }, { step: 2, conversion_rate: 0.2, kl: 0.02 }]);
    expectError(await call('get', 'training-runs/00000000-0000-0000-0000-000000000000', keys.viewer), 404, 'unknown_run');

    const all: string[] = (await sql(`SELECT id FROM training_runs ORDER BY created_at DESC, id DESC`)).map((r: { id: string }) => r.id);
    expect(all.length).toBeGreaterThanOrEqual(4);
    expectPagesPartition((await allPages('training-runs', keys.viewer, 2)).pages, all);
    expect((await call('get', 'training-runs?status=rejected', keys.viewer).expect(200)).body.items.map((r: { id: string }) => r.id)).toEqual([run.id]);
    expectError(await call('get', 'training-runs?status=done', keys.viewer), 400, 'invalid_request', /status must be one of queued/);
  });
});

describe('API keys and the audit log', () => {
  it('create shows the key once; it works at its role; listing never shows it; revoke locks it out; all audited without the key', async () => {
    const created = await call('post', 'api-keys', keys.admin, { name: 'dashboard', role: 'operator' }).expect(201);
    const { key, id, prefix } = created.body;
    expect(created.body).toEqual(expect.objectContaining({ name: 'dashboard', role: 'operator', revokedAt: null }));
    expect(key.startsWith(prefix)).toBe(true);
    const [stored] = await sql(`SELECT key_hash FROM api_keys WHERE id = $1`, [id]);
    expect(stored.key_hash).not.toContain(key);

    await call('get', 'sessions', key).expect(200);
    await call('post', 'training-runs', key, {}).expect(202);
    expectError(await call('get', 'api-keys', key), 403, 'forbidden');

    const { pages } = await allPages('api-keys', keys.admin, 2);
    const listed = pages.flat() as unknown as Record<string, unknown>[];
    expect(listed.map((k) => k.name)).toEqual(expect.arrayContaining(['dashboard', 'admin-key', 'old-key']));
    expectPagesPartition(pages, listed.map((k) => k.id as string));
    for (const k of listed) expect(Object.keys(k).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'role']);
    expect((await call('get', 'api-keys?revoked=true', keys.admin).expect(200)).body.items.map((k: { name: string }) => k.name)).toEqual(['old-key']);

    const revoked = await call('delete', `api-keys/${id}`, keys.admin).expect(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expectError(await call('get', 'sessions', key), 401, 'unauthorized');
    expectError(await call('delete', `api-keys/${id}`, keys.admin), 409, 'already_revoked');
    expectError(await call('delete', 'api-keys/nope', keys.admin), 404, 'unknown_api_key');

    const audit = await call('get', 'audit-log?action=api_key.create&limit=100', keys.admin).expect(200);
    expect(audit.body.items[0]).toEqual(expect.objectContaining({ actorName: 'admin-key', action: 'api_key.create', targetType: 'api_key', targetId: id, summary: { name: 'dashboard', role: 'operator', prefix } }));
    const everything = JSON.stringify((await sql(`SELECT * FROM admin_audit_log`)) as unknown[]);
    for (const secret of [key, keys.admin, keys.operator, keys.viewer, keys.revoked]) expect(everything).not.toContain(secret.slice(11));
  });

  it('bad key requests are 400 naming the field and create nothing', async () => {
    const before = await sql(`SELECT count(*) FROM api_keys`);
    const bad = await call('post', 'api-keys', keys.admin, { name: '', role: 'root' });
    expectError(bad, 400, 'invalid_request');
    expect(bad.body.message).toContain('name: name must not be empty');
    expect(bad.body.message).toContain('role: role must be one of viewer, operator, admin');
    expectError(await call('post', 'api-keys', keys.admin), 400, 'invalid_request', /name: /);
    expect(await sql(`SELECT count(*) FROM api_keys`)).toEqual(before);
  });

  it('the audit log pages newest first with the actor of every write', async () => {
    const all: string[] = (await sql(`SELECT id FROM admin_audit_log ORDER BY created_at DESC, id DESC`)).map((r: { id: string }) => r.id);
    expect(all.length).toBeGreaterThan(5);
    const { pages } = await allPages('audit-log', keys.admin, 3);
    expectPagesPartition(pages, all);
    const actions = new Set(pages.flat().map((e) => (e as unknown as { action: string }).action));
    expect([...actions].sort()).toEqual(['api_key.create', 'api_key.revoke', 'model.promote', 'model.rollback', 'training_run.cancel', 'training_run.trigger']);
    expectError(await call('get', 'audit-log?action=DROP TABLE', keys.admin), 400, 'invalid_request', /action must look like model.promote/);
  });
});

describe('OpenAPI and the bootstrap command', () => {
  it('serves the OpenAPI document and Swagger UI at /api/docs', async () => {
    const doc = await request(app.getHttpServer()).get('/api/docs-json').expect(200);
    const paths = Object.keys(doc.body.paths);
    for (const p of ['/api/v1/admin/me', '/api/v1/admin/canary', '/api/v1/admin/canary/history', '/api/v1/admin/canary/promote', '/api/v1/admin/canary/abort', '/api/v1/admin/fidelity', '/api/v1/admin/sessions', '/api/v1/admin/sessions/{id}', '/api/v1/admin/models/{id}/promote', '/api/v1/admin/models/rollback', '/api/v1/admin/training-runs', '/api/v1/admin/training-runs/{id}/cancel', '/api/v1/admin/api-keys', '/api/v1/admin/api-keys/{id}', '/api/v1/admin/audit-log', '/api/v1/admin/settings']) {
      expect(paths).toContain(p);
    }
    expect(doc.body.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    const limit = doc.body.paths['/api/v1/admin/sessions'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit.schema).toEqual(expect.objectContaining({ maximum: 100, default: 20 }));
    expect(doc.body.paths['/api/v1/admin/api-keys'].post.requestBody.content['application/json'].schema.properties.role.enum).toEqual(['viewer', 'operator', 'admin']);
    const ui = await request(app.getHttpServer()).get('/api/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('`admin-key create` prints a working key once; a bad role is refused in one line and creates nothing', async () => {
    const env = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: dbConfig.schema, LOG_LEVEL: 'silent', NODE_ENV: 'test' };
    const created = await waitForExit(spawnEntry('src/cli/index.ts', ['admin-key', 'create', '--role', 'admin', '--name', 'first-admin'], env), 60_000);
    expect(created.code).toBe(0);
    const out = JSON.parse(created.stdout);
    expect(out).toEqual(expect.objectContaining({ name: 'first-admin', role: 'admin', key: expect.stringMatching(/^ck_/) }));
    await call('get', 'audit-log?limit=1', out.key).expect(200);
    expect(await lastAudit()).toEqual(expect.objectContaining({ actor_key_id: null, actor_name: expect.stringMatching(/^cli:/), action: 'api_key.create', target_id: out.id }));

    const before = await sql(`SELECT count(*) FROM api_keys`);
    const refused = await waitForExit(spawnEntry('src/cli/index.ts', ['admin-key', 'create', '--role', 'root', '--name', 'x'], env), 60_000);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe('closer: --role: role must be one of viewer, operator, admin');
    expect(await sql(`SELECT count(*) FROM api_keys`)).toEqual(before);
  });
});
