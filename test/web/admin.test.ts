import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  haveChromium,
  launch,
  openWebTrial,
  pageAs,
  screenshot,
  type WebTrial,
} from './browser.js';

interface UserBody {
  readonly id: string;
  readonly username: string;
  readonly mustChangePassword: boolean;
}
interface GrantBody {
  readonly id: string;
  readonly role: string;
  readonly studyId: string | null;
  readonly siteId: string | null;
}

/** Waits for what the page shows after a server round trip (the test machine is shared and busy). */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000 });

describe.runIf(haveChromium)('the users page in Chromium', () => {
  let web: WebTrial;
  let browser: Browser;
  let n = 0;
  const fresh = (what: string): string => `${what}-${Date.now().toString(36)}-${n++}`;

  const users = async (): Promise<UserBody[]> => {
    const res = await web.server.call({ method: 'GET', url: '/api/users', token: web.trial.admin.token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<UserBody[]>();
  };
  const grantsOf = async (userId: string): Promise<GrantBody[]> => {
    const res = await web.server.call({
      method: 'GET',
      url: `/api/users/${userId}/grants`,
      token: web.trial.admin.token,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<GrantBody[]>();
  };
  const openUsers = async (page: Page): Promise<void> => {
    await page.goto('/users');
    await page.getByRole('table').waitFor();
  };

  beforeAll(async () => {
    [web, browser] = await Promise.all([openWebTrial(), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('creates a user, shows the one-time password once, grants a site role; the user signs in, changes it and lands on the study', async () => {
    const site = web.trial.sites[0]!;
    const username = fresh('nora');
    const tab = await pageAs(browser, web, web.trial.admin);
    const { page } = tab;
    await openUsers(page);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Display name').fill('Nora Coordinator');
    await page.getByRole('button', { name: 'Create user' }).click();
    const shown = page.getByRole('status').filter({ hasText: 'One-time password' });
    await shown.waitFor({ timeout: 10_000 });
    const oneTimePassword = (await shown.locator('code').textContent()) ?? '';
    expect(oneTimePassword.length).toBeGreaterThanOrEqual(12);
    expect(await shown.textContent()).toMatch(/must change it when they first sign in/);
    const created = (await users()).find((u) => u.username === username);
    expect(created).toMatchObject({ mustChangePassword: true });
    expect(await grantsOf(created!.id)).toEqual([]);

    // The grant form has taken the new user; a site coordinator needs a study and a site.
    const grantForm = page.getByRole('form', { name: 'Grant a role' });
    expect(await grantForm.getByLabel('User').inputValue()).toBe(created!.id);
    await grantForm.getByLabel('Role').selectOption({ label: 'Site coordinator' });
    await grantForm.getByLabel('Study').selectOption(web.trial.id);
    await grantForm.getByLabel('Site').selectOption(site.id);
    await grantForm.getByRole('button', { name: 'Grant role' }).click();
    await eventually(() => page.getByText(`Role granted to ${username}.`).count()).toBe(1);
    expect(await grantsOf(created!.id)).toEqual([
      expect.objectContaining({ role: 'site_coordinator', studyId: web.trial.id, siteId: site.id }),
    ]);
    const row = page.getByRole('row').filter({ hasText: username });
    await eventually(() => row.textContent()).toContain(
      `Site coordinator · ${web.trial.code} · ${site.code}`,
    );
    await expectAccessible(page);
    await screenshot(page, 'users');

    // Shown once: dismissed, it is nowhere on the page, and a reload does not bring it back.
    await page.getByRole('button', { name: 'Done, hide the password' }).click();
    expect(await page.getByText(oneTimePassword).count()).toBe(0);
    await openUsers(page);
    expect(await page.getByText(oneTimePassword).count()).toBe(0);
    expect(tab.pageErrors).toEqual([]);
    await tab.close();

    const context = await browser.newContext({ baseURL: web.baseUrl });
    const own = await context.newPage();
    await own.goto('/');
    await own.getByLabel('Username').fill(username);
    await own.getByLabel('Password').fill(oneTimePassword);
    await own.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() => own.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Choose a new password',
    );
    await own.getByLabel('One-time password').fill(oneTimePassword);
    await own.getByLabel('New password', { exact: true }).fill('nora chose this long password');
    await own.getByLabel('New password again').fill('nora chose this long password');
    await own.getByRole('button', { name: 'Change password' }).click();
    await own.waitForURL(new RegExp(`/studies/${web.trial.id}`));
    expect((await users()).find((u) => u.username === username)).toMatchObject({ mustChangePassword: false });
    await context.close();
  });

  it('shows an empty username and a weak password next to their fields, and creates nobody', async () => {
    const before = await users();
    const tab = await pageAs(browser, web, web.trial.admin);
    const { page } = tab;
    await openUsers(page);
    await page.getByLabel('Display name').fill('Nobody');
    await page.getByLabel('Password (optional)').fill('short');
    await page.getByRole('button', { name: 'Create user' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toMatch(/The user was not created/);
    const username = page.getByLabel('Username');
    const password = page.getByLabel('Password (optional)');
    expect(await username.getAttribute('aria-invalid')).toBe('true');
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    const describedText = async (input: typeof username): Promise<string> => {
      const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(' ');
      const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
      return texts.join(' ');
    };
    expect(await describedText(username)).toMatch(/must be 3 to 40 letters/);
    expect(await describedText(password)).toMatch(/at least 12 characters/);
    // A name already taken is said at the username too.
    await username.fill(web.trial.dm.username);
    await password.fill('');
    await page.getByRole('button', { name: 'Create user' }).click();
    // The server hashes a password before it looks the name up: give it time.
    await eventually(() => describedText(username)).toMatch(/already exists/);
    await screenshot(page, 'users-refused');
    expect(await users()).toEqual(before);
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('refuses a site role without its site at the Site field, and grants nothing', async () => {
    const target = await web.server.user([]);
    const tab = await pageAs(browser, web, web.trial.admin);
    const { page } = tab;
    await openUsers(page);
    const row = page.getByRole('row').filter({ hasText: target.username });
    await row.getByRole('button', { name: `Grant a role to ${target.username}` }).click();
    const grantForm = page.getByRole('form', { name: 'Grant a role' });
    expect(await grantForm.getByLabel('User').inputValue()).toBe(target.id);
    await grantForm.getByLabel('Role').selectOption({ label: 'Monitor (CRA)' });
    await grantForm.getByLabel('Study').selectOption(web.trial.id);
    await grantForm.getByRole('button', { name: 'Grant role' }).click();
    await eventually(() => grantForm.getByRole('alert').textContent()).toMatch(/not granted/);
    expect(await grantForm.getByLabel('Site').getAttribute('aria-invalid')).toBe('true');
    expect(await grantForm.locator('.field-error').textContent()).toMatch(/needs a studyId and a siteId/);
    expect(await grantsOf(target.id)).toEqual([]);
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('revokes a grant only with a reason', async () => {
    const site = web.trial.sites[0]!;
    const target = await web.server.user([{ role: 'monitor', studyId: web.trial.id, siteId: site.id }]);
    const tab = await pageAs(browser, web, web.trial.admin);
    const { page } = tab;
    await openUsers(page);
    const row = page.getByRole('row').filter({ hasText: target.username });
    await row.getByRole('button', { name: /^Revoke Monitor/ }).click();
    await row.getByRole('button', { name: 'Revoke role' }).click();
    expect(await row.locator('.field-error').textContent()).toMatch(/reason is required/);
    expect(await grantsOf(target.id)).toHaveLength(1);
    await row.getByLabel('Reason for revoking').fill('Left the CRO');
    await row.getByRole('button', { name: 'Revoke role' }).click();
    await eventually(() => row.textContent()).toContain('No role');
    expect(await grantsOf(target.id)).toEqual([]);
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('marks who holds an unblinded role, and by whom it was granted', async () => {
    const target = await web.server.user([]);
    const granted = await web.server.call({
      method: 'POST',
      url: `/api/users/${target.id}/grants`,
      token: web.trial.admin.token,
      body: { role: 'unblinded_statistician', studyId: web.trial.id },
    });
    expect(granted.statusCode, granted.body).toBe(201);
    const tab = await pageAs(browser, web, web.trial.admin);
    const { page } = tab;
    await openUsers(page);
    const row = page.getByRole('row').filter({ hasText: target.username });
    await eventually(() => row.textContent()).toContain('Unblinded');
    expect(await row.textContent()).toContain(`unblinded, granted by ${web.trial.admin.username}`);
    const admin = page.getByRole('row').filter({ hasText: web.trial.admin.username }).first();
    expect(await admin.textContent()).not.toContain('Unblinded');
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('sends one request on a double click of Create user', async () => {
    const username = fresh('double');
    const tab = await pageAs(browser, web, web.trial.admin);
    const { page } = tab;
    await openUsers(page);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Display name').fill('Double Click');
    await page.getByRole('button', { name: 'Create user' }).dblclick();
    await page.getByRole('status').filter({ hasText: 'One-time password' }).waitFor({ timeout: 15_000 });
    await tab.close();
    const posts = tab.traffic.responses.filter(
      (r) => new URL(r.url).pathname === '/api/users' && r.status !== 200,
    );
    expect(posts.map((r) => r.status)).toEqual([201]);
    expect((await users()).filter((u) => u.username === username)).toHaveLength(1);
    expect(tab.pageErrors).toEqual([]);
  });

  it('reads at tablet width', async () => {
    const tab = await pageAs(browser, web, web.trial.admin, { width: 820, height: 1100 });
    await openUsers(tab.page);
    const overflow = await tab.page.evaluate(() => {
      const d = (
        globalThis as unknown as {
          document: { documentElement: { scrollWidth: number; clientWidth: number } };
        }
      ).document.documentElement;
      return d.scrollWidth - d.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible(tab.page);
    await screenshot(tab.page, 'users-tablet');
    await tab.close();
  });
});
