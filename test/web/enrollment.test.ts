import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayUtc } from '../../src/core/capture/dates.js';
import { enroll, type AllocationBody, type SubjectBody } from '../server/support.js';
import {
  expectAccessible,
  haveChromium,
  launch,
  openWebTrial,
  pageAs,
  screenshot,
  type Traffic,
  type WebTrial,
} from './browser.js';

const ARM_CODES = ['TRIPLE', 'DOUBLE', 'CONTROL'];

/** Fills the screening questions with the answers of an eligible non-responder. */
async function answerEligibleNr(page: Page): Promise<void> {
  await page.getByLabel('Age (years)').fill('50');
  await page.getByLabel('HCV genotype').selectOption('1a');
  const yesNo = async (question: string, answer: 'Yes' | 'No'): Promise<void> =>
    page.getByRole('group', { name: question }).getByLabel(answer).check();
  await yesNo('HCV infection for 6 months or more', 'Yes');
  await yesNo('Failed optimized peginterferon + ribavirin', 'Yes');
  await page.getByLabel('Response to the prior treatment').selectOption('NR');
  await page.getByLabel('Screening HCV RNA (IU/mL)').fill('2000000');
  await yesNo('Decompensated liver disease', 'No');
  await yesNo('HIV co-infection', 'No');
  await yesNo('HBV co-infection (HBsAg positive)', 'No');
  await yesNo('Pregnant or breast-feeding', 'No');
  await page.getByLabel('Absolute neutrophil count (10^9/L)').fill('2');
  await page.getByLabel('Platelets (10^9/L)').fill('150');
  await page.getByLabel('Hemoglobin (g/dL)').fill('14');
}

/** Asserts no API body the page received names an arm, except the protocol itself (public: it lists the arms). */
function expectNoArm(traffic: Traffic, studyId: string): void {
  expect(traffic.responses.length).toBeGreaterThan(0);
  for (const r of traffic.responses) {
    const path = new URL(r.url).pathname;
    expect(r.body, path).not.toMatch(/"(arm|armCode|armName|currentArm)"\s*:/);
    if (path === `/api/studies/${studyId}`) continue;
    for (const arm of ARM_CODES) expect(r.body, path).not.toContain(arm);
  }
}

describe.runIf(haveChromium)('screening, randomization and the worklist in Chromium', () => {
  let web: WebTrial;
  let browser: Browser;
  beforeAll(async () => {
    // Kits for the four subjects randomized here, with a later visit dispensed.
    [web, browser] = await Promise.all([openWebTrial({ kitsPerDrug: 12 }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  const api = async <T>(url: string, token = web.trial.dm.token): Promise<T> => {
    const res = await web.server.call({ method: 'GET', url, token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<T>();
  };
  const subjects = () => api<SubjectBody[]>(`/api/studies/${web.trial.id}/subjects`);

  it('screens a subject with a live checklist, randomizes them and shows the number and kits, never the arm', async () => {
    const site = web.trial.sites[0]!;
    const tab = await pageAs(browser, web, site.coordinator);
    const { page } = tab;
    await page.goto(`/studies/${web.trial.id}/subjects/new`);
    const checklist = page.getByRole('complementary', { name: 'Eligibility' });
    await expect.poll(() => checklist.textContent()).toContain('8 not yet answered of 8');
    await page.getByLabel('Age (years)').fill('80');
    await expect.poll(() => checklist.textContent()).toContain('not met: age = 80');
    await answerEligibleNr(page);
    await expect.poll(() => checklist.textContent()).toContain('All 8 criteria met: eligible');
    expect(await checklist.getByText('Not met', { exact: true }).count()).toBe(0);
    await expectAccessible(page);
    await screenshot(page, 'screening');

    await page.getByRole('button', { name: 'Save the screening' }).click();
    await page.waitForURL(/\/subjects\/[0-9a-f-]{36}$/);
    const subjectId = page.url().split('/').at(-1) ?? '';
    const saved = (await subjects()).find((s) => s.id === subjectId);
    expect(saved).toMatchObject({ status: 'eligible', siteId: site.id });
    await page.getByRole('heading', { name: `Subject ${saved?.screeningNumber}` }).waitFor();

    await page.getByRole('button', { name: `Randomize ${saved?.screeningNumber}` }).click();
    const confirm = page.getByRole('group', { name: `Randomize subject ${saved?.screeningNumber}?` });
    await expect.poll(() => confirm.textContent()).toContain('cannot be undone');
    await confirm.getByRole('button', { name: 'Confirm randomization' }).click();
    await page.getByRole('table', { name: 'Kits dispensed' }).waitFor();

    // What the server holds, as the data manager: randomized, with this number and these kits.
    expect((await subjects()).find((s) => s.id === subjectId)?.status).toBe('randomized');
    const allocation = await api<AllocationBody>(`/api/subjects/${subjectId}/allocation`);
    const region = page.getByRole('region', { name: 'Randomization' });
    await expect.poll(() => region.textContent()).toContain(String(allocation.randomizationNumber));
    expect(allocation.kits.length).toBeGreaterThan(0);
    const kitTable = region.getByRole('table', { name: 'Kits dispensed' });
    for (const kit of allocation.kits) expect(await kitTable.textContent()).toContain(kit.kitNumber);
    expect(await region.textContent()).not.toMatch(/arm/i);
    await expectAccessible(page);
    await screenshot(page, 'subject-randomized');

    expect(tab.pageErrors).toEqual([]);
    await tab.close();
    expectNoArm(tab.traffic, web.trial.id);
  });

  it('shows a refused screening’s message next to its field and saves nothing', async () => {
    const before = await subjects();
    // On a tablet: the checklist stays beside the form.
    const tab = await pageAs(browser, web, web.trial.sites[0]!.coordinator, { width: 820, height: 1000 });
    const { page } = tab;
    await page.goto(`/studies/${web.trial.id}/subjects/new`);
    await answerEligibleNr(page);
    const consent = page.getByLabel('Date of informed consent');
    const nextYear = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10);
    await consent.fill(nextYear);
    await page.getByRole('button', { name: 'Save the screening' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('in the future');
    await expect.poll(() => consent.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await consent.getAttribute('aria-describedby')) ?? '';
    const message = page.locator(`[id="${describedBy.split(' ').at(-1)}"]`);
    expect(await message.textContent()).toMatch(/is in the future/);
    expect(page.url()).toMatch(/\/subjects\/new$/);
    // The answers stay as typed, and the server holds no new subject.
    expect(await page.getByLabel('Age (years)').inputValue()).toBe('50');
    expect(await subjects()).toEqual(before);
    await expectAccessible(page);
    await screenshot(page, 'screening-refused-tablet');
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('lists the next visit due with its window and the open queries, at laptop and tablet widths', async () => {
    const site = web.trial.sites[0]!;
    const { subject } = await enroll(web.server, web.trial, 0);
    const today = todayUtc();
    const visit = await web.server.call({
      method: 'POST',
      url: `/api/subjects/${subject.id}/visits`,
      token: site.coordinator.token,
      body: { visit: 'D0', date: today },
    });
    expect(visit.statusCode, visit.body).toBe(201);
    const query = await web.server.call({
      method: 'POST',
      url: `/api/subjects/${subject.id}/queries`,
      token: site.monitor.token,
      body: { form: 'visit:D0', field: 'visitDate', text: 'Please confirm the day 0 date in the notes' },
    });
    expect(query.statusCode, query.body).toBe(201);
    // Day 0 is recorded: week 1 (day 7, window ±2 days) is next, not open yet.
    const w1 = { nominal: addDays(today, 7), earliest: addDays(today, 5), latest: addDays(today, 9) };

    for (const [width, name] of [
      [1280, 'subject-list'],
      [820, 'subject-list-tablet'],
    ] as const) {
      const tab = await pageAs(browser, web, site.coordinator, { width, height: 900 });
      const { page } = tab;
      await page.goto(`/studies/${web.trial.id}/subjects`);
      const table = page.getByRole('table', { name: /subjects/ });
      await table.waitFor();
      const row = table.getByRole('row').filter({ hasText: subject.screeningNumber });
      await expect.poll(() => row.textContent()).toContain(`W1 due ${w1.nominal}`);
      const cells = await row.getByRole('cell').allTextContents();
      expect(cells).toContain('Randomized');
      // The window's ends lose their year when it is the target date's own.
      const short = (d: string): string => (d.startsWith(w1.nominal.slice(0, 4)) ? d.slice(5) : d);
      const window = `window ${short(w1.earliest)} → ${short(w1.latest)}`;
      expect(cells.some((c) => c.includes(window) && c.includes('Upcoming'))).toBe(true);
      expect(cells.at(-1)).toBe('1');
      // Nothing wider than the screen but the table's own scroll area.
      const pageWidth = await page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
            .documentElement.scrollWidth,
      );
      expect(pageWidth).toBeLessThanOrEqual(width);
      // Every column fits without scrolling the table, the open queries included.
      const last = await row.getByRole('cell').last().boundingBox();
      expect((last?.x ?? Infinity) + (last?.width ?? 0)).toBeLessThanOrEqual(width);

      // The search narrows the list to the subject; "Screen a subject" is offered to a coordinator.
      await page.getByLabel('Screening number').fill(subject.screeningNumber);
      await expect.poll(() => table.getByRole('row').count()).toBe(2);
      await page.getByRole('link', { name: 'Screen a subject' }).waitFor();
      await page.getByLabel('Screening number').fill('');
      await expectAccessible(page);
      await screenshot(page, name);
      expect(tab.pageErrors).toEqual([]);
      await tab.close();
      expectNoArm(tab.traffic, web.trial.id);
    }
  });

  it('saves a screen failure as a record and shows it as such, with the failed criterion', async () => {
    const tab = await pageAs(browser, web, web.trial.sites[0]!.coordinator);
    const { page } = tab;
    await page.goto(`/studies/${web.trial.id}/subjects/new`);
    await answerEligibleNr(page);
    await page.getByLabel('Age (years)').fill('80');
    await page.getByRole('button', { name: 'Save as screen failure' }).click();
    await page.waitForURL(/\/subjects\/[0-9a-f-]{36}$/);
    const subjectId = page.url().split('/').at(-1) ?? '';
    expect((await subjects()).find((s) => s.id === subjectId)?.status).toBe('screen_failed');
    await page.getByText('Screen failure', { exact: true }).waitFor();
    await page.getByText(/^Eligibility: not eligible/).click();
    await page.getByText('not met: age = 80').waitFor();
    expect(await page.getByRole('button', { name: /^Randomize/ }).count()).toBe(0);
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('records the main phase’s completion and the extension election, and dispenses a later visit', async () => {
    const site = web.trial.sites[0]!;
    const { subject } = await enroll(web.server, web.trial, 0);
    const tab = await pageAs(browser, web, site.coordinator);
    const { page } = tab;
    await page.goto(`/studies/${web.trial.id}/subjects/${subject.id}`);

    // Dispensing week 4: the kits appear in the table and on the server.
    const randomization = page.getByRole('region', { name: 'Randomization' });
    await randomization.getByLabel('Visit', { exact: true }).selectOption('W4');
    await randomization.getByRole('button', { name: 'Dispense kits' }).click();
    await expect.poll(() => randomization.getByRole('status').textContent()).toContain('Dispensed for W4');
    const allocation = await api<AllocationBody>(`/api/subjects/${subject.id}/allocation`);
    const w4 = allocation.kits.filter((k) => k.visit === 'W4');
    expect(w4.length).toBeGreaterThan(0);
    const kits = randomization.getByRole('table', { name: 'Kits dispensed' });
    for (const kit of w4) await expect.poll(() => kits.textContent()).toContain(kit.kitNumber);

    // A discontinuation without its reason is refused next to the reason, and nothing is saved.
    const disposition = page.getByRole('region', { name: 'Disposition' });
    await disposition.getByLabel('Outcome').selectOption('discontinued');
    await disposition.getByRole('button', { name: 'Record the disposition' }).click();
    await expect.poll(() => disposition.getByRole('alert').textContent()).toContain('reason');
    const reason = disposition.getByLabel('Reason', { exact: true });
    await expect.poll(() => reason.getAttribute('aria-invalid')).toBe('true');
    const casebook = () =>
      api<{ dispositions: { phase: string; status: string }[]; elections: { option: string }[] }>(
        `/api/subjects/${subject.id}/casebook`,
      );
    expect((await casebook()).dispositions).toEqual([]);

    await disposition.getByLabel('Outcome').selectOption('completed');
    await disposition.getByRole('button', { name: 'Record the disposition' }).click();
    await disposition.getByRole('button', { name: 'Change the MAIN disposition' }).waitFor();
    expect((await casebook()).dispositions).toMatchObject([{ phase: 'MAIN', status: 'completed' }]);

    const extension = page.getByRole('region', { name: /^Extension/ });
    await extension.getByLabel('Switch to the triple combination').check();
    await extension.getByRole('button', { name: 'Record the election' }).click();
    await expect.poll(() => extension.textContent()).toContain('Elected');
    expect((await casebook()).elections).toMatchObject([{ option: 'SWITCH' }]);
    await expectAccessible(page);

    expect(tab.pageErrors).toEqual([]);
    await tab.close();
    expectNoArm(tab.traffic, web.trial.id);
  });
});
