import { Browser, chromium, Page } from 'playwright-core';

/** Debian's Chromium, headless, quiet (no background traffic), for the browser tests. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** The demo page (`/`) in a new page, its widget, and `send`: a visitor typing a message and pressing Send. */
export async function openWidget(browser: Browser, url: string) {
  const page = await browser.newPage();
  await page.goto(`${url}/`);
  const widget = page.locator('#closer-widget');
  const send = async (text: string) => {
    await widget.getByLabel('Your message').fill(text);
    await widget.getByRole('button', { name: 'Send' }).click();
  };
  return { page, widget, send };
}

/**
 * Polls `expression` in the page until it is truthy. page.waitForFunction compiles a string with
 * eval, which the server's Content-Security-Policy (no 'unsafe-eval') forbids; page.evaluate does not.
 */
export async function waitForExpression(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await page.evaluate(expression)); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
