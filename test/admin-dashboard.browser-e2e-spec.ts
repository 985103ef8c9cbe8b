import { INestApplication } from '@nestjs/common';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { Database } from '../src/database';
import { EvaluationComparison, EvaluationSummary } from '../src/evaluation';
import { TrainingRunQueue } from '../src/jobs';
import { decideGate, gateSummary, GateReport, RunOutcome } from '../src/nightly';
import { ModelRegistry } from '../src/registry';
import { RunDirectory, StepMetrics } from '../src/rl';
import { launchChromium, openWidget } from './support/chromium';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const SCREENSHOTS = join(__dirname, '..', 'test-artifacts', 'admin-dashboard');
const HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b>';
const STEPS = 6;

/** A metrics line per step, as the training loop appends them to the run folder's metrics.jsonl. */
const stepMetrics = (step: number): StepMetrics => ({
  step,
  estimator: 'hian',
  // Session rewards are deal values in dollars; turn rewards are scores near 0 (the two horizons' real magnitudes).
  session_reward: 400 * step,
  turn_reward: 0.05 * step - 0.1,
  conversion_rate: 0.05 * step,
  repetition_rate: 0.2 - 0.02 * step,
  identity_detection_rate: 0.3 - 0.03 * step,
  violations_per_turn: 0.01,
  mean_agent_turns: 4,
  loss: 1 / step,
  kl: 0.002 * step,
  entropy: 2,
  clip_fraction: 0.1,
  grad_norm: 1,
  rollout_seconds: 1,
  update_seconds: 1,
  agent_tokens: 100,
  rollout_tokens_per_s: 100,
});

const summary = (conversion: number): EvaluationSummary => ({ sessions: 40, conversion_rate: conversion, conversion_ci95: [conversion - 0.1, conversion + 0.1], repetition_rate: 0.1, identity_detection_rate: 0.2, violations_per_turn: 0.01, mean_agent_turns: 4, mean_session_reward: 0.3 });
const paired = (difference: number) => ({ n: 40, meanCandidate: 0.3 + difference, meanBaseline: 0.3, difference, ci95: [difference - 0.08, difference + 0.08] as [number, number], candidateCi95: [0.2, 0.4] as [number, number] });

/** The dashboard against the real server and Postgres, in Debian's Chromium. */
describe('admin dashboard in a real browser', () => {
  const dbConfig = testSchemaConfig('dashboard');
  const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };
  const keys = { viewer: '', operator: '', admin: '' };
  let app: INestApplication;
  let db: Database;
  let browser: Browser;
  let url: string;
  let sessionId = '';
  let runId = '';

  beforeAll(async () => {
    const artifactDir = mkdtempSync(join(tmpdir(), 'closer-dashboard-'));
    ({ app, db } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy(), env: { ARTIFACT_DIR: artifactDir } }));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    const manager = app.get(ApiKeyManager);
    for (const role of ['viewer', 'operator', 'admin'] as const) keys[role] = (await manager.create(setup, `${role}-key`, role)).key;
    const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);

    // Two days of sessions; the second has hostile text in both turns, a violation and a conversion.
    const registry = app.get(ModelRegistry);
    const championId = await registry.adoptServed('default', '/models/default');
    const [quiet] = await sql(`INSERT INTO chat_sessions (site_key, channel, created_at) VALUES ('demo', 'widget', '2026-11-01T09:00:00Z') RETURNING id`);
    await sql(`INSERT INTO turns (session_id, index, role, text) VALUES ($1, 0, 'visitor', 'Just looking.')`, [quiet.id]);
    await sql(`INSERT INTO turns (session_id, index, role, text, model_version_id) VALUES ($1, 1, 'agent', 'Happy to help.', $2)`, [quiet.id, championId]);
    [{ id: sessionId }] = await sql(`INSERT INTO chat_sessions (site_key, channel, created_at) VALUES ('demo', 'widget', '2026-11-02T10:00:00Z') RETURNING id`);
    await sql(`INSERT INTO turns (session_id, index, role, text) VALUES ($1, 0, 'visitor', $2)`, [sessionId, HOSTILE]);
    const [agent] = await sql(`INSERT INTO turns (session_id, index, role, text, model_version_id) VALUES ($1, 1, 'agent', $2, $3) RETURNING id`, [sessionId, `We guarantee it. ${HOSTILE}`, championId]);
    await sql(`INSERT INTO turn_scores (turn_id, scorer, scorer_version, score, evidence) VALUES ($1, 'compliance', '1', -1, $2), ($1, 'total', '2', -0.4, '{}')`, [
      agent.id,
      JSON.stringify({ violations: [{ ruleId: 'no-guarantees', severity: 'block', match: 'guarantee' }] }),
    ]);
    await sql(`INSERT INTO conversions (session_id, source, external_id, value, occurred_at) VALUES ($1, 'webhook', 'order-7', 590, '2026-11-02T10:05:00Z')`, [sessionId]);

    // A finished nightly run, stored the way the pipeline stores it: claimed, its steps appended to
    // the run folder's metrics.jsonl, its candidate registered, then the gate report and rejection.
    const queue = app.get(TrainingRunQueue);
    const { run } = await queue.enqueue({ runKey: 'nightly:2026-11-03', trigger: 'nightly', estimator: 'hian', config: { steps: STEPS }, maxAttempts: 1 });
    runId = run.id;
    await queue.claim('test-worker', runId);
    const runDir = new RunDirectory(join(artifactDir, 'runs', runId));
    await runDir.create({ run: runId });
    await queue.advance(runId, 'test-worker', 'training', { runDir: runDir.root, baseModelVersionId: championId });
    for (let step = 1; step <= STEPS; step++) await runDir.appendMetrics(stepMetrics(step));
    const candidate = await registry.registerCandidate({ name: 'nightly-2026-11-03', artifactPath: join(runDir.root, 'model'), parentId: championId, runId, estimator: 'hian', dataWindowStart: new Date('2026-11-01'), dataWindowEnd: new Date('2026-11-03'), config: {}, metrics: {} });
    await queue.advance(runId, 'test-worker', 'evaluating', { candidateModelVersionId: candidate.id });
    const comparison: EvaluationComparison = { conversion: paired(-0.05), repetition: paired(0), identity_detection: paired(0), violations: paired(0), session_reward: paired(-0.02) };
    const rules = { conversionMargin: 0.02, maxViolationsIncrease: 0.01, maxRepetitionIncrease: 0.05, maxIdentityIncrease: 0.05 };
    const report: GateReport = { ...decideGate(comparison, rules), rules, sessions: 40, personas: ['sales-manager-growth'], seed: 7, candidate: summary(0.25), champion: summary(0.3), comparison };
    await registry.reject(candidate.id, { gate: gateSummary(report) });
    const gate: RunOutcome['gate'] = { ...report, championId, championName: 'default' };
    await queue.advance(runId, 'test-worker', 'rejected', { gate: gate as unknown as Record<string, unknown> });

    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await dropSchema(dbConfig.schema);
    console.log(`dashboard screenshots: ${SCREENSHOTS}`);
  });

  /** A fresh page that records every URL it asks for: all of them must be this server's. */
  async function openDashboard(): Promise<{ page: Page; requested: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${url}/admin`);
    return { page, requested };
  }

  async function signIn(page: Page, key: string) {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** The labels and datasets Chart.js draws in the figure captioned `title` (evaluated in the page). */
  const chartData = (page: Page, title: string): Promise<{ labels: unknown[]; datasets: { label: string; data: unknown[] }[] }> =>
    page.evaluate(`(() => {
      const figure = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('figcaption').textContent === ${JSON.stringify(title)});
      const { data } = Chart.getChart(figure.querySelector('canvas'));
      return { labels: data.labels, datasets: data.datasets.map((d) => ({ label: d.label, data: d.data })) };
    })()`);
  /** How each line of a chart is drawn: its curve tension and the axis it is scaled on (with that axis' range). */
  const chartLines = (page: Page, title: string): Promise<{ label: string; tension: number; axis: string; min: number; max: number }[]> =>
    page.evaluate(`(() => {
      const figure = [...document.querySelectorAll('figure.chart')].find((f) => f.querySelector('figcaption').textContent === ${JSON.stringify(title)});
      const c = Chart.getChart(figure.querySelector('canvas'));
      return c.data.datasets.map((d, i) => {
        const axis = c.getDatasetMeta(i).yAxisID;
        return { label: d.label, tension: c.getDatasetMeta(i).dataset.options.tension, axis, min: c.scales[axis].min, max: c.scales[axis].max };
      });
    })()`);

  it('refuses a bad key clearly, then shows the overview trends, a conversation as text and a run with its curves', async () => {
    const { page, requested } = await openDashboard();
    await signIn(page, `ck_${'A'.repeat(43)}`);
    await page.getByRole('alert').getByText(/refused this key \(401 unauthorized\)/).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await signIn(page, keys.viewer);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(false);
    await page.locator('figure.chart canvas').first().waitFor();
    const perDay = await chartData(page, 'Conversion and reply quality per day');
    expect(perDay.labels).toEqual(['2026-11-01', '2026-11-02']);
    expect(perDay.datasets.find((d) => d.label === 'conversion')!.data).toEqual([0, 1]);
    expect(perDay.datasets.find((d) => d.label === 'violations per agent turn')!.data).toEqual([0, 1]);
    expect((await chartData(page, 'Compliance violations per day, by rule')).datasets).toEqual([{ label: 'no-guarantees', data: [0, 1] }]);
    const perModel = await chartData(page, 'Conversion and reply quality per model version');
    expect(perModel.labels).toEqual(['default']);
    await page.getByText('Sessions a person took over are left out here (0 in this range)', { exact: false }).waitFor();
    expect(await page.getByRole('table', { name: /Per day/ }).getByRole('row').nth(2).textContent()).toContain('no-guarantees: 1');
    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });

    // The conversation: hostile text shown verbatim, never parsed; the violation highlighted; the conversion shown.
    await page.getByRole('link', { name: 'Conversations' }).click();
    const rows = page.getByRole('table', { name: /Conversations/ }).getByRole('row');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(1).textContent()).toContain('converted (590)');
    await page.getByRole('link', { name: '2026-11-02 10:00:00 UTC' }).click();
    await page.getByRole('heading', { name: /^Conversation / }).waitFor();
    const turns = page.locator('.turns .turn-text');
    expect(await turns.allTextContents()).toEqual([HOSTILE, `We guarantee it. ${HOSTILE}`]);
    expect(await page.evaluate(`({ pwned: window.pwned, img: document.querySelectorAll('img').length, b: document.querySelectorAll('main b').length, scripts: document.querySelectorAll('script').length })`)).toEqual({
      pwned: undefined,
      img: 0,
      b: 0,
      scripts: 2,
    });
    const violating = page.locator('.turn.violating');
    expect(await violating.count()).toBe(1);
    expect(await violating.locator('.violations').textContent()).toContain('no-guarantees (block): “guarantee”');
    expect(await violating.locator('.score').allTextContents()).toEqual(['compliance -1.00', 'total -0.40']);
    await page.getByText('converted: 1 conversion, value 590').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'conversation.png'), fullPage: true });

    // The run: its curves drawn from the steps in metrics.jsonl, and the gate report.
    await page.getByRole('link', { name: 'Training runs' }).click();
    await page.getByRole('table', { name: /Training runs/ }).getByRole('link').first().click();
    await page.getByRole('heading', { name: /^Training run / }).waitFor();
    await page.locator('figure.chart canvas').first().waitFor();
    const steps = Array.from({ length: STEPS }, (_, i) => stepMetrics(i + 1));
    const reward = await chartData(page, 'Reward per horizon');
    expect(reward.labels).toEqual(steps.map((s) => s.step));
    expect(reward.datasets.map((d) => d.data)).toEqual([steps.map((s) => s.session_reward), steps.map((s) => s.turn_reward)]);
    // Straight segments, and each horizon on a scale of its own size (the turn reward is not a flat line on the session axis).
    const [sessionLine, turnLine] = await chartLines(page, 'Reward per horizon');
    expect([sessionLine.tension, turnLine.tension, sessionLine.axis === turnLine.axis]).toEqual([0, 0, false]);
    const turnValues = steps.map((s) => s.turn_reward);
    expect(turnLine.max - turnLine.min).toBeLessThan(4 * (Math.max(...turnValues, 0) - Math.min(...turnValues, 0)));
    expect((await chartLines(page, 'Conversion rate'))[0].tension).toBe(0);
    expect((await chartData(page, 'Conversion rate')).datasets[0].data).toEqual(steps.map((s) => s.conversion_rate));
    expect((await chartData(page, 'Repetition, bot-like and violation rates')).datasets.map((d) => d.label)).toEqual(['repetitive turns', 'bot-like (identity detected)', 'violations per turn']);
    expect((await chartData(page, 'KL to the reference policy')).datasets[0].data).toEqual(steps.map((s) => s.kl));
    const checks = page.getByRole('table', { name: /Gate checks/ });
    expect(await checks.getByRole('row').nth(1).textContent()).toMatch(/^conversion.*failed$/);
    await page.getByText('conversion CI lower bound').first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'training-run.png'), fullPage: true });

    expect(requested.filter((u) => !u.startsWith(`${url}/`))).toEqual([]);
    expect(requested).toContain(`${url}/admin/vendor/chart.js/chart.umd.min.js`);
    await page.close();
  });

  it('promote and roll back: not offered to a viewer (the API still answers 403), done for an admin after a confirm; sign out forgets the key', async () => {
    const champion = async () => (await app.get(ModelRegistry).champion())?.name;
    const { page } = await openDashboard();
    await signIn(page, keys.viewer);
    await page.getByLabel('Signed in as').getByText('viewer-key (viewer)').waitFor();
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('table', { name: /Model versions/ }).waitFor();
    expect(await page.getByRole('button', { name: /Promote|Roll back/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'Training runs' }).click();
    await page.getByRole('table', { name: /Training runs/ }).waitFor();
    expect(await page.getByText('Train now (operator)').count()).toBe(0);
    // Hiding is a convenience; the API's refusal is the guarantee, and the dashboard words it.
    const refusal = await page.evaluate(`import('/admin/js/api.js').then((api) => api.post('models/nightly-2026-11-03/promote').catch(api.describeError))`);
    expect(refusal).toMatch(/may not do that \(403 forbidden\): .*needs the admin role/);
    expect(await champion()).toBe('default');

    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.evaluate(`sessionStorage.getItem('closer.admin.key')`)).toBeNull();
    await page.getByRole('status').getByText(/Signed out/).waitFor();
    await signIn(page, keys.admin);
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('button', { name: 'Promote nightly-2026-11-03' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await champion()).toBe('default');
    await page.getByRole('button', { name: 'Promote nightly-2026-11-03' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Promote' }).click();
    await page.getByRole('status').getByText('nightly-2026-11-03 is the champion (was default).').waitFor();
    expect(await champion()).toBe('nightly-2026-11-03');

    await page.getByRole('link', { name: 'nightly-2026-11-03' }).click();
    await page.getByRole('heading', { name: /^nightly-2026-11-03/ }).waitFor();
    expect(await page.locator('.lineage li').allTextContents()).toEqual(['nightly-2026-11-03 (champion)', 'default (retired)']);
    await page.screenshot({ path: join(SCREENSHOTS, 'model.png'), fullPage: true });
    await page.getByRole('button', { name: 'Roll back (admin)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('status').getByText('Rolled back from nightly-2026-11-03 to default.').waitFor();
    expect(await champion()).toBe('default');
    const audit = await db.dataSource.query(`SELECT action, actor_name FROM admin_audit_log WHERE action LIKE 'model.%' ORDER BY created_at`);
    expect(audit).toEqual([
      { action: 'model.promote', actor_name: 'admin-key' },
      { action: 'model.rollback', actor_name: 'admin-key' },
    ]);
    await page.close();
  });

  it('shows the running canary with its live test (no buttons for a viewer); an admin aborts it after a confirm', async () => {
    const registry = app.get(ModelRegistry);
    await db.dataSource.query(`INSERT INTO model_versions (name, artifact_path) VALUES ('nightly-canary', '/m/nightly-canary')`);
    await registry.startCanary('nightly-canary', { share: 0.2 });
    const gaps = { conversion: { live: 0.3, simulated: 0.2, gap: -0.1, ci95: [-0.2, 0] } };
    await db.dataSource.query(`INSERT INTO fidelity_reports (version_id, live_sessions, simulated_sessions, report) SELECT id, 120, 200, $1 FROM model_versions WHERE name = 'default'`, [JSON.stringify({ gaps })]);
    const { page } = await openDashboard();
    await signIn(page, keys.viewer);
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('heading', { name: 'Canary' }).waitFor();
    await page.getByText('canary 0, champion 0').waitFor();
    await page.getByText(/^continue: conversion needs about \d+ sessions per arm/).waitFor();
    expect(await page.getByRole('table', { name: /Canary − champion/ }).getByRole('row').count()).toBe(7);
    expect(await page.getByRole('button', { name: /canary/i }).count()).toBe(0);
    const fidelity = page.getByRole('table', { name: /^default \(champion\): 120 live, 200 simulated sessions/ });
    expect(await fidelity.getByRole('row').nth(1).textContent()).toBe('conversion0.3000.200-0.100[-0.200, 0]');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn(page, keys.admin);
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('button', { name: 'Abort the canary (admin)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Abort' }).click();
    await page.getByRole('status').getByText('The canary nightly-canary was aborted.').waitFor();
    await page.getByText('No canary is running: the champion serves every session.').waitFor();
    expect(await page.getByRole('table', { name: /Past canaries/ }).getByRole('row').nth(1).textContent()).toMatch(/nightly-canary.*20%.*aborted.*admin-key/);
    expect(await registry.canary()).toBeNull();
    await page.close();
  });

  it('an operator queues a run from the form and cancels it, each after a confirm', async () => {
    const { page } = await openDashboard();
    await signIn(page, keys.operator);
    await page.getByRole('link', { name: 'Training runs' }).click();
    await page.getByText('Train now (operator)').click();
    await page.getByLabel('Steps').fill('3');
    await page.getByRole('button', { name: 'Queue a run' }).click();
    await page.getByRole('dialog').getByText('Queue a training run with steps 3.').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Queue the run' }).click();
    await page.getByRole('heading', { name: /^Training run .* queued$/ }).waitFor();
    const [queued] = await db.dataSource.query(`SELECT id, config->>'steps' AS steps, trigger FROM training_runs WHERE status = 'queued'`);
    expect(queued).toEqual({ id: expect.any(String), steps: '3', trigger: 'admin' });
    await page.getByRole('status').getByText(`Queued run ${queued.id.slice(0, 8)}.`).waitFor();

    await page.getByRole('button', { name: `Cancel run ${queued.id.slice(0, 8)}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel the run' }).click();
    await page.getByRole('status').getByText(`Run ${queued.id.slice(0, 8)}: cancelled.`).waitFor();
    expect((await db.dataSource.query(`SELECT status FROM training_runs WHERE id = $1`, [queued.id]))[0].status).toBe('cancelled');
    await page.close();
  });

  it('shows a waiting handoff live, takes the widget’s session over, exchanges a message each way and hands it back', async () => {
    const { page: dashboard } = await openDashboard();
    await signIn(dashboard, keys.operator);
    await dashboard.getByRole('link', { name: 'Handoffs & live' }).click();
    await dashboard.getByText('Live: updates arrive as they happen.').waitFor();
    await dashboard.getByText('No session is waiting for a person.').waitFor();

    // The visitor, in the widget on the demo page, asks for a person: the dashboard hears it without a reload.
    const { page: visitor, widget, send } = await openWidget(browser, url);
    await send('Can I talk to a person please?');
    await widget
      .locator('.msg.agent')
      .first()
      .waitFor()
      .catch(async (err: Error) => {
        // Seen once under load in CI: say what the widget showed instead of only that it timed out.
        throw new Error(`${err.message}\nthe widget showed: ${await widget.innerText()}`);
      });
    const waiting = dashboard.getByRole('table', { name: /Waiting for a person/ });
    await waiting.waitFor();
    const [{ id: live }] = await db.dataSource.query(`SELECT session_id AS id FROM handoffs WHERE state = 'waiting'`);
    await waiting.getByRole('link', { name: `Watch session ${live.slice(0, 8)}` }).click();
    const transcript = dashboard.getByRole('log', { name: 'Transcript' });
    await transcript.getByText('Can I talk to a person please?').waitFor();
    await dashboard.getByText(/^Waiting for a person since .*: the visitor asked for a person\./).waitFor();

    await dashboard.getByRole('button', { name: 'Take over (operator)' }).click();
    await dashboard.getByRole('dialog').getByLabel(/Display name/).fill('Dana');
    await dashboard.getByRole('dialog').getByRole('button', { name: 'Take over' }).click();
    await dashboard.getByText(/^Held by Dana since /).waitFor();
    await widget.getByText('Dana, a person from our team, has joined the chat.').waitFor();

    // Operator → visitor, with markup that must stay text on both sides.
    const reply = `Hi, Dana here. ${HOSTILE}`;
    await dashboard.getByLabel('Message to the visitor (shown as from a person)').fill(reply);
    await dashboard.getByRole('button', { name: 'Send' }).click();
    await widget.locator('.msg.person').waitFor();
    expect(await widget.locator('.msg.person').textContent()).toBe(`Dana · team member${reply}`);
    await transcript.locator('.turn.person .turn-text').getByText(reply, { exact: true }).waitFor();

    // Visitor → operator: the dashboard shows it as it is stored; no AI reply while the person holds the chat.
    await send('Great, and annual billing?');
    await transcript.getByText('Great, and annual billing?').waitFor();
    await dashboard.screenshot({ path: join(SCREENSHOTS, 'takeover-dashboard.png'), fullPage: true });
    await visitor.screenshot({ path: join(SCREENSHOTS, 'takeover-widget.png') });
    expect(await dashboard.evaluate(`({ pwned: window.pwned, img: document.querySelectorAll('img').length })`)).toEqual({ pwned: undefined, img: 0 });
    expect(await visitor.evaluate(`window.pwned`)).toBeUndefined();

    await dashboard.getByRole('button', { name: 'Hand back to the AI' }).click();
    await dashboard.getByRole('dialog').getByRole('button', { name: 'Hand back' }).click();
    await dashboard.getByText('The AI is answering.').waitFor();
    await widget.getByText('You are chatting with an AI assistant.', { exact: true }).waitFor();
    const turns = await db.dataSource.query(`SELECT role, author_name FROM turns WHERE session_id = $1 AND role IN ('visitor', 'person') ORDER BY index`, [live]);
    expect(turns).toEqual([
      { role: 'visitor', author_name: null },
      { role: 'person', author_name: 'Dana' },
      { role: 'visitor', author_name: null },
    ]);
    const audit = await db.dataSource.query(`SELECT action, actor_name FROM admin_audit_log WHERE target_id = $1 ORDER BY created_at`, [live]);
    expect(audit.map((r: { action: string; actor_name: string }) => `${r.action} by ${r.actor_name}`)).toEqual(['handoff.takeover by operator-key', 'handoff.message by operator-key', 'handoff.release by operator-key']);
    await dashboard.close();
    await visitor.close();
  });
});
