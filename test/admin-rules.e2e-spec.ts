import { INestApplication } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Socket } from 'socket.io-client';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { CLOSING_FALLBACK } from '../src/chat';
import { AppConfig } from '../src/config';
import { Database } from '../src/database';
import { TrainingRunQueue } from '../src/jobs';
import { CandidateTrainingJob, NightlyPipeline, nightlyRunConfig, TrainingWorker } from '../src/nightly';
import { ModelRegistry } from '../src/registry';
import { ComplianceRule, defaultComplianceRules } from '../src/scoring';
import { loadPersonaLibrary } from '../src/simulator';
import { connect, listen, request as emit } from './support/chat-client';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };
type Method = 'get' | 'post' | 'put' | 'delete';
type Keys = { operator: string; viewer: string };

async function createKeys(app: INestApplication): Promise<Keys> {
  const manager = app.get(ApiKeyManager);
  return { operator: (await manager.create(setup, 'operator-key', 'operator')).key, viewer: (await manager.create(setup, 'viewer-key', 'viewer')).key };
}

const caller = (app: () => INestApplication) => (method: Method, path: string, key?: string, body?: unknown) => {
  const req = request(app().getHttpServer())[method](`/api/v1/admin/rules${path}`);
  if (key) req.set('authorization', `Bearer ${key}`);
  return body === undefined ? req : req.send(body as object);
};

const expectError = (res: request.Response, status: number, code: string, message?: RegExp) => {
  expect({ status: res.status, keys: Object.keys(res.body).sort(), code: res.body.code }).toEqual({ status, keys: ['code', 'message'], code });
  if (message) expect(res.body.message).toMatch(message);
};

const pizzaRule = { id: 'no-pizza-party', kind: 'phrase', severity: 'block', description: 'No party promises.', patterns: ['pizza part(?:y|ies)'] };

describe('admin rules API (real Postgres)', () => {
  const dbConfig = testSchemaConfig('admin_rules');
  let app: INestApplication;
  let db: Database;
  let keys: Keys;
  const call = caller(() => app);
  const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
  const auditCount = async () => Number((await sql(`SELECT count(*) FROM admin_audit_log`))[0].count);
  const lastAudit = async () => (await sql(`SELECT * FROM admin_audit_log ORDER BY created_at DESC, id DESC LIMIT 1`))[0];
  const state = async () => ({
    audit: await auditCount(),
    rules: await sql(`SELECT id, kind, severity, description, patterns, enabled FROM compliance_rules ORDER BY id`),
    revision: (await sql(`SELECT revision FROM compliance_rules_revision`))[0].revision,
  });

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig));
    keys = await createKeys(app);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(dbConfig.schema);
  });

  it('needs a key for every route, and a viewer cannot write or dry-run', async () => {
    const routes: [Method, string][] = [
      ['get', ''],
      ['get', '/catalog-price'],
      ['post', ''],
      ['put', '/no-guaranteed-results'],
      ['delete', '/no-guaranteed-results'],
      ['post', '/no-guaranteed-results/enable'],
      ['post', '/no-guaranteed-results/disable'],
      ['post', '/dry-run'],
    ];
    const before = await state();
    for (const [method, path] of routes) expectError(await call(method, path, undefined, {}), 401, 'unauthorized');
    for (const [method, path] of routes.filter(([m]) => m !== 'get')) {
      expectError(await call(method, path, keys.viewer, method === 'delete' ? undefined : { ...pizzaRule }), 403, 'forbidden', /operator/);
    }
    expect(await state()).toEqual(before);
  });

  it('lists the shipped rules, seeded by the migration, to a viewer', async () => {
    const list = await call('get', '', keys.viewer).expect(200);
    expect(list.body.revision).toEqual(expect.any(Number));
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(list.body.items.map(({ id, kind, severity, description, patterns }: Record<string, unknown>) => ({ id, kind, severity, description, ...(patterns ? { patterns } : {}) })).sort(byId)).toEqual(
      [...defaultComplianceRules].sort(byId),
    );
    expect(list.body.items.every((r: { enabled: boolean }) => r.enabled)).toBe(true);
    const price = await call('get', '/catalog-price', keys.viewer).expect(200);
    expect(price.body).toMatchObject({ id: 'catalog-price', kind: 'price', builtIn: true, enabled: true });
    expect(price.body).not.toHaveProperty('patterns');
    expect((await call('get', '/no-guaranteed-results', keys.viewer).expect(200)).body.builtIn).toBe(false);
    expectError(await call('get', '/no-such-rule', keys.viewer), 404, 'unknown_rule', /no-such-rule/);
  });

  it('refuses bad bodies with field messages and changes nothing', async () => {
    const before = await state();
    const post = (body: unknown) => call('post', '', keys.operator, body);
    expectError(await post({ ...pizzaRule, patterns: ['pizza', '(unclosed'] }), 400, 'invalid_request', /^patterns\.1: "\(unclosed" is not a valid regular expression/);
    expectError(await post({ ...pizzaRule, kind: 'vibes' }), 400, 'invalid_request', /^kind: kind must be one of phrase, credentials, price/);
    expectError(await post({ ...pizzaRule, patterns: [] }), 400, 'invalid_request', /^patterns: a phrase rule needs at least one pattern/);
    expectError(await post({ ...pizzaRule, id: 'No Spaces' }), 400, 'invalid_request', /^id: id must be lowercase/);
    expectError(await post({ ...pizzaRule, severity: 'panic', colour: 'red' }), 400, 'invalid_request', /severity: severity must be block or warn.*colour: not a known field/);
    expectError(await post({ id: 'second-price', kind: 'price', severity: 'block', description: 'again' }), 400, 'invalid_request', /^kind: price rules are built in/);
    expectError(await call('put', '/no-guaranteed-results', keys.operator, { ...pizzaRule }), 400, 'invalid_request', /^id: must be the id in the path/);
    expectError(await call('put', '/catalog-price', keys.operator, { kind: 'price', severity: 'block', description: 'x', patterns: ['\\d+'] }), 400, 'invalid_request', /^patterns: a price rule is checked by code/);
    expectError(await call('put', '/no-such-rule', keys.operator, { ...pizzaRule, id: undefined }), 404, 'unknown_rule');
    expectError(await call('delete', '/no-such-rule', keys.operator), 404, 'unknown_rule');
    expectError(await call('post', '/no-such-rule/disable', keys.operator), 404, 'unknown_rule');
    expectError(await call('post', '/dry-run', keys.operator, { rule: { ...pizzaRule, patterns: ['(x'] }, limit: 0 }), 400, 'invalid_request', /rule\.patterns\.0: "\(x" is not a valid.*limit: limit must be at least 1/);
    expectError(await call('post', '/dry-run', keys.operator, { rule: pizzaRule, since: 'yesterday' }), 400, 'invalid_request', /^since: since must be an ISO 8601 date/);
    // Patterns run on a linear-time engine: what needs backtracking is refused with the reason, on every write and in dry-run.
    const needsBacktracking = /uses a (?:lookaround|backreference) .*, which only a backtracking engine can run; patterns run in linear time \(RE2 syntax\)$/;
    expectError(await post({ ...pizzaRule, patterns: ['pizza', '(?<!free )party'] }), 400, 'invalid_request', /^patterns\.1: "\(\?<!free \)party" uses a lookaround \(\(\?<!…\)/);
    expectError(await call('put', '/no-guaranteed-results', keys.operator, { kind: 'phrase', severity: 'block', description: 'x', patterns: ['guarantee(?=d)'] }), 400, 'invalid_request', needsBacktracking);
    expectError(await call('post', '/dry-run', keys.operator, { rule: { ...pizzaRule, patterns: ['(pizza) \\1'] } }), 400, 'invalid_request', /^rule\.patterns\.0: "\(pizza\) \\\\1" uses a backreference \(\\1\)/);
    expectError(await call('post', '/dry-run', keys.operator, { rule: { ...pizzaRule, patterns: ['(.*){1000}'] } }), 400, 'invalid_request', /^rule\.patterns\.0: "\(\.\*\)\{1000\}" is too large to run on every turn/);
    expect(await state()).toEqual(before);
  });

  it('creates, reads, replaces, disables, enables and deletes a rule, auditing each write and bumping the revision', async () => {
    const revision = async () => (await call('get', '', keys.viewer).expect(200)).body.revision as number;
    const r0 = await revision();
    const created = await call('post', '', keys.operator, pizzaRule).expect(201);
    expect(created.body).toMatchObject({ ...pizzaRule, enabled: true, builtIn: false });
    expect(await lastAudit()).toMatchObject({ actor_name: 'operator-key', action: 'rule.create', target_type: 'compliance_rule', target_id: pizzaRule.id, summary: { rule: pizzaRule, enabled: true } });
    expect(await revision()).toBeGreaterThan(r0);

    const audits = await auditCount();
    expectError(await call('post', '', keys.operator, { ...pizzaRule, description: 'other' }), 409, 'rule_exists', /no-pizza-party/);
    expect(await auditCount()).toBe(audits);
    expect((await call('get', `/${pizzaRule.id}`, keys.viewer).expect(200)).body.description).toBe(pizzaRule.description);

    const replacement = { kind: 'phrase', severity: 'warn', description: 'Parties are fine, mostly.', patterns: ['pizza party', 'open bar'] };
    const replaced = await call('put', `/${pizzaRule.id}`, keys.operator, replacement).expect(200);
    expect(replaced.body).toMatchObject({ id: pizzaRule.id, ...replacement, enabled: true });
    expect(await lastAudit()).toMatchObject({ action: 'rule.replace', target_id: pizzaRule.id, summary: { rule: { id: pizzaRule.id, ...replacement }, previous: { ...pizzaRule, enabled: true } } });

    expect((await call('post', `/${pizzaRule.id}/disable`, keys.operator).expect(200)).body.enabled).toBe(false);
    expect(await lastAudit()).toMatchObject({ action: 'rule.disable', target_id: pizzaRule.id });
    // A replace without `enabled` leaves it as it is.
    expect((await call('put', `/${pizzaRule.id}`, keys.operator, replacement).expect(200)).body.enabled).toBe(false);
    expect((await call('post', `/${pizzaRule.id}/enable`, keys.operator).expect(200)).body.enabled).toBe(true);
    expect(await lastAudit()).toMatchObject({ action: 'rule.enable', target_id: pizzaRule.id });

    const before = await revision();
    expect((await call('delete', `/${pizzaRule.id}`, keys.operator).expect(200)).body).toEqual({ id: pizzaRule.id, deleted: true });
    expect(await lastAudit()).toMatchObject({ action: 'rule.delete', target_id: pizzaRule.id, summary: { previous: { id: pizzaRule.id, severity: 'warn', enabled: true } } });
    expect(await revision()).toBeGreaterThan(before);
    expectError(await call('get', `/${pizzaRule.id}`, keys.viewer), 404, 'unknown_rule');
  });

  it('built-in rules: severity and enabled may change, kind may not, none is deleted, and AI disclosure stays on and blocking', async () => {
    const before = await state();
    expectError(await call('delete', '/catalog-price', keys.operator), 409, 'built_in_rule', /disable it instead/);
    expectError(await call('delete', '/ai-disclosure', keys.operator), 409, 'built_in_rule');
    expectError(await call('put', '/catalog-price', keys.operator, { kind: 'discount', severity: 'block', description: 'x' }), 409, 'built_in_rule', /^kind: /);
    expectError(await call('put', '/no-guaranteed-results', keys.operator, { kind: 'price', severity: 'block', description: 'x' }), 409, 'built_in_rule', /^kind: /);
    expectError(await call('put', '/ai-disclosure', keys.operator, { kind: 'ai-denial', severity: 'warn', description: 'x' }), 409, 'built_in_rule', /^severity: .*EU AI Act/);
    expectError(await call('post', '/ai-question-unanswered/disable', keys.operator), 409, 'built_in_rule', /^enabled: .*SB 1001/);
    expect(await state()).toEqual(before);

    const price = defaultComplianceRules.find((r) => r.id === 'catalog-price')!;
    const { id: _, ...priceFields } = price;
    await call('put', '/catalog-price', keys.operator, { ...priceFields, severity: 'warn' }).expect(200);
    expect((await call('post', '/catalog-price/disable', keys.operator).expect(200)).body).toMatchObject({ severity: 'warn', enabled: false });
    await call('put', '/catalog-price', keys.operator, { ...priceFields, enabled: true }).expect(200);
    expect((await call('get', '/catalog-price', keys.viewer).expect(200)).body).toMatchObject({ severity: 'block', enabled: true });
    const disclosure = await call('put', '/ai-disclosure', keys.operator, { kind: 'ai-denial', severity: 'block', description: 'Never claim to be human.' }).expect(200);
    expect(disclosure.body).toMatchObject({ description: 'Never claim to be human.', severity: 'block', enabled: true });
  });

  describe('dry-run', () => {
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    let live: string;
    let turns: Record<string, string>;

    beforeAll(async () => {
      const session = async (channel: string) => (await sql(`INSERT INTO chat_sessions (site_key, channel) VALUES ('demo', $1) RETURNING id`, [channel]))[0].id as string;
      const turn = async (sessionId: string, index: number, role: string, text: string, minutesAgo: number) =>
        (await sql(`INSERT INTO turns (session_id, index, role, text, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [sessionId, index, role, text, ago(minutesAgo)]))[0].id as string;
      live = await session('widget');
      const simulated = await session('simulator');
      turns = {
        visitorBot: await turn(live, 0, 'visitor', 'Are you a bot?', 50),
        evasive: await turn(live, 1, 'agent', 'Our Growth plan is popular with teams like yours.', 49),
        visitor2: await turn(live, 2, 'visitor', 'Any perks?', 40),
        party: await turn(live, 3, 'agent', "I'm an AI assistant. Every customer gets a pizza party.", 39),
        visitor3: await turn(live, 4, 'visitor', 'And the price?', 30),
        forever: await turn(live, 5, 'agent', "I'm an AI assistant. Starter is free forever.", 29),
      };
      await turn(simulated, 0, 'visitor', 'Hi', 20);
      await turn(simulated, 1, 'agent', 'Simulated pizza party talk.', 19);
    });

    it('reports how often a new rule flags the latest live agent replies, with examples; stores only an audit entry', async () => {
      const before = await state();
      const res = await call('post', '/dry-run', keys.operator, { rule: pizzaRule }).expect(200);
      expect(res.body).toMatchObject({ rule: pizzaRule, turns: 3, flagged: 1, rate: 1 / 3, current: null, window: { limit: 500, since: null } });
      expect(res.body.examples).toEqual([
        { sessionId: live, turnId: turns.party, createdAt: expect.any(String), severity: 'block', matches: ['pizza party'], text: "I'm an AI assistant. Every customer gets a pizza party." },
      ]);
      expect(await state()).toEqual({ ...before, audit: before.audit + 1 });
      expect(await lastAudit()).toMatchObject({
        action: 'rule.dry_run',
        target_id: pizzaRule.id,
        summary: { rule: pizzaRule, limit: 500, since: null, turns: 3, flagged: 1, existing: false },
      });

      const newest = await call('post', '/dry-run', keys.operator, { rule: pizzaRule, limit: 1 }).expect(200);
      expect(newest.body).toMatchObject({ turns: 1, flagged: 0 });
      const none = await call('post', '/dry-run', keys.operator, { rule: pizzaRule, since: new Date(Date.now() + 60_000).toISOString() }).expect(200);
      expect(none.body).toMatchObject({ turns: 0, flagged: 0, rate: 0, examples: [] });
    });

    it('for an existing id, says which replies are newly flagged and which no longer are', async () => {
      const current = defaultComplianceRules.find((r) => r.id === 'promise-outside-policy')!;
      const res = await call('post', '/dry-run', keys.operator, { rule: { ...current, patterns: ['pizza party'] } }).expect(200);
      expect(res.body).toMatchObject({ turns: 3, flagged: 1, current: { enabled: true, flagged: 1, rate: 1 / 3, newlyFlagged: 1, noLongerFlagged: 1 } });
      expect(res.body.current.examples.newlyFlagged.map((f: { turnId: string }) => f.turnId)).toEqual([turns.party]);
      expect(res.body.current.examples.noLongerFlagged).toEqual([expect.objectContaining({ turnId: turns.forever, matches: ['free forever'], severity: 'block' })]);
    });

    it('a stored rule RE2 cannot run (written before patterns ran on it) is out of force: as the current rule it flags nothing', async () => {
      await sql(`INSERT INTO compliance_rules (id, kind, severity, description, patterns) VALUES ('legacy-party', 'phrase', 'block', 'Old.', ARRAY['(?<!no )pizza party'])`);
      try {
        const res = await call('post', '/dry-run', keys.operator, { rule: { ...pizzaRule, id: 'legacy-party' } }).expect(200);
        expect(res.body).toMatchObject({ flagged: 1, current: { enabled: true, flagged: 0, newlyFlagged: 1, noLongerFlagged: 0 } });
      } finally {
        await sql(`DELETE FROM compliance_rules WHERE id = 'legacy-party'`);
      }
    });

    it('judges each reply with the history it answered', async () => {
      const current = defaultComplianceRules.find((r) => r.id === 'ai-question-unanswered')!;
      const res = await call('post', '/dry-run', keys.operator, { rule: { ...current, severity: 'warn' } }).expect(200);
      // Only the reply to "Are you a bot?" evades; the same words elsewhere would not be flagged.
      expect(res.body).toMatchObject({ flagged: 1, examples: [{ turnId: turns.evasive, severity: 'warn' }], current: { flagged: 1, newlyFlagged: 0, noLongerFlagged: 0 } });
    });
  });

  it('OpenAPI lists the rules routes', async () => {
    const doc = await request(app.getHttpServer()).get('/api/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/admin/rules', '/api/v1/admin/rules/{id}', '/api/v1/admin/rules/{id}/enable', '/api/v1/admin/rules/{id}/disable', '/api/v1/admin/rules/dry-run']),
    );
    expect(doc.body.paths['/api/v1/admin/rules'].post.requestBody.content['application/json'].schema.properties.kind.enum).toContain('credentials');
  });
});

describe('a rule changed over REST is enforced from the next chat turn, on every replica (real Postgres, real socket.io)', () => {
  const dbConfig = testSchemaConfig('rules_live');
  const S1 = 'Pipewise includes the visual pipeline.';
  const S2 = 'Every new customer gets a pizza party.';
  // Two servers on one database: the rule is written through one, the visitor chats with the other.
  let writer: INestApplication;
  let server: INestApplication;
  let db: Database;
  let keys: Keys;
  let socket: Socket;
  const call = caller(() => writer);

  beforeAll(async () => {
    const options = { replyPolicy: scriptedPolicy(`${S1} ${S2}`), env: { GUARDRAIL_MAX_REGENERATIONS: '0' } };
    ({ app: writer } = await startTestApp(dbConfig, options));
    ({ app: server, db } = await startTestApp(dbConfig, options));
    keys = await createKeys(writer);
    socket = await connect(await listen(server));
    await emit(socket, 'session:start', { siteKey: 'demo-site' });
  });
  afterAll(async () => {
    socket?.disconnect();
    await server?.close();
    await writer?.close();
    await dropSchema(dbConfig.schema);
  });

  let message = 0;
  /** One visitor message; what the visitor read (the deltas) and the reply's stored guardrail evidence. */
  async function turn() {
    const deltas: string[] = [];
    const onDelta = (d: { text: string }) => deltas.push(d.text);
    socket.on('reply:delta', onDelta);
    try {
      const reply = await emit(socket, 'message:send', { clientMessageId: `m${++message}`, text: 'Anything special for new customers?' });
      expect(reply.ok).toBe(true);
      const [guardrail] = await db.dataSource.query(`SELECT evidence FROM turn_scores WHERE turn_id = $1 AND scorer = 'guardrail'`, [reply.turnId]);
      const [compliance] = await db.dataSource.query(`SELECT score, evidence FROM turn_scores WHERE turn_id = $1 AND scorer = 'compliance'`, [reply.turnId]);
      return { read: deltas.join(''), text: reply.text, guardrail: guardrail.evidence, compliance };
    } finally {
      socket.off('reply:delta', onDelta);
    }
  }

  it('blocks the sentence once the rule is added, warns once it is a warn rule, lets it through once disabled', async () => {
    const before = await turn();
    expect(before).toMatchObject({ read: `${S1} ${S2}`, text: `${S1} ${S2}`, guardrail: { blocked: [] } });

    await call('post', '', keys.operator, pizzaRule).expect(201);
    const blocked = await turn();
    expect(blocked.read).toBe(`${S1} ${CLOSING_FALLBACK}`);
    expect(blocked.read).not.toContain('pizza');
    expect(blocked.guardrail).toMatchObject({ closing: true, blocked: [{ text: S2, rules: [pizzaRule.id] }] });

    const { id: _, ...fields } = pizzaRule;
    await call('put', `/${pizzaRule.id}`, keys.operator, { ...fields, severity: 'warn' }).expect(200);
    const warned = await turn();
    expect(warned).toMatchObject({ read: `${S1} ${S2}`, guardrail: { blocked: [] }, compliance: { score: 0.75 } });
    expect(warned.compliance.evidence.violations).toEqual([{ ruleId: pizzaRule.id, severity: 'warn', match: 'pizza party' }]);

    await call('put', `/${pizzaRule.id}`, keys.operator, fields).expect(200);
    expect((await turn()).read).toBe(`${S1} ${CLOSING_FALLBACK}`);

    await call('post', `/${pizzaRule.id}/disable`, keys.operator).expect(200);
    const through = await turn();
    expect(through).toMatchObject({ read: `${S1} ${S2}`, guardrail: { blocked: [] }, compliance: { score: 1 } });
  });
});

describe('a nightly run trains and gates with the rules in force (real Postgres)', () => {
  const dbConfig = testSchemaConfig('rules_nightly');
  const artifactDir = mkdtempSync(join(tmpdir(), 'closer-rules-nightly-'));
  let app: INestApplication;
  let db: Database;
  let config: AppConfig;
  let keys: Keys;
  const call = caller(() => app);

  beforeAll(async () => {
    ({ app, db, config } = await startTestApp(dbConfig));
    keys = await createKeys(app);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(dbConfig.schema);
    await rm(artifactDir, { recursive: true, force: true });
  });

  it('the trainer gets the enabled rules of the database, and the run records their revision', async () => {
    await call('post', '', keys.operator, pizzaRule).expect(201);
    await call('post', '/catalog-discount/disable', keys.operator).expect(200);
    const { revision } = (await call('get', '', keys.viewer).expect(200)).body;

    const { given, attempt } = await preparedRun('rules', 1);
    const result = await attempt();

    expect(result?.run).toMatchObject({ status: 'failed', error: 'stopped after preparation' });
    const ids = given[0].map((r) => r.id);
    expect(ids).toContain(pizzaRule.id);
    expect(ids).not.toContain('catalog-discount');
    expect(given[0].find((r) => r.id === pizzaRule.id)).toEqual(pizzaRule);
    expect(result?.run.data).toMatchObject({ complianceRules: { revision, ids } });
  });

  it('a resumed run keeps the rules it started with, whatever an admin changed meanwhile', async () => {
    const cakeRule = { ...pizzaRule, id: 'no-cake-party', patterns: ['cake part(?:y|ies)'] };
    await call('post', '', keys.operator, cakeRule).expect(201);
    const { revision } = (await call('get', '', keys.viewer).expect(200)).body;
    const { given, attempt } = await preparedRun('rules-resumed', 2);
    expect((await attempt())?.run.status).toBe('queued'); // its first attempt failed after preparation: it will resume

    await call('post', `/${cakeRule.id}/disable`, keys.operator).expect(200);
    await call('post', '/catalog-discount/enable', keys.operator).expect(200);
    const result = await attempt();

    expect(result?.run).toMatchObject({ status: 'failed', attempts: 2 });
    expect(given[1]).toEqual(given[0]);
    expect(given[1].map((r) => r.id)).toContain(cakeRule.id);
    expect(result?.run.data).toMatchObject({ complianceRules: { revision } });
  });

  /** A run whose trainer only records the rules it was given, then stops: each `attempt` claims and runs it once. */
  async function preparedRun(runKey: string, maxAttempts: number) {
    const registry = new ModelRegistry(db.dataSource);
    const queue = new TrainingRunQueue(db.dataSource);
    await registry.adoptServed('default', resolve('models/default'));
    const given: ComplianceRule[][] = [];
    const trainer = async (job: CandidateTrainingJob) => {
      given.push(job.complianceRules);
      throw new Error('stopped after preparation');
    };
    const pipeline = new NightlyPipeline({ db: db.dataSource, queue, registry, catalog: config.catalog, library: loadPersonaLibrary(config.catalog), artifactDir, trainer });
    const runConfig = nightlyRunConfig(config.nightly, { steps: 1, contexts: 1, group: 2, evalSessions: 1, maxAgentTurns: 1 });
    const { run } = await queue.enqueue({ runKey, trigger: 'cli', estimator: 'hian', config: runConfig as unknown as Record<string, unknown>, maxAttempts });
    const worker = new TrainingWorker(queue, pipeline, registry, 'rules-worker', { heartbeatSeconds: 1, staleSeconds: 30, pollSeconds: 1 });
    return { given, attempt: () => worker.runOnce(run.id) };
  }
});
