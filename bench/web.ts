import { randomUUID } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { buildServer } from '../src/server/app.js';
import { createServices } from '../src/services/index.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { Store } from '../src/store/store.js';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/web/browser.js';
import { stockedStudy } from './randomize-setup.js';
import { closedLoop, freshPgDatabase, percentile } from './support.js';

/** Cold loads measured (after one warm-up load that is not counted). */
const LOADS = 5;
/** The subject list's rows and search box; configurable while the page changes. */
const ROWS = process.env.BENCH_WEB_ROWS ?? 'table.worklist tbody tr';
const SEARCH = process.env.BENCH_WEB_SEARCH ?? 'input[type="search"]';

export interface AssetSize {
  readonly file: string;
  readonly raw: number;
  readonly gzip: number;
}

export interface BundleResult {
  /** What index.html loads before anything renders: the entry chunk, its module preloads, its CSS. */
  readonly initialJs: AssetSize;
  readonly initialCss: AssetSize;
  readonly initialFiles: readonly string[];
  /** Chunks loaded on demand (the report page and any other lazy route), each with its CSS. */
  readonly lazy: readonly AssetSize[];
}

export interface LoadResult {
  readonly engine: 'postgres' | 'pglite';
  readonly subjects: number;
  /** `rows`: every row of the list rendered and the search box enabled; `h1`: the page's heading only. */
  readonly measured: 'rows' | 'h1';
  /** Navigation start → ready, each cold load (fresh browser context: empty cache), ms. */
  readonly loadsMs: readonly number[];
  readonly medianMs: number;
  /** The list's API request alone (GET …/worklist over HTTP from Node, same cookie), median of LOADS, ms. */
  readonly apiMedianMs: number;
  /** The same request as the browser timed it during the page loads (Resource Timing), median, ms. */
  readonly apiInPageMedianMs: number;
  /** Page median over the API call's median. */
  readonly ratio: number;
}

const median = (xs: readonly number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** Builds the app as `npm start` serves it (production, no source maps) into a temp folder. */
async function buildApp(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'trialdesk-bench-web-'));
  await build({
    configFile: new URL('../vite.config.ts', import.meta.url).pathname,
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  return outDir;
}

async function sizeOf(root: string, files: readonly string[], label: string): Promise<AssetSize> {
  const bodies = await Promise.all(files.map((f) => readFile(join(root, f))));
  // Each file is its own response: gzip each (node:zlib default level, as a server would) and add up.
  return {
    file: label,
    raw: bodies.reduce((n, b) => n + b.length, 0),
    gzip: bodies.reduce((n, b) => n + gzipSync(b).length, 0),
  };
}

/** Sizes of the production bundle: the initial load from index.html, and every other chunk. */
export async function bundleSizes(root: string): Promise<BundleResult> {
  const html = await readFile(join(root, 'index.html'), 'utf8');
  const refs = (pattern: RegExp): string[] =>
    [...html.matchAll(pattern)].map((m) => (m[1] ?? '').replace(/^\//, ''));
  const js = [
    ...refs(/<script[^>]*\bsrc="([^"]+\.js)"/g),
    ...refs(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g),
  ];
  const css = refs(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+\.css)"/g);
  const initial = new Set([...js, ...css]);
  const assets = (await readdir(join(root, 'assets'))).map((f) => `assets/${f}`);
  const lazy = await Promise.all(
    assets
      .filter((f) => /\.(js|css)$/.test(f) && !initial.has(f))
      .sort()
      .map((f) => sizeOf(root, [f], f)),
  );
  return {
    initialJs: await sizeOf(root, js, 'initial JS'),
    initialCss: await sizeOf(root, css, 'initial CSS'),
    initialFiles: [...initial],
    lazy,
  };
}

/**
 * A study of `subjects` randomized subjects at one site through the services (outside any timing), a
 * server with the built app, and the site coordinator's session.
 */
async function seededServer(database: Database, webRoot: string, subjects: number) {
  const store = new Store(database);
  const services = createServices(store, { sessionHours: 1, lockoutAttempts: 5, lockoutMinutes: 15 });
  const study = await stockedStudy(store, services, 'web', subjects);
  const coordinator = await services.auth.authenticate(study.token);
  await closedLoop(4, study.subjectIds.length, async (i) => {
    await services.randomization.randomize(coordinator, study.subjectIds[i]!, {
      requestId: randomUUID(),
      levels: {},
    });
  });
  const app = await buildServer({
    services,
    health: () => Promise.resolve({ engine: database.engine }),
    secureCookies: false,
    logLevel: 'silent',
    version: 'bench',
    webRoot,
  });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, baseUrl, studyId: study.studyId, token: study.token };
}

/**
 * Runs in the page from its first script on: notes the time (from navigation start) when the list first
 * has all its rows and an enabled search box, or, when told, just an `h1`. A string, not a function:
 * tsx's transform would add helpers to a function's source that the page does not have.
 */
const readyProbe = (o: { rows: string; search: string; expected: number; h1Only: boolean }): string => `
(() => {
  const o = ${JSON.stringify(o)};
  const check = () => {
    if (o.h1Only) return document.querySelector('h1') !== null;
    const box = document.querySelector(o.search);
    return document.querySelectorAll(o.rows).length >= o.expected && box !== null && !box.disabled && !box.readOnly;
  };
  const observer = new MutationObserver(() => {
    if (window.__ready === undefined && check()) {
      window.__ready = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();
`;

/** Time to interactive of the subject list, cold, against its API call alone. */
export async function benchWebLoad(webRoot: string, subjects: number): Promise<LoadResult> {
  const pg = await freshPgDatabase('web');
  const database = pg
    ? await openDatabase({ url: pg.url, poolSize: 8 })
    : await openDatabase({ dataDir: 'memory://' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  try {
    const server = await seededServer(database, webRoot, subjects);
    const listUrl = `/api/studies/${server.studyId}/worklist`;
    const pagePath = `/studies/${server.studyId}/subjects`;

    const coldLoad = async (h1Only: boolean): Promise<{ ms: number; apiMs: number } | null> => {
      const context = await browser.newContext({
        baseURL: server.baseUrl,
        viewport: { width: 1280, height: 900 },
      });
      await context.addCookies([
        {
          name: 'trialdesk_session',
          value: server.token,
          url: server.baseUrl,
          httpOnly: true,
          sameSite: 'Strict',
        },
      ]);
      const page = await context.newPage();
      await page.addInitScript(readyProbe({ rows: ROWS, search: SEARCH, expected: subjects, h1Only }));
      try {
        await page.goto(pagePath, { waitUntil: 'commit' });
        await page.waitForFunction(() => (globalThis as { __ready?: number }).__ready !== undefined, null, {
          timeout: 30_000,
        });
        const ms = await page.evaluate(() => (globalThis as unknown as { __ready: number }).__ready);
        const apiMs = await page.evaluate((url) => {
          const p = globalThis as unknown as {
            performance: {
              getEntriesByType(t: string): { name: string; startTime: number; responseEnd: number }[];
            };
          };
          const entry = p.performance.getEntriesByType('resource').find((e) => e.name.endsWith(url));
          return entry ? entry.responseEnd - entry.startTime : Number.NaN;
        }, listUrl);
        if (!h1Only) {
          // Interactive, not just painted: typing filters the list.
          await page.locator(SEARCH).fill('no such subject');
          await page.waitForFunction(
            (rows) =>
              (
                globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
              ).document.querySelectorAll(rows).length < 2,
            ROWS,
          );
        }
        return { ms, apiMs };
      } catch (e) {
        if (process.env.BENCH_WEB_DEBUG) console.error(e);
        return null;
      } finally {
        await context.close();
      }
    };

    // Until the list page renders its rows (it is being built), the heading is what can be measured.
    const h1Only = (await coldLoad(false)) === null;
    if (h1Only)
      console.log(`  (no "${ROWS}" rows with "${SEARCH}" on ${pagePath}: measuring the page's h1 instead)`);
    const loads: { ms: number; apiMs: number }[] = [];
    for (let i = 0; i < LOADS; i++) {
      const load = await coldLoad(h1Only);
      if (!load) throw new Error(`the subject list did not become ready (${h1Only ? 'h1' : ROWS})`);
      loads.push(load);
    }
    const api: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const started = performance.now();
      const res = await fetch(`${server.baseUrl}${listUrl}`, {
        headers: { cookie: `trialdesk_session=${server.token}` },
      });
      const body = (await res.json()) as unknown[];
      if (!res.ok || body.length !== subjects)
        throw new Error(`the worklist answered ${res.status} with ${body.length} rows`);
      api.push(performance.now() - started);
    }
    await server.app.close();
    const medianMs = median(loads.map((l) => l.ms));
    const apiMedianMs = median(api);
    return {
      engine: database.engine,
      subjects,
      measured: h1Only ? 'h1' : 'rows',
      loadsMs: loads.map((l) => l.ms),
      medianMs,
      apiMedianMs,
      apiInPageMedianMs: median(loads.map((l) => l.apiMs)),
      ratio: medianMs / apiMedianMs,
    };
  } finally {
    await browser.close();
    await database.close();
    await pg?.drop();
  }
}

/** `npm run bench`'s web part: the bundle's sizes, then the subject list's time to interactive. */
export async function benchWeb(subjects: number): Promise<{ bundle: BundleResult; load: LoadResult }> {
  const root = await buildApp();
  try {
    const bundle = await bundleSizes(root);
    const load = await benchWebLoad(root, subjects);
    return { bundle, load };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
