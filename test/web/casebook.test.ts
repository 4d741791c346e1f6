import { randomUUID } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Casebook } from '../../src/services/capture/capture.service.js';
import type { QueryThread } from '../../src/services/capture/query.service.js';
import { type SubjectBody, type TestUser } from '../server/support.js';
import { PASSWORD } from '../support/fixtures.js';
import { eligibleNr } from '../support/trial.js';
import {
  expectAccessible,
  haveChromium,
  launch,
  openWebTrial,
  pageAs,
  screenshot,
  type WebTrial,
} from './browser.js';

const DAY = 86_400_000;
/** A date `days` before today (UTC), as the API writes dates. */
const daysAgo = (days: number): string => new Date(Date.now() - days * DAY).toISOString().slice(0, 10);

/** JSON of a casebook as a wire value (dates as strings); only the fields the tests read. */
type WireCasebook = Omit<Casebook, 'forms' | 'signature'> & {
  forms: { formKey: string; sdvAt: string | null }[];
  signature: { signerName: string; meaning: string } | null;
};

describe.runIf(haveChromium)('the casebook forms in Chromium', () => {
  let web: WebTrial;
  let browser: Browser;
  beforeAll(async () => {
    [web, browser] = await Promise.all([openWebTrial({ kitsPerDrug: 30 }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  const site = () => web.trial.sites[0]!;

  async function call(user: TestUser, method: 'GET' | 'POST', url: string, body?: unknown) {
    const res = await web.server.call({ method, url, token: user.token, body });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json<unknown>();
  }

  /**
   * A randomized subject whose consent was 100 days ago and whose day 0 visit was 90 days ago, so the
   * week-12 window (day 84 ± 7) is already past and can be recorded without a window query.
   */
  async function enrolledSubject(): Promise<SubjectBody> {
    const coordinator = site().coordinator;
    const subject = (await call(coordinator, 'POST', `/api/studies/${web.trial.id}/subjects`, {
      siteId: site().id,
      answers: eligibleNr(),
      consentedOn: daysAgo(100),
    })) as SubjectBody;
    await call(coordinator, 'POST', `/api/subjects/${subject.id}/randomize`, { requestId: randomUUID() });
    await call(coordinator, 'POST', `/api/subjects/${subject.id}/visits`, { visit: 'D0', date: daysAgo(90) });
    return subject;
  }

  const casebook = async (subjectId: string): Promise<WireCasebook> =>
    (await call(web.trial.dm, 'GET', `/api/subjects/${subjectId}/casebook`)) as WireCasebook;

  async function openSubject(page: Page, subject: SubjectBody): Promise<void> {
    await page.goto(`/studies/${web.trial.id}/subjects/${subject.id}`);
    await page.getByRole('heading', { name: 'Visits and HCV RNA' }).waitFor();
  }

  /** The text of the message tied to a control (aria-describedby), as a screen reader reads it. */
  async function describedText(scope: Locator, label: string): Promise<string> {
    const ids = (await scope.getByLabel(label, { exact: true }).getAttribute('aria-describedby')) ?? '';
    const texts = await Promise.all(ids.split(' ').map((id) => scope.locator(`[id="${id}"]`).textContent()));
    return texts.join(' ');
  }

  it('lets a coordinator record the week-12 visit, its HCV RNA and an adverse event, as typed', async () => {
    const subject = await enrolledSubject();
    const tab = await pageAs(browser, web, site().coordinator);
    const { page } = tab;
    await openSubject(page, subject);
    const w12Date = daysAgo(5);

    await page.getByRole('button', { name: 'Record W12 visit' }).click();
    await page
      .getByRole('form', { name: /Week 12 \(W12\)$/ })
      .getByLabel('Visit date')
      .fill(w12Date);
    await page.getByRole('button', { name: 'Save visit' }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContainEqual(expect.stringContaining('Week 12 visit date saved'));

    await page.getByRole('button', { name: 'Record W12 result' }).click();
    await expect.poll(() => page.getByLabel('Sample collected on').inputValue()).toBe(w12Date);
    await page.getByLabel('Value (IU/mL)').fill('2.4E6');
    await page.getByLabel('Assay', { exact: true }).fill('COBAS TaqMan HCV v2.0');
    await page.getByRole('button', { name: 'Save result' }).click();
    const w12Row = page
      .getByRole('region', { name: 'Visits and HCV RNA' })
      .getByRole('row', { name: /Week 12/ });
    await expect.poll(() => w12Row.textContent()).toContain('2,400,000 IU/mL');
    expect(await w12Row.textContent()).toContain('6.38');
    expect(await w12Row.textContent()).toContain('In window');
    await screenshot(page, 'casebook-visits');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Record an adverse event' }).click();
    const aeForm = page.getByRole('form', { name: 'Record an adverse event' });
    await aeForm.getByLabel('Verbatim term', { exact: true }).fill('Loose stools');
    await aeForm.getByLabel('Coded term', { exact: true }).fill('Diarrhoea');
    await aeForm.getByLabel('Body system', { exact: true }).fill('Gastrointestinal disorders');
    await aeForm.getByLabel('Onset date', { exact: true }).fill(daysAgo(20));
    await aeForm.getByLabel('End date', { exact: true }).fill(daysAgo(12));
    await aeForm.getByLabel('Grade', { exact: true }).selectOption({ label: '1 · Mild' });
    await aeForm.getByLabel('Outcome', { exact: true }).selectOption({ label: 'Recovered' });
    await aeForm.getByLabel('Action taken with study treatment').selectOption({ label: 'None' });
    await aeForm.getByLabel('Celgosivir (MX-3253) oral capsules').selectOption({ label: 'Probably related' });
    await aeForm.getByLabel(/^Peginterferon/).selectOption({ label: 'Unlikely related' });
    await aeForm.getByLabel(/^Ribavirin/).selectOption({ label: 'Not related' });
    await screenshot(page, 'adverse-event-form');
    await expectAccessible(page);
    await aeForm.getByRole('button', { name: 'Save adverse event' }).click();
    const aeRow = page
      .getByRole('region', { name: 'Adverse events' })
      .getByRole('row', { name: /Loose stools/ });
    await expect.poll(() => aeRow.textContent()).toContain('CELGOSIVIR: Probably related');

    const saved = await casebook(subject.id);
    expect(saved.schedule.find((v) => v.visit === 'W12')?.date).toBe(w12Date);
    expect(saved.results.filter((r) => r.visitCode === 'W12')).toEqual([
      expect.objectContaining({
        measure: 'HCVRNA',
        collectedOn: w12Date,
        result: { kind: 'value', value: 2_400_000 },
        reportedUnit: 'IU/mL',
        assay: 'COBAS TaqMan HCV v2.0',
        source: 'site',
      }),
    ]);
    expect(saved.adverseEvents).toEqual([
      expect.objectContaining({
        number: 1,
        verbatimTerm: 'Loose stools',
        codedTerm: 'Diarrhoea',
        bodySystem: 'Gastrointestinal disorders',
        grade: 1,
        serious: false,
        relatedness: { CELGOSIVIR: 'probable', PEGIFN: 'unlikely', RBV: 'not_related' },
        onsetDate: daysAgo(20),
        endDate: daysAgo(12),
        outcome: 'recovered',
        actionTaken: 'none',
      }),
    ]);
    // The site is blinded: nothing the page received names the subject's arm.
    for (const r of tab.traffic.responses.filter((x) => x.url.includes(`/subjects/${subject.id}`)))
      expect(r.body).not.toMatch(/"arm(Code)?"/);
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('carries a query on the week-12 result from the monitor to the site and back to closed', async () => {
    const subject = await enrolledSubject();
    const coordinator = site().coordinator;
    await call(coordinator, 'POST', `/api/subjects/${subject.id}/visits`, { visit: 'W12', date: daysAgo(6) });
    await call(coordinator, 'POST', `/api/subjects/${subject.id}/results`, {
      visit: 'W12',
      collectedOn: daysAgo(6),
      result: '<LLOQ',
      lloq: 15,
      assay: 'COBAS TaqMan HCV v2.0',
    });

    const monitor = await pageAs(browser, web, site().monitor);
    await openSubject(monitor.page, subject);
    // The result as reported, with its log10 bound, and no data-entry buttons for the monitor.
    const w12Row = monitor.page
      .getByRole('region', { name: 'Visits and HCV RNA' })
      .getByRole('row', { name: /Week 12/ });
    expect(await w12Row.textContent()).toContain('<LLOQ (15 IU/mL)');
    expect(await w12Row.textContent()).toContain('< 1.18');
    expect(await monitor.page.getByRole('button', { name: 'Record W12 result' }).count()).toBe(0);

    await monitor.page.getByRole('button', { name: 'Raise a query' }).click();
    await monitor.page.getByLabel('Form', { exact: true }).selectOption({ label: 'Week 12 (W12)' });
    await monitor.page.getByLabel('Field', { exact: true }).selectOption({ label: 'HCVRNA result' });
    await monitor.page
      .getByLabel('Question to the site')
      .fill('Source shows <15 IU/mL: which assay LLOQ applies?');
    await monitor.page.getByRole('button', { name: 'Raise query' }).click();
    const monitorQuery = monitor.page.getByRole('article', { name: /Week 12 \(W12\) · HCVRNA result/ });
    await expect.poll(() => monitorQuery.textContent()).toContain('Open');

    // Source-data verification of the visit form by the monitor, at the same time.
    await monitor.page.getByRole('checkbox', { name: 'Verified for Week 12 visit' }).first().check();
    await expect
      .poll(async () => (await casebook(subject.id)).forms.find((f) => f.formKey === 'visit:W12')?.sdvAt)
      .toBeTruthy();

    const site_ = await pageAs(browser, web, coordinator);
    await openSubject(site_.page, subject);
    const siteQuery = site_.page.getByRole('article', { name: /HCVRNA result/ });
    expect(await siteQuery.textContent()).toContain('which assay LLOQ applies?');
    await siteQuery.getByLabel('Answer').fill('The COBAS TaqMan LLOQ of 15 IU/mL; source corrected.');
    await siteQuery.getByRole('button', { name: 'Send answer' }).click();
    await expect.poll(() => siteQuery.textContent()).toContain('Answered');
    await screenshot(site_.page, 'query-thread');
    await expectAccessible(site_.page);

    await monitor.page.reload();
    await monitorQuery.waitFor();
    expect(await monitorQuery.textContent()).toContain('source corrected');
    await monitorQuery.getByLabel('Note for closing or re-opening').fill('Agreed with the source.');
    await monitorQuery.getByRole('button', { name: 'Close query' }).click();
    await monitor.page.getByText('Closed queries (1)').waitFor();

    const threads = (await call(
      web.trial.dm,
      'GET',
      `/api/studies/${web.trial.id}/queries?subjectId=${subject.id}`,
    )) as QueryThread[];
    expect(threads).toHaveLength(1);
    expect(threads[0]).toMatchObject({ form: 'visit:W12', field: 'HCVRNA.result', status: 'closed' });
    expect(threads[0]?.messages.map((m) => [m.kind, m.text])).toEqual([
      ['open', 'Source shows <15 IU/mL: which assay LLOQ applies?'],
      ['answer', 'The COBAS TaqMan LLOQ of 15 IU/mL; source corrected.'],
      ['close', 'Agreed with the source.'],
    ]);
    expect([...monitor.pageErrors, ...site_.pageErrors]).toEqual([]);
    await monitor.close();
    await site_.close();
  });

  it('shows a hard edit check under its field and saves nothing; a soft one saves and says a query opened', async () => {
    const subject = await enrolledSubject();
    const before = await casebook(subject.id);
    const tab = await pageAs(browser, web, site().coordinator);
    const { page } = tab;
    await openSubject(page, subject);

    await page.getByRole('button', { name: 'Record W12 result' }).click();
    const resultForm = page.getByRole('form', { name: /at Week 12 \(W12\)$/ });
    await resultForm.getByLabel('Sample collected on').fill(daysAgo(5));
    await resultForm.getByLabel('Assay', { exact: true }).fill('COBAS TaqMan HCV v2.0');
    for (const [typed, message] of [
      ['2E9', /at most 1e\+9 IU\/mL/],
      ['-5', /above 0/],
    ] as const) {
      await resultForm.getByLabel('Value (IU/mL)').fill(typed);
      await resultForm.getByRole('button', { name: 'Save result' }).click();
      await expect.poll(() => describedText(resultForm, 'Value (IU/mL)')).toMatch(message);
      expect(await resultForm.getByLabel('Value (IU/mL)').getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByRole('alert').first().textContent()).toMatch(/Not saved/);
    }
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Record W12 visit' }).click();
    await page
      .getByRole('form', { name: /Week 12 \(W12\)$/ })
      .getByLabel('Visit date')
      .fill(new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Save visit' }).click();
    await expect
      .poll(() => describedText(page.getByRole('form', { name: /Week 12 \(W12\)$/ }), 'Visit date'))
      .toMatch(/is in the future/);
    await page.getByRole('button', { name: 'Cancel' }).click();

    const after = await casebook(subject.id);
    expect(after.schedule).toEqual(before.schedule);
    expect(after.results).toEqual(before.results);
    expect(after.forms).toEqual(before.forms);
    expect(after.openQueries).toBe(0);

    // Above 5e7 IU/mL is plausible but unusual: saved, with a query the page announces.
    await page.getByRole('button', { name: 'Record W12 result' }).click();
    await resultForm.getByLabel('Sample collected on').fill(daysAgo(5));
    await resultForm.getByLabel('Assay', { exact: true }).fill('COBAS TaqMan HCV v2.0');
    await resultForm.getByLabel('Value (IU/mL)').fill('60000000');
    await resultForm.getByRole('button', { name: 'Save result' }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContainEqual(expect.stringMatching(/a query was opened[\s\S]*above 5e\+7/));
    const saved = await casebook(subject.id);
    expect(saved.results.find((r) => r.visitCode === 'W12')?.result).toEqual({ kind: 'value', value: 6e7 });
    expect(saved.openQueries).toBe(1);
    await page.getByRole('article', { name: /HCVRNA result/ }).waitFor();
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('refuses a signature with a wrong password and signs with the right one', async () => {
    const subject = await enrolledSubject();
    const tab = await pageAs(browser, web, site().investigator);
    const { page } = tab;
    await openSubject(page, subject);
    await page.getByRole('button', { name: 'Sign the casebook…' }).click();
    await page.getByLabel('Approval:').check();
    await page.getByLabel('Your password').fill('not my password');
    await page.getByRole('button', { name: 'Sign the casebook', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/password is wrong/);
    expect(
      await describedText(page.getByRole('form', { name: 'Sign the casebook' }), 'Your password'),
    ).toMatch(/password is wrong/);
    // Still signed in, on the same page, and nothing signed.
    expect(await page.getByRole('heading', { name: 'Investigator signature' }).count()).toBe(1);
    expect((await casebook(subject.id)).signature).toBeNull();

    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign the casebook', exact: true }).click();
    const section = page.getByRole('region', { name: 'Investigator signature' });
    await expect.poll(() => section.textContent()).toContain('The casebook is signed.');
    expect(await section.textContent()).toContain('I approve the data in this casebook');
    const signed = await casebook(subject.id);
    expect(signed.signature).toMatchObject({ meaning: 'approval' });
    await screenshot(page, 'signature');
    await expectAccessible(page);
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('reads at tablet width (820px) without the page scrolling sideways', async () => {
    const subject = await enrolledSubject();
    const tab = await pageAs(browser, web, site().monitor, { width: 820, height: 1100 });
    await openSubject(tab.page, subject);
    await tab.page.getByRole('heading', { name: 'Source-data verification' }).waitFor();
    // Wide tables scroll inside their own frame; the page itself must not.
    const widths = await tab.page.evaluate(
      '[document.documentElement.scrollWidth, window.innerWidth, Array.from(document.querySelectorAll("body *")).filter((e) => !e.closest(".table-wrap") && e.getBoundingClientRect().right > window.innerWidth).map((e) => e.tagName + "." + e.className + " " + (e.textContent || "").slice(0, 30))]',
    );
    expect(widths).toEqual([820, 820, []]);
    await screenshot(tab.page, 'casebook-tablet');
    await expectAccessible(tab.page);
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });
});
