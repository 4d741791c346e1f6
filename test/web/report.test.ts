import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayUtc } from '../../src/core/capture/dates.js';
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

const ago = (days: number): string => addDays(todayUtc(), -days);

/** Waits for what the page shows after a server round trip (the test machine is shared and busy). */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000 });

describe.runIf(haveChromium)('the top-line report page in Chromium', () => {
  let web: WebTrial;
  let browser: Browser;
  const reportPath = (): string => `/studies/${web.trial.id}/report`;

  /** Screens, randomizes and records day 0 and week 12 for one subject, as the site's coordinator. */
  async function enrolThroughWeek12(week12: number | string): Promise<void> {
    const token = web.trial.sites[0]!.coordinator.token;
    const post = async (url: string, body: unknown): Promise<{ id: string }> => {
      const res = await web.server.call({ method: 'POST', url, token, body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string }>();
    };
    const { id } = await post(`/api/studies/${web.trial.id}/subjects`, {
      siteId: web.trial.sites[0]!.id,
      answers: eligibleNr(),
      consentedOn: ago(120),
    });
    await post(`/api/subjects/${id}/randomize`, { requestId: randomUUID() });
    for (const [visit, days, result] of [
      ['D0', 100, 4_000_000],
      ['W12', 16, week12],
    ] as const) {
      await post(`/api/subjects/${id}/visits`, { visit, date: ago(days) });
      await post(`/api/subjects/${id}/results`, { visit, collectedOn: ago(days), result, assay: 'COBAS' });
    }
  }

  beforeAll(async () => {
    [web, browser] = await Promise.all([openWebTrial({ kitsPerDrug: 15 }), launch()]);
    for (const w12 of [20_000, '<15', 900_000, 3_000_000]) await enrolThroughWeek12(w12);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('shows the statistician the whole report, figures and tables, sized to its content, with a print link', async () => {
    const tab = await pageAs(browser, web, web.trial.stat);
    const { page } = tab;
    await page.goto(reportPath());
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(
      `Top-line report: ${web.trial.code}`,
    );
    const report = page.frameLocator('iframe[title="Top-line report"]');
    await report.locator('.title-block').waitFor();
    await page.locator('iframe[title="Top-line report"]').waitFor({ state: 'visible' });
    expect(await report.locator('h1').textContent()).toBe(web.trial.code);
    // The figures are inline SVG with their plotted marks, and the efficacy and safety tables are there.
    expect(await report.locator('figure svg').count()).toBeGreaterThanOrEqual(2);
    expect(
      await report.locator('figure svg').first().locator('path, rect, circle, line').count(),
    ).toBeGreaterThan(5);
    expect(await report.locator('table').count()).toBeGreaterThanOrEqual(4);
    expect(await report.locator('table caption').allTextContents()).toEqual(
      expect.arrayContaining(['Treatment arms']),
    );
    // Sized to the report: the page scrolls as one, nothing is cut off inside the frame.
    const sizes = await page.locator('iframe[title="Top-line report"]').evaluate((el) => {
      const frame = el as unknown as {
        getBoundingClientRect(): { height: number };
        contentDocument: { documentElement: { scrollHeight: number } };
      };
      return {
        frame: frame.getBoundingClientRect().height,
        content: frame.contentDocument.documentElement.scrollHeight,
      };
    });
    expect(sizes.content).toBeGreaterThan(1000);
    expect(Math.abs(sizes.frame - sizes.content)).toBeLessThanOrEqual(4);
    // The data cut and generation time read from the report itself.
    const facts = page.locator('dl.kv');
    await eventually(() => facts.textContent()).toContain(`Data cut${todayUtc()}`);
    expect(await facts.textContent()).toMatch(/Generated at.*\d{4}-\d{2}-\d{2}T/);
    const print = page.getByRole('link', { name: /Open for printing/ });
    expect(await print.getAttribute('href')).toBe(`/api/studies/${web.trial.id}/report`);
    expect(await print.getAttribute('target')).toBe('_blank');
    await expectAccessible(page);
    await screenshot(page, 'report');
    await page.setViewportSize({ width: 820, height: 1100 });
    await eventually(() =>
      page
        .locator('iframe[title="Top-line report"]')
        .evaluate(
          (el) =>
            (el as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width,
        ),
    ).toBeLessThanOrEqual(820);
    await screenshot(page, 'report-tablet');
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('produces the report at an earlier data cut, and shows a refused cut next to its field', async () => {
    const tab = await pageAs(browser, web, web.trial.stat);
    const { page } = tab;
    await page.goto(reportPath());
    const report = page.frameLocator('iframe[title="Top-line report"]');
    await report.locator('.title-block').waitFor();
    await page.getByLabel('Report at data cut').fill('2999-01-01');
    await page.getByRole('button', { name: 'Produce report' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toMatch(/future/);
    const field = page.getByLabel('Report at data cut');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field-error').textContent()).toMatch(/must not be in the future/);
    // No half-shown report and no print link for a report that was not produced.
    expect(await page.locator('iframe[title="Top-line report"]').isHidden()).toBe(true);
    expect(await page.getByRole('link', { name: /Open for printing/ }).count()).toBe(0);

    await field.fill(ago(50));
    await page.getByRole('button', { name: 'Produce report' }).click();
    await eventually(() => page.locator('dl.kv').textContent()).toContain(`Data cut${ago(50)}`);
    await report.locator('.title-block').waitFor();
    expect(await report.locator('.title-block').textContent()).toContain(ago(50));
    expect(await page.getByRole('link', { name: /Open for printing/ }).getAttribute('href')).toBe(
      `/api/studies/${web.trial.id}/report?dataCut=${ago(50)}`,
    );
    expect(tab.pageErrors).toEqual([]);
    await tab.close();
  });

  it('tells a data manager the report is the unblinded statistician’s, and never asks the server for it', async () => {
    const tab = await pageAs(browser, web, web.trial.dm);
    const { page } = tab;
    await page.goto(reportPath());
    await eventually(() => page.getByRole('alert').textContent()).toMatch(/unblinded statistician/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Top-line report');
    expect(await page.locator('iframe').count()).toBe(0);
    // The server would refuse it too (403); the page does not even ask.
    const refused = await web.server.call({
      method: 'GET',
      url: `/api/studies/${web.trial.id}/report`,
      token: web.trial.dm.token,
    });
    expect(refused.statusCode).toBe(403);
    await expectAccessible(page);
    await screenshot(page, 'report-refused');
    await tab.close();
    expect(tab.traffic.responses.map((r) => new URL(r.url).pathname)).not.toContainEqual(
      expect.stringMatching(/\/(report|analysis)$/),
    );
    expect(tab.pageErrors).toEqual([]);
  });
});
