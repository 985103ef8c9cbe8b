import { Browser, Page } from 'playwright-core';
import { SitesRepository } from '../src/sites';
import { launchChromium } from './support/chromium';
import { startLiveApp } from './support/live-clients';
import { scriptedPolicy } from './support/scripted-policy';

/**
 * helmet's Content-Security-Policy against the pages the server serves, in Debian's Chromium, in
 * production mode: the demo page's widget chats (its script, socket.io's client and the WebSocket),
 * the dashboard signs in, draws Chart.js and opens the live `/admin` socket, Swagger UI lists the
 * admin API; and the browser reports no CSP violation on any of them.
 */
describe('security headers in a real browser', () => {
  let live: Awaited<ReturnType<typeof startLiveApp>>;
  let browser: Browser;

  beforeAll(async () => {
    // The scripted reply answers nothing a visitor asks; the non-answer check (and the catalog's answer it ends in) is the guardrail's tests'.
    live = await startLiveApp('csp', { replyPolicy: scriptedPolicy('Happy to help.'), env: { NODE_ENV: 'production', GUARDRAIL_NON_ANSWER: 'false' } }, { operator: 'operator' });
    await live.app.get(SitesRepository).create('demo', 'Demo page');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await live.close();
  });

  /** Every CSP violation the page reports, as "directive blocked-uri". */
  async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
    await page.addInitScript(`
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
    `);
    const consoleErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && consoleErrors.push(m.text()));
    return async () => [...((await page.evaluate('window.__violations')) as string[]), ...consoleErrors];
  }

  it('the demo page: the widget loads, connects and chats', async () => {
    const page = await browser.newPage();
    const violations = await watchViolations(page);
    await page.goto(`${live.url}/`);
    const widget = page.locator('#closer-widget');
    await widget.getByText('You are chatting with an AI assistant.').waitFor();
    await widget.getByLabel('Your message').fill('How much is the Growth plan?');
    await widget.getByRole('button', { name: 'Send' }).click();
    await widget.locator('.msg.agent[data-turn]').first().waitFor();
    expect(await widget.locator('.msg.agent').first().textContent()).toBe('Happy to help.');
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('the dashboard: signs in, draws its charts and opens the live socket', async () => {
    const page = await browser.newPage();
    const violations = await watchViolations(page);
    await page.goto(`${live.url}/admin`);
    await page.getByLabel('API key').fill(live.keys.operator.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator('figure.chart canvas').first().waitFor();
    await page.getByRole('link', { name: 'Handoffs & live' }).click();
    await page.getByText('Live: updates arrive as they happen.').waitFor();
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('Swagger UI at /api/docs renders the admin API', async () => {
    const page = await browser.newPage();
    const violations = await watchViolations(page);
    await page.goto(`${live.url}/api/docs`);
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
    expect(await violations()).toEqual([]);
    await page.close();
  });
});
