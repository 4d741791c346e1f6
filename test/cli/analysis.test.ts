import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe } from 'vitest';
import { analysisResultSchema, type AnalysisResult } from '../../src/core/analysis/index.js';
import { addDays, todayUtc } from '../../src/core/capture/dates.js';
import { createServices } from '../../src/services/index.js';
import { authSettings, PASSWORD } from '../support/fixtures.js';
import { eligibleNr, inAYear } from '../support/trial.js';
import { cliTargets, it, type CliTarget } from './harness.js';
import { cliTrial, type CliTrial } from './trial-setup.js';

const ago = (days: number): string => addDays(todayUtc(), -days);
const ARM_CODES = /TRIPLE|DOUBLE|CONTROL/;
const DRUGS = ['CELGOSIVIR', 'PEGIFN', 'RBV'] as const;
/** The report renderer is written in parallel (src/core/report): its tests wait for it. */
const rendererReady = existsSync(new URL('../../src/core/report/index.ts', import.meta.url));

/**
 * Two randomized subjects through the services (the CLI's own commands for this are tested elsewhere):
 * both with day 0 a hundred days ago, the first with a week-12 result below the LLOQ.
 */
async function twoSubjects(t: CliTarget, trial: CliTrial): Promise<void> {
  await t.withStore(async (store) => {
    const services = createServices(store, authSettings);
    const as = async (username: string) =>
      services.auth.authenticate((await services.auth.signIn({ username, password: PASSWORD })).token);
    const supply = await as(trial.supply);
    const crc = await as(trial.coordinator);
    for (const drug of DRUGS)
      await services.supply.createKits(supply, trial.id, {
        drug,
        count: 12,
        lot: 'L1',
        expiresOn: inAYear(),
      });
    const { shipment } = await services.supply.ship(supply, trial.id, {
      siteId: trial.siteId,
      kits: DRUGS.map((drug) => ({ drug, count: 6 })),
    });
    await services.supply.receive(crc, shipment.id, { damagedKitNumbers: [] });
    for (const week12 of ['<15', null]) {
      const subject = await services.subjects.screen(crc, trial.id, {
        siteId: trial.siteId,
        answers: eligibleNr(),
        consentedOn: ago(120),
      });
      await services.randomization.randomize(crc, subject.id, { requestId: randomUUID(), levels: {} });
      const record = async (visit: string, date: string, result: string | number) => {
        await services.capture.recordVisit(crc, subject.id, { visit, date });
        await services.capture.recordResult(crc, subject.id, {
          visit,
          collectedOn: date,
          result,
          assay: 'COBAS',
        });
      };
      await record('D0', ago(100), 4_000_000);
      if (week12 !== null) await record('W12', ago(16), week12);
    }
  });
}

describe.concurrent.each(cliTargets())('analyze and report on $name', ({ setup }) => {
  it('prints a summary of the primary endpoints per population and arm, or the JSON, to stdout or a file', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const trial = await cliTrial(t);
    await twoSubjects(t, trial);
    const asStatistician = { env: t.envAs(trial.statistician, PASSWORD) };

    const summary = await t.run(['analyze', '--study', trial.code], asStatistician);
    expect(summary.err).toBe('');
    expect(summary.code).toBe(0);
    expect(summary.out).toContain(`${trial.code} (protocol version 1), data cut ${todayUtc()}\n`);
    expect(summary.out).toContain('Screened 2: 0 screen failure(s), 0 eligible not randomized, 2 randomized');
    for (const heading of [
      'All randomized subjects: Intention to treat (all randomized)',
      'All randomized subjects: Completers (week-12 result on treatment)',
      'Non-responder: Intention to treat (all randomized)',
      'Partial responder: Completers (week-12 result on treatment)',
      '  LOGRED_W12: Reduction in log10 HCV RNA from baseline to week 12 (log10 IU/mL)',
      '  EVR: Early viral response (reduction of 2 log10 or more at week 12)',
    ])
      expect(summary.out).toContain(`${heading}\n`);
    expect(summary.out).toMatch(/n 1 of \d+ \(1 below LLOQ\)\s+mean 5\.43/);
    expect(summary.out).toContain('[insufficient for conclusions]');

    const printed = await t.run(
      ['analyze', '--study', trial.code, '--json', '--data-cut', ago(1)],
      asStatistician,
    );
    expect(printed.err).toBe('');
    expect(printed.code).toBe(0);
    const result = analysisResultSchema.parse(JSON.parse(printed.out));
    expect(result.study.code).toBe(trial.code);
    expect(result.dataCut).toBe(ago(1));
    expect(result.disposition.consort.randomized).toBe(2);

    const written = await t.run(
      ['analyze', '--study', trial.code, '--json', '--out', 'analysis.json', '--data-cut', ago(50)],
      { ...asStatistician, cwd: dir },
    );
    expect(written.code).toBe(0);
    expect(written.out).toBe(`Wrote the analysis of ${trial.code} at data cut ${ago(50)} to analysis.json\n`);
    // The week-12 result is after this cut: the engine says so.
    expect(written.err).toMatch(/^WARNING {2}results dated after the data cut/m);
    const fromFile = JSON.parse(await readFile(join(dir, 'analysis.json'), 'utf8')) as AnalysisResult;
    expect(analysisResultSchema.safeParse(fromFile).error).toBeUndefined();
    expect(fromFile.dataCut).toBe(ago(50));
  });

  it.skipIf(!rendererReady)('writes the report as an HTML file', async ({ dir, expect }) => {
    const t = await setup(dir);
    const trial = await cliTrial(t);
    await twoSubjects(t, trial);
    const r = await t.run(['report', '--study', trial.code, '--out', 'report.html'], {
      env: t.envAs(trial.statistician, PASSWORD),
      cwd: dir,
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`Wrote the report of ${trial.code} at data cut ${todayUtc()} to report.html\n`);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain(trial.code);
    expect(html).toContain('<svg');
  });

  it('refuses a blinded user with exit 1 and a clear message, writing nothing', async ({ dir, expect }) => {
    const t = await setup(dir);
    const trial = await cliTrial(t);
    const asCoordinator = { env: t.envAs(trial.coordinator, PASSWORD), cwd: dir };
    for (const args of [
      ['analyze', '--study', trial.code, '--json', '--out', 'analysis.json'],
      ['report', '--study', trial.code, '--out', 'report.html'],
    ]) {
      const r = await t.run(args, asCoordinator);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toBe(
        'error: Not allowed to read the analysis of this study: it shows results by arm, so only the ' +
          'study’s unblinded statistician may\n',
      );
      expect(r.err).not.toMatch(ARM_CODES);
    }
    expect(existsSync(join(dir, 'analysis.json'))).toBe(false);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
  });

  it('refuses a data cut that is not a date, before signing in', async ({ dir, expect }) => {
    const t = await setup(dir);
    const r = await t.run(['analyze', '--study', 'any', '--data-cut', '2026-02-30']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: --data-cut: must be a real date, YYYY-MM-DD\n');
    const report = await t.run(['report', '--study', 'any']);
    expect(report.code).toBe(2);
    expect(report.err).toContain("required option '--out <file>' not specified");
  });
});
