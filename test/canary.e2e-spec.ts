import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { Database } from '../src/database';
import { TrainingRunQueue } from '../src/jobs';
import { ConfigService } from '@nestjs/config';
import { CanaryMonitor, ModelRegistry } from '../src/registry';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const dbConfig = testSchemaConfig('canary');
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };
const GUARANTEE = { ruleId: 'no-guaranteed-results', severity: 'block', match: 'guarantee' };
let app: INestApplication;
let db: Database;
let registry: ModelRegistry;
let monitor: CanaryMonitor;
const keys = { admin: '', operator: '' };
const ids: Record<string, string> = {};

const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
const call = (method: 'get' | 'post', path: string, key: string, body?: object) => request(app.getHttpServer())[method](`/api/v1/admin/${path}`).set('authorization', `Bearer ${key}`).send(body);
const status = async (name: string) => (await sql(`SELECT status FROM model_versions WHERE name = $1`, [name]))[0].status;

async function version(name: string): Promise<string> {
  const [row] = await sql(`INSERT INTO model_versions (name, artifact_path) VALUES ($1, $2) RETURNING id`, [name, `/m/${name}`]);
  return (ids[name] = row.id);
}

/**
 * `n` ended live sessions whose replies `versionName` wrote: visitor, agent, visitor; the first
 * `converted` converted, the first `violating` broke a rule, the first `takenOver` were taken over by a person.
 */
async function live(versionName: string, n: number, o: { converted: number; violating?: number; takenOver?: number }): Promise<void> {
  const sessions: string[] = (await sql(`INSERT INTO chat_sessions (site_key, channel, status, ended_at) SELECT 'shop', 'widget', 'ended', now() FROM generate_series(1, $1) RETURNING id`, [n])).map((r: { id: string }) => r.id);
  await sql(
    `INSERT INTO turns (session_id, index, role, text, model_version_id)
     SELECT id, 0, 'visitor', 'hi', NULL FROM unnest($1::uuid[]) id UNION ALL
     SELECT id, 1, 'agent', 'hello', $2::uuid FROM unnest($1::uuid[]) id UNION ALL
     SELECT id, 2, 'visitor', 'thanks', NULL FROM unnest($1::uuid[]) id`,
    [sessions, ids[versionName]],
  );
  await sql(`INSERT INTO conversions (session_id, source, external_id, value, occurred_at) SELECT id, 'webhook', 'o-' || id, 100, now() FROM unnest($1::uuid[]) id`, [sessions.slice(0, o.converted)]);
  await sql(
    `INSERT INTO turn_scores (turn_id, scorer, scorer_version, score, evidence)
     SELECT t.id, 'compliance', '1', 0, CASE WHEN t.session_id = ANY($2::uuid[]) THEN $3::jsonb ELSE '{"violations": []}'::jsonb END
       FROM turns t WHERE t.session_id = ANY($1::uuid[]) AND t.role = 'agent'`,
    [sessions, sessions.slice(0, o.violating ?? 0), JSON.stringify({ violations: [GUARANTEE] })],
  );
  await sql(`INSERT INTO handoffs (session_id, state, reason, taken_at, taken_by_name, ended_at) SELECT id, 'closed', 'operator', now(), 'Ana', now() FROM unnest($1::uuid[]) id`, [sessions.slice(0, o.takenOver ?? 0)]);
}

beforeAll(async () => {
  ({ app, db } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy() }));
  registry = app.get(ModelRegistry);
  monitor = app.get(CanaryMonitor);
  const manager = app.get(ApiKeyManager);
  for (const role of ['admin', 'operator'] as const) keys[role] = (await manager.create(setup, `${role}-key`, role)).key;
  await version('champ');
  await registry.promote('champ');
  for (const name of ['worse', 'equal', 'quiet', 'aborted', 'superseded', 'other', 'misranked', 'raced']) await version(name);
}, 30_000);
afterAll(async () => {
  await app?.close();
  await dropSchema(dbConfig.schema);
});

describe('canary (real Postgres)', () => {
  it('the registry refuses a second canary, a version that is not a candidate, and a pinned champion', async () => {
    await expect(registry.startCanary('champ', { share: 0.1 })).rejects.toMatchObject({ code: 'not_a_candidate' });
    await registry.pin('champ');
    await expect(registry.startCanary('worse', { share: 0.1 })).rejects.toMatchObject({ code: 'champion_pinned' });
    await registry.unpin();
    await expect(registry.startCanary('worse', { share: 0.1, expectedChampionId: ids.other })).rejects.toMatchObject({ code: 'champion_changed' });
    expect(await registry.canary()).toBeNull();
  });

  it('a canary worse on live violations is rolled back at once: rejected, audited with its figures, the champion stays', async () => {
    await registry.startCanary('worse', { share: 0.1 });
    await expect(registry.startCanary('other', { share: 0.1 })).rejects.toMatchObject({ code: 'canary_running' });
    await live('champ', 400, { converted: 120 });
    await live('worse', 60, { converted: 20, violating: 20 });
    const reading = await monitor.check();
    expect(reading?.decision.verdict).toBe('rollback');
    expect(reading?.decision.reasons.join()).toMatch(/violations is worse/);
    expect(await registry.canary()).toBeNull();
    expect([await status('worse'), (await registry.champion())?.name]).toEqual(['rejected', 'champ']);
    const [ended] = await sql(`SELECT verdict, decided_by, decision FROM canaries WHERE version_id = $1`, [ids.worse]);
    expect(ended).toMatchObject({ verdict: 'rollback', decided_by: 'canary-monitor', decision: { sessions: { canary: 60, champion: 400 } } });
    const [audit] = await sql(`SELECT actor_name, action, target_id, summary FROM admin_audit_log WHERE action LIKE 'canary.%' ORDER BY created_at DESC LIMIT 1`);
    expect(audit).toMatchObject({ actor_name: 'canary-monitor', action: 'canary.rollback', target_id: ids.worse, summary: { canary: 'worse' } });
  });

  it('a canary equal to the champion is promoted once conversion is shown non-inferior, and not before', async () => {
    await registry.startCanary('equal', { share: 0.5 });
    await live('champ', 300, { converted: 90 });
    await live('equal', 300, { converted: 90 });
    expect((await monitor.check())?.decision.verdict).toBe('continue');
    expect(await status('equal')).toBe('canary');
    await live('champ', 2700, { converted: 810 });
    await live('equal', 2700, { converted: 810 });
    const reading = await monitor.check();
    expect(reading?.decision.verdict).toBe('promote');
    expect(reading?.decision.intervals.conversion.interval![0]).toBeGreaterThan(-0.05);
    expect([(await registry.champion())?.name, await status('champ'), await registry.canary()]).toEqual(['equal', 'retired', null]);
  });

  it('a low-traffic canary says how many sessions it needs while it waits, leaves person-handled sessions out, and ends inconclusive at its time limit', async () => {
    const canary = await registry.startCanary('quiet', { share: 0.1 });
    await live('equal', 40, { converted: 12 });
    await live('quiet', 45, { converted: 20, takenOver: 5 });
    const waiting = await call('get', 'canary', keys.operator).expect(200);
    expect(waiting.body.canary).toMatchObject({ version: { name: 'quiet' }, share: 0.1, sessions: { canary: 40, champion: 40 }, test: 'continue' });
    expect(waiting.body.canary.sessionsNeeded).toBeGreaterThan(1000);
    expect(waiting.body.canary.reasons[0]).toMatch(/conversion needs about \d+ sessions per arm/);
    expect(waiting.body.rules).toMatchObject({ conversionMargin: 0.05, maxCanarySessions: 5000, maxHours: 168 });

    const late = new Date(new Date(canary.startedAt).getTime() + 169 * 3_600_000);
    expect((await monitor.check(late))?.decision.verdict).toBe('inconclusive');
    expect([await status('quiet'), (await registry.champion())?.name]).toEqual(['rejected', 'equal']);
    const history = await call('get', 'canary/history', keys.operator).expect(200);
    expect(history.body.items.map((c: { version: string; verdict: string }) => [c.version, c.verdict])).toEqual([
      ['quiet', 'inconclusive'],
      ['equal', 'promote'],
      ['worse', 'rollback'],
    ]);
  });

  it('an admin aborts or promotes a canary by hand (audited; operators may not); a manual promote of another version supersedes it', async () => {
    await registry.startCanary('aborted', { share: 0.1 });
    await call('post', 'canary/abort', keys.operator, {}).expect(403);
    expect(await status('aborted')).toBe('canary');
    const aborted = await call('post', 'canary/abort', keys.admin, {}).expect(200);
    expect(aborted.body).toMatchObject({ verdict: 'aborted', version: 'aborted' });
    expect(await status('aborted')).toBe('rejected');
    const [audit] = await sql(`SELECT actor_name, action FROM admin_audit_log WHERE action LIKE 'canary.%' ORDER BY created_at DESC LIMIT 1`);
    expect(audit).toEqual({ actor_name: 'admin-key', action: 'canary.aborted' });
    const none = await call('post', 'canary/abort', keys.admin, {}).expect(409);
    expect(none.body).toEqual({ code: 'no_canary', message: 'no canary is running' });

    await registry.startCanary('superseded', { share: 0.1 });
    await registry.promote('other');
    const [ended] = await sql(`SELECT verdict, decided_by FROM canaries WHERE version_id = $1`, [ids.superseded]);
    expect([ended, await status('superseded'), (await registry.champion())?.name]).toEqual([{ verdict: 'superseded', decided_by: 'promote' }, 'rejected', 'other']);
    expect((await call('get', 'canary', keys.operator).expect(200)).body.canary).toBeNull();
  });
  it('a gate whose predicted ranking live traffic contradicts is flagged low-confidence on its run; fidelity reports are served per version', async () => {
    // The gate said the candidate converts better; live, it converts worse and breaks rules.
    await sql(`UPDATE model_versions SET metrics = $2 WHERE id = $1`, [ids.misranked, JSON.stringify({ gate: { conversion: { difference: 0.04 } } })]);
    const { run } = await app.get(TrainingRunQueue).enqueue({ runKey: 'misranked', trigger: 'cli', estimator: 'hian', config: {}, maxAttempts: 1 });
    await sql(`UPDATE training_runs SET status = 'canary', gate = '{"promote": true}' WHERE id = $1`, [run.id]);
    await registry.startCanary('misranked', { share: 0.1, runId: run.id });
    await live('other', 300, { converted: 90 });
    await live('misranked', 60, { converted: 6, violating: 30 });
    expect((await monitor.check())?.decision.verdict).toBe('rollback');
    const [ended] = await sql(`SELECT decision FROM canaries WHERE version_id = $1`, [ids.misranked]);
    expect(ended.decision.simulator).toMatchObject({ predicted: 0.04, agreed: false });
    expect((await sql(`SELECT status, gate FROM training_runs WHERE id = $1`, [run.id]))[0]).toEqual({ status: 'rejected', gate: { promote: true, lowConfidence: true } });

    const gaps = { conversion: { live: 0.3, simulated: 0.2, gap: -0.1, ci95: [-0.2, 0] } };
    await sql(`INSERT INTO fidelity_reports (version_id, live_sessions, simulated_sessions, report, created_at) VALUES ($1, 300, 200, $2, now() - interval '1 day'), ($1, 320, 200, $3, now())`, [
      ids.other,
      JSON.stringify({ gaps: {} }),
      JSON.stringify({ gaps }),
    ]);
    const fidelity = await call('get', 'fidelity', keys.operator).expect(200);
    expect(fidelity.body.items).toEqual([expect.objectContaining({ version: 'other', status: 'champion', liveSessions: 320, simulatedSessions: 200, gaps })]);
  });
  it('two replicas reading the same decision at once: exactly one acts on it, once', async () => {
    await registry.startCanary('raced', { share: 0.1 });
    await live('other', 400, { converted: 120 });
    await live('raced', 60, { converted: 20, violating: 30 });
    const replica = new CanaryMonitor(new ModelRegistry(db.dataSource), db.dataSource, app.get(ConfigService));
    const readings = await Promise.all([monitor.check(), replica.check()]);
    expect(readings.map((r) => r?.decision.verdict)).toEqual(['rollback', 'rollback']);
    expect(await sql(`SELECT verdict FROM canaries WHERE version_id = $1`, [ids.raced])).toEqual([{ verdict: 'rollback' }]);
    expect(await sql(`SELECT count(*)::int AS n FROM admin_audit_log WHERE target_id = $1`, [ids.raced])).toEqual([{ n: 1 }]);
  });
});
