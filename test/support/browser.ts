import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

/* The callbacks given to evaluate() run in the browser, not in Node. */
declare const window: { innerWidth: number; axe: typeof axe };
declare const document: { documentElement: { scrollWidth: number } };

/**
 * A real browser for the link-page tests: Debian's `chromium` driven by playwright-core, at a
 * phone's width. `CHROMIUM_PATH` names the binary (default /usr/bin/chromium); `.ci/run` installs it.
 */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const phone = { width: 390, height: 844 };
/** Screenshots of every page checked, for people to look at; git-ignored. */
export const screenshotDir = path.resolve(import.meta.dirname, '../../test-artifacts/screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `No Chromium at ${chromiumPath}: install it (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
}

/** A person's browser: phone-sized, JavaScript off — the pages' forms must work without it. */
export const personContext = (browser: Browser, locale: string): Promise<BrowserContext> =>
  browser.newContext({ viewport: phone, javaScriptEnabled: false, locale });

/**
 * Checks the page a person is looking at, without touching their session: its HTML is rendered
 * again in an inspection tab on the same origin (so the stylesheet loads), where axe-core must
 * find no violation and the page must fit the phone's width. A screenshot is kept under `name`.
 */
export async function checkPage(inspector: Page, seen: Page, name: string): Promise<void> {
  const origin = new URL(seen.url()).origin;
  if (!inspector.url().startsWith(origin)) await inspector.goto(`${origin}/healthz`);
  await inspector.setContent(await seen.content(), { waitUntil: 'load' });
  await inspector.addScriptTag({ content: axe.source });
  const result = await inspector.evaluate(() => window.axe.run(document as never, { resultTypes: ['violations'] }));
  const violations = result.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(violations, `axe on ${name}`).toEqual([]);
  const widths = await inspector.evaluate(() => ({
    content: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  }));
  expect(widths.content, `${name} scrolls sideways`).toBeLessThanOrEqual(widths.viewport);
  await inspector.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}
