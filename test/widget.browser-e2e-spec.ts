import { INestApplication } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { Database } from '../src/database';
import { launchChromium, waitForExpression } from './support/chromium';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const ARTIFACTS = join(__dirname, '..', 'test-artifacts');

/** The widget in Debian's Chromium, on the demo page, against the real server and default model. */
describe('widget in a real browser', () => {
  const dbConfig = testSchemaConfig('browser');
  let app: INestApplication;
  let db: Database;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  it('chats, survives a reload with its history, records the CTA, and saves a screenshot', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    const widget = page.locator('#closer-widget');
    await widget.getByText('You are chatting with an AI assistant.').waitFor();

    // Keyboard only: focus the input, type, press Enter.
    await widget.getByLabel('Your message').focus();
    await page.keyboard.type('How much is the Growth plan?');
    await page.keyboard.press('Enter');
    const agent = widget.locator('.msg.agent');
    await agent.first().waitFor();
    // Runs in the page: the final event has tagged the reply with its stored turn id.
    await waitForExpression(page, `!!document.querySelector('#closer-widget')?.shadowRoot?.querySelector('.msg.agent')?.getAttribute('data-turn')`);
    const reply = await agent.first().textContent();
    expect(reply!.length).toBeGreaterThan(0);

    await page.reload();
    await widget.locator('.msg.visitor').first().waitFor();
    expect(await widget.locator('.msg.visitor').allTextContents()).toEqual(['How much is the Growth plan?']);
    expect(await widget.locator('.msg.agent').allTextContents()).toEqual([reply]);

    await widget.getByRole('button', { name: 'Book a demo' }).click();
    await widget.getByText('Thanks! We will be in touch.').waitFor();
    const conversions = await db.dataSource.query(`SELECT source, external_id FROM conversions`);
    expect(conversions).toEqual([{ source: 'widget', external_id: 'cta-book-a-demo' }]);
    const turns = await db.dataSource.query(`SELECT role FROM turns ORDER BY created_at`);
    expect(turns.map((t: { role: string }) => t.role)).toEqual(['visitor', 'agent']);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'widget.png') });
  });

  it('renders model and visitor text as text, never as HTML', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    const widget = page.locator('#closer-widget');
    await widget.getByLabel('Your message').fill('<img src=x onerror="window.pwned=1"><b>bold</b>');
    await widget.getByRole('button', { name: 'Send' }).click();
    await widget.locator('.msg.visitor').first().waitFor();
    expect(await widget.locator('.msg.visitor').first().textContent()).toBe('<img src=x onerror="window.pwned=1"><b>bold</b>');
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expect(await widget.locator('.msg img, .msg b').count()).toBe(0);
  });
});
