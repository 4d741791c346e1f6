import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../support/fixtures.js';
import {
  expectAccessible,
  haveChromium,
  launch,
  openWebTrial,
  pageAs,
  screenshot,
  type WebTrial,
} from './browser.js';

describe.runIf(haveChromium)('the web application shell in Chromium', () => {
  let web: WebTrial;
  let browser: Browser;
  beforeAll(async () => {
    [web, browser] = await Promise.all([openWebTrial(), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('signs a coordinator in with the form and opens their study on the subject list', async () => {
    const coordinator = web.trial.sites[0]!.coordinator;
    const context = await browser.newContext({ baseURL: web.baseUrl });
    const page = await context.newPage();
    await page.goto('/');
    await expect.poll(() => page.title()).toBe('Sign in to trialdesk · trialdesk');
    await expectAccessible(page);
    await screenshot(page, 'sign-in');
    await page.getByLabel('Username').fill(coordinator.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/password/i);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**/studies/${web.trial.id}/subjects`);
    const nav = page.getByRole('navigation', { name: 'Study pages' });
    await expect
      .poll(() => nav.getByRole('link').allTextContents())
      .toEqual(expect.arrayContaining(['Subjects', 'Queries', 'Drug inventory']));
    // A coordinator has no database lock, report or lab pages to be offered.
    const links = await nav.getByRole('link').allTextContents();
    expect(links).not.toContain('Database lock');
    expect(links).not.toContain('Top-line report');
    await context.close();
  });

  it('offers each role its own pages', async () => {
    const expected: [keyof typeof web.trial, string[], string[]][] = [
      ['dm', ['Subjects', 'Queries', 'Lab imports', 'Database lock'], ['Top-line report']],
      ['stat', ['Subjects', 'Top-line report'], ['Database lock', 'Queries']],
      ['dsm', ['Drug inventory'], ['Subjects', 'Queries']],
      ['lab', ['Lab imports'], ['Subjects']],
    ];
    for (const [role, offered, withheld] of expected) {
      const user = web.trial[role] as { token: string; id: string; username: string };
      const tab = await pageAs(browser, web, user);
      await tab.page.goto(`/studies/${web.trial.id}`);
      const nav = tab.page.getByRole('navigation', { name: 'Study pages' });
      await nav.waitFor();
      const links = await nav.getByRole('link').allTextContents();
      expect(links, role).toEqual(expect.arrayContaining(offered));
      for (const w of withheld) expect(links, role).not.toContain(w);
      expect(tab.pageErrors).toEqual([]);
      await tab.close();
    }
  });

  it('serves index.html with its headers for app paths only, and a JSON 404 for unknown API paths', async () => {
    const page = await fetch(`${web.baseUrl}/studies/${web.trial.id}/subjects`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const api = await fetch(`${web.baseUrl}/api/nothing-here`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const asset = await fetch(`${web.baseUrl}/assets/missing.js`);
    expect(asset.status).toBe(404);
    // The page only ever comes with its headers: never as a bare file, never for /api itself.
    expect((await fetch(`${web.baseUrl}/index.html`)).status).toBe(404);
    const bare = await fetch(`${web.baseUrl}/api`);
    expect(bare.status).toBe(404);
    expect(bare.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
