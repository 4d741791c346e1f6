import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestUser } from '../server/support.js';
import { eligibleNr } from '../support/trial.js';
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

const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const SAMPLED = daysAgo(20);
const csv = (...lines: string[]): Buffer =>
  Buffer.from(['subject,visit,date,result,unit,lloq', ...lines].join('\n') + '\n');
const ARM_KEYS = new Set(['arm', 'armCode', 'byArm']);

/** Every key of a JSON value, however deep. */
function keysOf(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysOf(v, into);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysOf(v, into);
    }
  return into;
}

/**
 * Nothing that crossed the wire names an arm: no arm key anywhere, and no arm code outside the
 * protocol itself (the study's design is public to its staff; who got which arm is not).
 */
function expectNoArms(traffic: Traffic, studyId: string, armCodes: readonly string[]): void {
  expect(traffic.responses.length).toBeGreaterThan(0);
  for (const r of traffic.responses) {
    const body: unknown = r.body ? JSON.parse(r.body) : null;
    expect(
      [...keysOf(body)].filter((k) => ARM_KEYS.has(k)),
      r.url,
    ).toEqual([]);
    if (new URL(r.url).pathname === `/api/studies/${studyId}`) continue;
    for (const code of armCodes) expect(r.body, r.url).not.toContain(code);
  }
}

describe.runIf(haveChromium)('monitoring and sponsor pages in Chromium', () => {
  let web: WebTrial;
  let browser: Browser;
  /** Two randomized subjects (NR and PR stratum) consented 90 days ago, and one screen failure. */
  let subjects: { id: string; screeningNumber: string }[];
  /** The protocol's arm codes: a blinded user must never receive any of them. */
  let armCodes: string[];

  const call = async (user: TestUser, method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await web.server.call({
      method,
      url,
      token: user.token,
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.statusCode, json: <T>() => res.json<T>(), body: res.body };
  };

  const screen = async (answers: Record<string, unknown>) => {
    const site = web.trial.sites[0]!;
    const res = await call(site.coordinator, 'POST', `/api/studies/${web.trial.id}/subjects`, {
      siteId: site.id,
      answers,
      consentedOn: daysAgo(90),
    });
    expect(res.status, res.body).toBe(201);
    return res.json<{ id: string; screeningNumber: string }>();
  };

  const enroll = async (priorResponse: 'NR' | 'PR') => {
    const subject = await screen(eligibleNr(priorResponse));
    const res = await call(web.trial.sites[0]!.coordinator, 'POST', `/api/subjects/${subject.id}/randomize`, {
      requestId: randomUUID(),
    });
    expect(res.status, res.body).toBe(201);
    return subject;
  };

  beforeAll(async () => {
    [web, browser] = await Promise.all([openWebTrial({ kitsPerDrug: 6 }), launch()]);
    subjects = [await enroll('NR'), await enroll('PR')];
    await screen({ ...eligibleNr(), age: 12 });
    const study = await call(web.trial.dm, 'GET', `/api/studies/${web.trial.id}`);
    armCodes = study.json<{ protocol: { arms: { code: string }[] } }>().protocol.arms.map((a) => a.code);
    expect(armCodes.length).toBeGreaterThan(1);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('shows the data manager enrollment by site and stratum, and no arm anywhere', async () => {
    const tab = await pageAs(browser, web, web.trial.dm);
    const { page, traffic, pageErrors } = tab;
    await page.goto(`/studies/${web.trial.id}/enrollment`);
    const totals = page.getByRole('region', { name: 'In all' });
    await expect.poll(() => totals.textContent()).toMatch(/Screened3Screen failures1.*Randomized2/);
    const bySite = page.getByRole('table').first();
    const siteRow = bySite.getByRole('row', { name: new RegExp(web.trial.sites[0]!.code) });
    expect(await siteRow.getByRole('cell').allTextContents()).toEqual(['3', '1', '0', '2', '2']);
    const stratum = page.getByRole('region', { name: 'By stratum' });
    expect(
      await stratum
        .getByRole('row', { name: /Non-responder/ })
        .getByRole('cell')
        .allTextContents(),
    ).toEqual(['Response to prior optimized peginterferon + ribavirin', '2', '1', '0', '1']);
    expect(
      await stratum
        .getByRole('row', { name: /Partial responder/ })
        .getByRole('cell')
        .allTextContents(),
    ).toEqual(['Response to prior optimized peginterferon + ribavirin', '1', '0', '0', '1']);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toMatch(/\barms?\b/i);
    for (const code of armCodes) expect(text).not.toContain(code);
    await expectAccessible(page);
    await screenshot(page, 'enrollment');
    await tab.close();
    expectNoArms(traffic, web.trial.id, armCodes);
    expect(pageErrors).toEqual([]);

    const stat = await pageAs(browser, web, web.trial.stat);
    await stat.page.goto(`/studies/${web.trial.id}/enrollment`);
    const byArm = stat.page.getByRole('region', { name: 'By arm (unblinded)' });
    await byArm.waitFor();
    const counts = await byArm.locator('tbody td').allTextContents();
    expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBe(2);
    expect(await byArm.getByRole('rowheader').allTextContents()).toHaveLength(3);
    await stat.close();
    const enrollment = stat.traffic.responses.find((r) => r.url.endsWith('/enrollment'));
    expect(JSON.parse(enrollment?.body ?? '{}')).toHaveProperty('byArm');
    expect(stat.pageErrors).toEqual([]);
  });

  it('answers and closes a query from the list, refusing an empty message without writing', async () => {
    const [subject] = subjects;
    const site = web.trial.sites[0]!;
    const visit = await call(site.coordinator, 'POST', `/api/subjects/${subject!.id}/visits`, {
      visit: 'D0',
      date: daysAgo(20),
    });
    expect(visit.status, visit.body).toBe(201);
    const opened = await call(site.monitor, 'POST', `/api/subjects/${subject!.id}/queries`, {
      form: 'visit:D0',
      field: 'visitDate',
      text: 'Please confirm the visit date against the clinic notes',
    });
    expect(opened.status, opened.body).toBe(201);
    const queryId = opened.json<{ id: string }>().id;
    const status = async () =>
      (await call(web.trial.dm, 'GET', `/api/queries/${queryId}`)).json<{ status: string }>();

    const crc = await pageAs(browser, web, site.coordinator);
    await crc.page.goto(`/studies/${web.trial.id}/queries`);
    const row = crc.page.getByRole('row', { name: new RegExp(subject!.screeningNumber) }).first();
    await expect.poll(() => row.textContent()).toMatch(/visit:D0.*visitDate.*open/);
    await row.getByRole('button', { name: /Open thread/ }).click();
    await crc.page.getByText('Please confirm the visit date against the clinic notes').last().waitFor();
    await crc.page.getByRole('button', { name: 'Answer' }).click();
    await expect.poll(() => crc.page.getByRole('alert').textContent()).toMatch(/empty/);
    expect(await crc.page.getByRole('textbox', { name: 'Message' }).getAttribute('aria-invalid')).toBe(
      'true',
    );
    expect((await status()).status).toBe('open');
    await crc.page
      .getByRole('textbox', { name: 'Message' })
      .fill('Checked: the date matches the clinic notes');
    await crc.page.getByRole('button', { name: 'Answer' }).click();
    await expect.poll(async () => (await status()).status).toBe('answered');
    await expect
      .poll(() => crc.page.getByRole('status').allTextContents())
      .toEqual([expect.stringMatching(/^Answer sent\. The query on .* is now answered\.$/)]);
    expect(crc.pageErrors).toEqual([]);
    await crc.close();

    const monitor = await pageAs(browser, web, site.monitor);
    await monitor.page.goto(`/studies/${web.trial.id}/queries`);
    await monitor.page.getByLabel('Status').selectOption('answered');
    const answered = monitor.page.getByRole('row', { name: new RegExp(subject!.screeningNumber) }).first();
    await expect.poll(() => answered.textContent()).toMatch(/answered/);
    await answered.getByRole('button', { name: /Open thread/ }).click();
    await monitor.page.getByText('Checked: the date matches the clinic notes').last().waitFor();
    await expectAccessible(monitor.page);
    await screenshot(monitor.page, 'queries');
    await monitor.page.getByRole('textbox', { name: 'Message' }).fill('Thank you, resolved');
    await monitor.page.getByRole('button', { name: 'Close query' }).click();
    await expect.poll(async () => (await status()).status).toBe('closed');
    expect(monitor.pageErrors).toEqual([]);
    await monitor.close();
  });

  it('lists a bad row of a lab file on a dry run, then imports a clean file into the casebook', async () => {
    const a = subjects[1]!;
    const casebook = async () =>
      (await call(web.trial.dm, 'GET', `/api/subjects/${a.id}/casebook`)).json<{
        results: { visitCode: string; reported: string; source: string }[];
      }>();
    const tab = await pageAs(browser, web, web.trial.lab);
    const { page, pageErrors } = tab;
    await page.goto(`/studies/${web.trial.id}/lab-imports`);
    await expect.poll(() => page.getByText('No file has been imported yet.').count()).toBe(1);
    await page.getByLabel('Assay (optional)').fill('COBAS TaqMan');
    await page.getByLabel('CSV file').setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: csv(
        `${a.screeningNumber},D0,${SAMPLED},2400000,IU/mL,15`,
        `${a.screeningNumber},W1,${SAMPLED},2e9,IU/mL,15`,
      ),
    });
    await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
    const refused = page.getByRole('table', { name: 'Refused rows' });
    await refused.waitFor();
    const cells = await refused.getByRole('row').nth(1).getByRole('cell').allTextContents();
    expect(cells[0]).toBe('3');
    expect(cells[1]).toMatch(/implausible/);
    expect(await page.getByRole('button', { name: /^Import/ }).isDisabled()).toBe(true);
    await expectAccessible(page);
    await screenshot(page, 'lab-import-dry-run');
    expect((await casebook()).results).toEqual([]);

    await page.getByLabel('CSV file').setInputFiles({
      name: 'week1.csv',
      mimeType: 'text/csv',
      buffer: csv(
        `${a.screeningNumber},D0,${SAMPLED},2400000,IU/mL,15`,
        `${a.screeningNumber},W1,${SAMPLED},<15,IU/mL,15`,
      ),
    });
    // A new file withdraws the old report: the import waits for its own dry run.
    expect(await page.getByRole('button', { name: /^Import/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
    const importButton = page.getByRole('button', { name: 'Import 2 result(s)' });
    await importButton.waitFor();
    expect(await importButton.isEnabled()).toBe(true);
    expect((await casebook()).results).toEqual([]);
    await importButton.click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain('Imported 2 result(s) from week1.csv.');
    const results = (await casebook()).results;
    expect(results.map((r) => [r.visitCode, r.reported, r.source]).sort()).toEqual([
      ['D0', '2400000', 'central_lab'],
      ['W1', '<15', 'central_lab'],
    ]);
    const history = page.getByRole('region', { name: 'Import history' });
    await expect.poll(() => history.getByRole('row').count()).toBe(2);
    expect(await history.getByRole('row').nth(1).textContent()).toMatch(/week1\.csv\s*22\s*0/);
    expect(pageErrors).toEqual([]);
    await tab.close();
  });

  it('warns of low stock in words and a badge at a site with one kit per drug', async () => {
    const low = await openWebTrial({ kitsPerDrug: 1 });
    try {
      const tab = await pageAs(browser, low, low.trial.sites[0]!.coordinator);
      const { page, traffic, pageErrors } = tab;
      await page.goto(`/studies/${low.trial.id}/inventory`);
      const stock = page.getByRole('region', { name: 'Stock at the sites' });
      const row = stock.getByRole('row', { name: new RegExp(low.trial.sites[0]!.code) });
      await expect.poll(() => row.textContent()).toMatch(/Low stock/);
      expect(await row.textContent()).toMatch(/can randomize only 1 more subject/);
      expect(await page.getByText('Low stock:').count()).toBe(1);
      // The coordinator sees per-drug totals only, never a content.
      expect(await stock.getByRole('columnheader').allTextContents()).toEqual([
        'Site',
        'CELGOSIVIR',
        'PEGIFN',
        'RBV',
        'Kits in transit',
        'Subjects it can randomize',
        'Stock',
      ]);
      const supply = traffic.responses.filter((r) =>
        /\/(inventory|shipments)$/.test(new URL(r.url).pathname),
      );
      expect(supply.length).toBeGreaterThanOrEqual(2);
      for (const r of supply) {
        expect(r.body, r.url).not.toMatch(/placebo/);
        expect(keysOf(JSON.parse(r.body)).has('content'), r.url).toBe(false);
      }
      await expectAccessible(page);
      await screenshot(page, 'inventory');
      expect(pageErrors).toEqual([]);
      await tab.close();
    } finally {
      await low.close();
    }
  });

  it('lets the supply manager ship and register kits and the site confirm receipt, refusing bad input unwritten', async () => {
    const site = web.trial.sites[0]!;
    const shipments = async () =>
      (await call(web.trial.dm, 'GET', `/api/studies/${web.trial.id}/shipments`)).json<
        { status: string }[]
      >();
    const before = (await shipments()).length;
    // A tablet: the supply manager's forms and tables fit 820px without the page scrolling sideways.
    const dsm = await pageAs(browser, web, web.trial.dsm, { width: 820, height: 1000 });
    await dsm.page.goto(`/studies/${web.trial.id}/inventory`);
    const ship = dsm.page.getByRole('form', { name: 'Ship kits to a site' });
    await ship.getByRole('button', { name: 'Ship kits' }).click();
    await expect.poll(() => ship.getByRole('alert').textContent()).toMatch(/Nothing was shipped/);
    expect(await ship.getByLabel('Site').getAttribute('aria-invalid')).toBe('true');
    expect((await shipments()).length).toBe(before);
    await expectAccessible(dsm.page);
    expect(await dsm.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(820);
    await screenshot(dsm.page, 'inventory-supply-manager-tablet');

    await ship.getByLabel('Site').selectOption(site.id);
    await ship.getByLabel('PEGIFN').fill('2');
    await ship.getByRole('button', { name: 'Ship kits' }).click();
    await expect
      .poll(() => dsm.page.getByRole('status').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringMatching(/^Shipped 2 kit\(s\)/)]));
    expect((await shipments()).length).toBe(before + 1);
    const stockRow = dsm.page.getByRole('region', { name: 'Stock at the sites' }).getByRole('row').nth(1);
    // Columns: CELGOSIVIR, PEGIFN, RBV, kits in transit, subjects covered, stock.
    await expect.poll(async () => (await stockRow.getByRole('cell').allTextContents())[3]).toBe('2');

    const depot = async () =>
      (await call(web.trial.dsm, 'GET', `/api/studies/${web.trial.id}/kits?drug=PEGIFN&status=depot`)).json<
        unknown[]
      >().length;
    const inDepot = await depot();
    const register = dsm.page.getByRole('form', { name: 'Register kits at the depot' });
    await register.getByLabel('Drug').selectOption('PEGIFN');
    await register.getByLabel('Number of kits').fill('5');
    await register.getByLabel('Lot').fill('L-PEG-2');
    await register.getByLabel('Expires on').fill(daysAgo(-400));
    await register.getByRole('button', { name: 'Register kits' }).click();
    await expect
      .poll(() => register.getByRole('status').textContent())
      .toBe('Registered 5 PEGIFN kit(s) of lot L-PEG-2 at the depot.');
    expect(await depot()).toBe(inDepot + 5);
    expect(dsm.pageErrors).toEqual([]);
    await dsm.close();

    const crc = await pageAs(browser, web, site.coordinator);
    await crc.page.goto(`/studies/${web.trial.id}/inventory`);
    await crc.page.getByRole('button', { name: /^Confirm receipt of the shipment/ }).click();
    await crc.page.getByLabel('Damaged kit numbers (optional)').fill('12');
    await crc.page.getByRole('button', { name: 'Confirm receipt', exact: true }).click();
    await expect.poll(() => crc.page.getByRole('alert').textContent()).toMatch(/Receipt not confirmed/);
    expect(await crc.page.getByLabel('Damaged kit numbers (optional)').getAttribute('aria-invalid')).toBe(
      'true',
    );
    const inTransit = async () => (await shipments()).filter((s) => s.status === 'in_transit').length;
    expect(await inTransit()).toBe(1);
    await crc.page.getByLabel('Damaged kit numbers (optional)').fill('');
    await crc.page.getByRole('button', { name: 'Confirm receipt', exact: true }).click();
    await expect.poll(inTransit).toBe(0);
    await expect.poll(() => crc.page.getByRole('status').allTextContents()).toContain('Receipt confirmed.');
    expect(crc.pageErrors).toEqual([]);
    await crc.close();
  });

  it('locks the database in the browser, refuses writes with 423, and unlocks only with a reason', async () => {
    const site = web.trial.sites[0]!;
    const tab = await pageAs(browser, web, web.trial.dm);
    const { page, pageErrors } = tab;
    await page.goto(`/studies/${web.trial.id}/database`);
    const lock = page.getByRole('button', { name: 'Lock the database' });
    await lock.waitFor();
    expect(await lock.isDisabled()).toBe(true);
    await page.getByLabel(/I understand that no data can be written/).check();
    await expectAccessible(page);
    await screenshot(page, 'database-lock');
    await lock.click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContain('The database is locked.');
    expect(await page.getByRole('region', { name: 'Status' }).textContent()).toMatch(/is locked/);
    const study = await call(web.trial.dm, 'GET', `/api/studies/${web.trial.id}`);
    expect(study.json<{ status: string }>().status).toBe('locked');

    const write = await call(site.coordinator, 'POST', `/api/studies/${web.trial.id}/subjects`, {
      siteId: site.id,
      answers: eligibleNr(),
    });
    expect(write.status, write.body).toBe(423);

    await page.getByRole('button', { name: 'Unlock the database' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not unlocked/);
    const reason = page.getByLabel('Reason for unlocking');
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    const described = (await reason.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${described.split(' ').at(-1)}"]`).textContent()).toMatch(/at least 10/);
    const still = await call(web.trial.dm, 'GET', `/api/studies/${web.trial.id}`);
    expect(still.json<{ status: string }>().status).toBe('locked');
    await expectAccessible(page);

    await reason.fill('Query on subject 001 needs a corrected visit date');
    await page.getByRole('button', { name: 'Unlock the database' }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain('The database is unlocked.');
    const after = await call(web.trial.dm, 'GET', `/api/studies/${web.trial.id}`);
    expect(after.json<{ status: string }>().status).toBe('active');
    expect(pageErrors).toEqual([]);
    await tab.close();
  });
});
