import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayUtc } from '../../src/core/capture/dates.js';
import type { Role } from '../../src/core/auth/roles.js';
import { NR_PROTOCOL, userOf, type TestUser } from '../server/support.js';
import { eligibleNr } from '../support/trial.js';
import { haveChromium, launch, openWebTrial, pageAs, type Traffic, type WebTrial } from './browser.js';

/*
 * Blinding across the whole app, whatever pages exist: every blinded role of the trial walks every page
 * its navigation offers, plus the page of every randomized subject it may read, and nothing the pages
 * received from the API or rendered may carry a masked arm. The unblinded statistician walks the same
 * pages as the positive control: their traffic does carry arms, so the checks can fail.
 */

const ARMS = (parse(readFileSync(NR_PROTOCOL, 'utf8')) as { arms: { code: string; name: string }[] }).arms;
const ARM_CODES = new Set(ARMS.map((a) => a.code));
const ARM_NAMES = ARMS.map((a) => a.name);
/** Keys that only ever carry an allocation's arm. */
const ARM_KEYS = new Set(['arm', 'armCode', 'byArm', 'armLabel']);

const BLINDED: readonly Role[] = [
  'site_coordinator',
  'investigator',
  'monitor',
  'data_manager',
  'drug_supply_manager',
  'central_lab',
  'partner_reviewer',
];

const ago = (days: number): string => addDays(todayUtc(), -days);

/**
 * The protocol is the trial's published design, readable by every role in the study (study.read): its
 * list of arms names them all and says nothing of who is on which. Only that subtree is skipped.
 */
const isProtocolDesign = (key: string, value: unknown): boolean =>
  key === 'protocol' &&
  typeof value === 'object' &&
  value !== null &&
  Array.isArray((value as { arms?: unknown }).arms) &&
  Array.isArray((value as { visits?: unknown }).visits);

/** Where a JSON value carries an arm: keys named for arms, or arm codes and names as values. */
function armsIn(value: unknown, path: string, found: string[]): void {
  if (typeof value === 'string') {
    if (ARM_CODES.has(value) || ARM_NAMES.some((n) => value.includes(n))) found.push(`${path} = ${value}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => armsIn(v, `${path}[${i}]`, found));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, v] of Object.entries(value)) {
    if (isProtocolDesign(key, v)) continue;
    if (ARM_KEYS.has(key)) found.push(`${path}.${key} (key)`);
    armsIn(v, `${path}.${key}`, found);
  }
}

/** Every arm found in what the pages received, as "GET url: where". */
function armsInTraffic(traffic: Traffic): string[] {
  const found: string[] = [];
  for (const r of traffic.responses) {
    const where: string[] = [];
    let json: unknown;
    try {
      json = JSON.parse(r.body);
    } catch {
      // Not JSON (the HTML report): any arm code or name in its text counts.
      const text = r.body;
      for (const code of ARM_CODES) if (new RegExp(`\\b${code}\\b`).test(text)) where.push(`text ${code}`);
      for (const name of ARM_NAMES) if (text.includes(name)) where.push(`text ${name}`);
    }
    if (json !== undefined) armsIn(json, '$', where);
    found.push(...where.map((w) => `${new URL(r.url).pathname}${new URL(r.url).search}: ${w}`));
  }
  return found;
}

/** Arm names, and arm codes as whole words, in a page's rendered text. */
const armsInText = (text: string): string[] => [
  ...ARM_NAMES.filter((n) => text.includes(n)),
  ...[...ARM_CODES].filter((c) => new RegExp(`\\b${c}\\b`).test(text)),
];

describe.runIf(haveChromium)('blinding across the web application in Chromium', () => {
  let web: WebTrial;
  let browser: Browser;
  const randomized: string[] = [];

  /** Screens, randomizes and records day 0 for one subject at a site, as its coordinator. */
  async function enrolWithDay0(site: number): Promise<void> {
    const token = web.trial.sites[site]!.coordinator.token;
    const post = async (url: string, body: unknown): Promise<{ id: string }> => {
      const res = await web.server.call({ method: 'POST', url, token, body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string }>();
    };
    const { id } = await post(`/api/studies/${web.trial.id}/subjects`, {
      siteId: web.trial.sites[site]!.id,
      answers: eligibleNr(),
      consentedOn: ago(40),
    });
    await post(`/api/subjects/${id}/randomize`, { requestId: randomUUID() });
    await post(`/api/subjects/${id}/visits`, { visit: 'D0', date: ago(30) });
    await post(`/api/subjects/${id}/results`, {
      visit: 'D0',
      collectedOn: ago(30),
      result: 3_000_000,
      assay: 'COBAS',
    });
    await post(`/api/subjects/${id}/visits`, { visit: 'W1', date: ago(23) });
    await post(`/api/subjects/${id}/results`, {
      visit: 'W1',
      collectedOn: ago(23),
      result: 80_000,
      assay: 'COBAS',
    });
    randomized.push(id);
  }

  beforeAll(async () => {
    [web, browser] = await Promise.all([openWebTrial({ sites: 2, kitsPerDrug: 15 }), launch()]);
    // Enough subjects that every arm is allocated (blocks of the three arms), at both sites; enough kits
    // that the random active/placebo split of the masked drug never runs a site out.
    for (let i = 0; i < 6; i++) await enrolWithDay0(i % 2);
    // And one screened, not randomized, so subject lists have both kinds.
    const screened = await web.server.call({
      method: 'POST',
      url: `/api/studies/${web.trial.id}/subjects`,
      token: web.trial.sites[0]!.coordinator.token,
      body: { siteId: web.trial.sites[0]!.id, answers: eligibleNr() },
    });
    expect(screened.statusCode, screened.body).toBe(201);
    const allocations = await web.server.call({
      method: 'GET',
      url: `/api/studies/${web.trial.id}/allocations`,
      token: web.trial.stat.token,
    });
    // The setup itself: the statistician sees more than one arm allocated.
    const arms = new Set(allocations.json<{ arm: string }[]>().map((a) => a.arm));
    expect(arms.size).toBeGreaterThan(1);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  /** Opens a path and waits until the page has settled: its heading rendered and no request in flight. */
  async function visit(page: Page, path: string): Promise<string> {
    await page.goto(path);
    await page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: 15_000 });
    await page.waitForLoadState('networkidle');
    await page
      .locator('[role="status"].loading')
      .first()
      .waitFor({ state: 'detached', timeout: 15_000 })
      .catch(() => {
        // A page that keeps a loading line forever is another test's failure, not a blinding leak.
      });
    return page.locator('body').innerText();
  }

  /**
   * Walks the app as `user`: the studies page, the study's home, every page of the study navigation, and
   * every randomized subject's page the user may read. Returns the paths visited and the arms seen.
   */
  async function walk(user: TestUser): Promise<{ visited: string[]; onPage: string[]; inTraffic: string[] }> {
    const tab = await pageAs(browser, web, user);
    const { page } = tab;
    const visited: string[] = [];
    const onPage: string[] = [];
    const see = async (path: string): Promise<void> => {
      const text = await visit(page, path);
      visited.push(path);
      for (const arm of armsInText(text)) onPage.push(`${path}: ${arm}`);
    };
    await see('/');
    await see(`/studies/${web.trial.id}`);
    // The study's pages as the navigation offers them to this user (no nav: no study pages to walk).
    const links = page.getByRole('navigation', { name: 'Study pages' }).getByRole('link');
    const hrefs: string[] = [];
    for (let i = 0; i < (await links.count()); i++) {
      const href = (await links.nth(i).getAttribute('href')) ?? '';
      if (href.startsWith(`/studies/${web.trial.id}/`)) hrefs.push(href);
    }
    for (const href of hrefs) await see(href);
    // The subjects this user may read, as the API answers them: one page each.
    const listed = await web.server.call({
      method: 'GET',
      url: `/api/studies/${web.trial.id}/subjects`,
      token: user.token,
    });
    if (listed.statusCode === 200) {
      const subjects = listed
        .json<{ id: string; status: string }[]>()
        .filter((s) => s.status === 'randomized');
      for (const s of subjects) await see(`/studies/${web.trial.id}/subjects/${s.id}`);
    }
    await tab.close();
    const inTraffic = armsInTraffic(tab.traffic);
    if (process.env.BLINDING_VERBOSE)
      console.info(user.username, visited, [...new Set(inTraffic.map((f) => f.split(':')[0]))]);
    return { visited, onPage, inTraffic };
  }

  it.each(BLINDED)(
    'shows a %s no masked arm on any page, and sends none to the browser',
    async (role) => {
      const user = userOf(web.trial, role);
      const { visited, onPage, inTraffic } = await walk(user);
      // The walk reached the study's pages, so an empty result means something.
      expect(visited.length).toBeGreaterThanOrEqual(2);
      expect(onPage, `${role} saw arms on ${visited.join(', ')}`).toEqual([]);
      expect(inTraffic, `${role} received arms`).toEqual([]);
    },
    180_000,
  );

  it('sends the unblinded statistician the arms on the same pages (the checks can fail)', async () => {
    const { visited, inTraffic } = await walk(web.trial.stat);
    expect(visited).toEqual(expect.arrayContaining([`/studies/${web.trial.id}/report`]));
    expect(inTraffic.length).toBeGreaterThan(0);
    // Not only the HTML report: the JSON walk finds arms in the API answers the pages asked for.
    expect(
      inTraffic.filter((f) => !f.startsWith(`/api/studies/${web.trial.id}/report`)).length,
    ).toBeGreaterThan(0);
    // A site coordinator's subject pages are among the statistician's: they read all sites.
    expect(visited.filter((p) => /\/subjects\/[0-9a-f-]{36}$/.test(p))).toHaveLength(randomized.length);
  }, 180_000);
});
