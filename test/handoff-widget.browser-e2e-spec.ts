import { INestApplication } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { Database } from '../src/database';
import { launchChromium, openWidget, waitForExpression } from './support/chromium';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const REPLY = 'Growth is $59 per seat a month.';
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };

/** The widget in Debian's Chromium while an operator takes the chat over through the admin API. */
describe('widget during a live takeover, in a real browser', () => {
  const dbConfig = testSchemaConfig('handoffbrowser');
  let app: INestApplication;
  let db: Database;
  let browser: Browser;
  let url: string;
  let key = '';

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy(REPLY) }));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    key = (await app.get(ApiKeyManager).create(setup, 'ops', 'operator')).key;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  const admin = (path: string, body: object = {}) => request(app.getHttpServer()).post(`/api/v1/admin/${path}`).set('authorization', `Bearer ${key}`).send(body).expect((res) => expect(res.status).toBeLessThan(300));

  it('shows the person’s messages as theirs, says who answers, keeps it across a reload, and saves a screenshot', async () => {
    const { page, widget, send } = await openWidget(browser, url);
    await send('How much is the Growth plan?');
    // Stored (data-turn comes with reply:final): a takeover while the reply still streams would stop it.
    await widget.locator('.msg.agent[data-turn]').first().waitFor();
    const [{ id: sessionId }] = await db.dataSource.query(`SELECT id FROM chat_sessions WHERE site_key = 'demo'`);

    await admin(`sessions/${sessionId}/takeover`, { displayName: 'Alice' });
    await widget.getByText('You are chatting with Alice, a person from our team.').waitFor();
    await widget.getByText('Alice, a person from our team, has joined the chat.').waitFor();

    await send('<b>Can I get a discount?</b>');
    // Acknowledged as held: the widget forgets the pending message.
    await waitForExpression(page, `JSON.parse(sessionStorage.getItem('closer:demo')).pending.length === 0`);
    await admin(`sessions/${sessionId}/messages`, { text: 'Yes: <i>17%</i> off on annual billing.' });
    const person = widget.locator('.msg.person');
    await person.waitFor();
    expect(await person.locator('.who').textContent()).toBe('Alice · team member');
    expect(await person.textContent()).toBe('Alice · team memberYes: <i>17%</i> off on annual billing.');
    expect(await widget.locator('.msg.person i, .msg.visitor b').count()).toBe(0);
    // The held message got no assistant reply.
    expect(await widget.locator('.msg.agent').count()).toBe(1);

    await page.reload();
    await widget.locator('.msg.person').waitFor();
    await widget.getByText('You are chatting with Alice, a person from our team.').waitFor();
    expect(await widget.locator('.msg.agent').count()).toBe(1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'widget-handoff.png') });

    await admin(`sessions/${sessionId}/release`);
    await widget.getByText('Alice has left the chat.', { exact: false }).waitFor();
    await widget.getByText('You are chatting with an AI assistant.', { exact: true }).waitFor();
    await send('Thanks, and is there a trial?');
    await waitForExpression(page, `document.querySelector('#closer-widget').shadowRoot.querySelectorAll('.msg.agent[data-turn]').length === 2`);
    const roles = await db.dataSource.query(`SELECT role FROM turns WHERE session_id = $1 ORDER BY index`, [sessionId]);
    expect(roles.map((r: { role: string }) => r.role)).toEqual(['visitor', 'agent', 'system', 'visitor', 'person', 'system', 'visitor', 'agent']);
  });
});
