import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { openServer, openTrial, type HttpTrial, type TestServer, type TestUser } from '../server/support.js';

/** Debian's Chromium, never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
/** The flags every launch uses: no sandbox (root in CI), and no calls to Google on a closed network. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Browser tests need Chromium: without it they are skipped, except in CI, where that fails. */
export const haveChromium = ((): boolean => {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true')
    throw new Error(`CI needs Debian's chromium at ${CHROMIUM} (apt-get install chromium)`);
  console.warn(`No ${CHROMIUM}: the browser tests are skipped`);
  return false;
})();

export const ARTIFACTS = new URL('../../test-artifacts/screenshots/', import.meta.url).pathname;

export const launch = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });

/** A running server with the web app over a fresh PGlite world and a stocked non-responder trial. */
export interface WebTrial {
  readonly server: TestServer;
  readonly trial: HttpTrial;
  readonly baseUrl: string;
  close(): Promise<void>;
}

export async function openWebTrial(
  options: { sites?: number; kitsPerDrug?: number } = {},
): Promise<WebTrial> {
  // PGlite, the engine `npm start` runs on; the API tests cover the PostgreSQL server.
  const server = await openServer(
    { name: 'pglite', open: () => openDatabase({ dataDir: 'memory://' }) },
    { webRoot: inject('webRoot') },
  );
  const trial = await openTrial(server, { sites: options.sites ?? 1, kitsPerDrug: options.kitsPerDrug ?? 6 });
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  return { server, trial, baseUrl: address, close: () => server.close() };
}

/** What a page received from the API: every JSON body, for assertions on what crossed the wire. */
export interface Traffic {
  readonly responses: { url: string; status: number; body: string }[];
  /** Calls whose answer never reached the page (it navigated away first), while the tab was open. */
  readonly failures: string[];
}

export interface UserPage {
  readonly page: Page;
  readonly traffic: Traffic;
  /** Errors thrown in the page (uncaught): a test ends by asserting there were none. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/**
 * A browser tab signed in as `user` (the session cookie set directly: sign-in itself is tested on
 * its own), recording every API response body (each call is routed through the test to read it). Width 1280 (a laptop) unless told.
 */
export async function pageAs(
  browser: Browser,
  web: WebTrial,
  user: TestUser,
  viewport = { width: 1280, height: 900 },
): Promise<UserPage> {
  const context = await browser.newContext({ viewport, baseURL: web.baseUrl });
  await context.addCookies([
    { name: 'trialdesk_session', value: user.token, url: web.baseUrl, httpOnly: true, sameSite: 'Strict' },
  ]);
  const page = await context.newPage();
  const traffic: Traffic = { responses: [], failures: [] };
  let closing = false;
  // Every API call goes through here, so no body escapes the record (a page that moves on before a
  // listener could read a response would otherwise leave it unread, and unchecked).
  await context.route(
    (url) => url.pathname.startsWith('/api/'),
    async (route) => {
      try {
        const response = await route.fetch();
        const body = await response.text();
        traffic.responses.push({ url: route.request().url(), status: response.status(), body });
        await route.fulfill({ response, body });
      } catch (e) {
        // The tab closed or moved on while the call was in flight: the page never got this answer, so
        // it could show nothing of it. Kept (unless closing) for a test that wants to look.
        if (!closing) traffic.failures.push(`${route.request().url()}: ${(e as Error).message}`);
      }
    },
  );
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return {
    page,
    traffic,
    pageErrors,
    close: async () => {
      closing = true;
      await context.close();
    },
  };
}

/** Saves a full-page screenshot as a test artifact (test-artifacts/screenshots/<name>.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

const require = createRequire(import.meta.url);

/**
 * Runs axe-core (WCAG 2 A and AA rules: labels, contrast, names, landmarks) on the page and fails
 * on any violation, naming the rule and the elements.
 */
export async function expectAccessible(page: Page): Promise<void> {
  const source = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated, not added as a <script>: the app's Content-Security-Policy refuses inline scripts.
  await page.evaluate(source);
  // Runs in the page: the test's own types know no DOM, so the page's globals are typed here.
  const violations = await page.evaluate(async () => {
    interface AxeResult {
      violations: { id: string; help: string; nodes: { target: unknown[] }[] }[];
    }
    const g = globalThis as unknown as {
      axe: { run: (context: unknown, options: unknown) => Promise<AxeResult> };
      document: unknown;
    };
    const result = await g.axe.run(g.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map(
      (v) => `${v.id} (${v.help}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
    );
  });
  expect(violations).toEqual([]);
  await expectScreenReaderTextHidden(page);
}

/**
 * Text meant for screen readers only (`.visually-hidden`) must take no room on screen: every such
 * element is at most 1 px square. Without its CSS rule it read as "Open thread of WPG-S002" on screen.
 */
export async function expectScreenReaderTextHidden(page: Page): Promise<void> {
  // Runs in the page: the test's own types know no DOM, so the element is typed here.
  interface Shown {
    textContent: string | null;
    getBoundingClientRect(): { width: number; height: number };
  }
  const shown = await page.$$eval('.visually-hidden', (nodes) =>
    (nodes as unknown as Shown[])
      .map((n) => ({ text: (n.textContent ?? '').trim(), box: n.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 1 || box.height > 1)
      .map(({ text, box }) => `"${text}" (${Math.round(box.width)}×${Math.round(box.height)} px)`),
  );
  expect(shown).toEqual([]);
}
