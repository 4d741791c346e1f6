import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabImportReport } from '../../src/services/capture/lab-import.service.js';
import { SYSTEM_ACTOR } from '../../src/services/caller.js';
import { engines } from '../support/engines.js';
import { eligibleNr } from '../support/trial.js';
import {
  expectError,
  expectUnchanged,
  issuePaths,
  openServer,
  openTrial,
  type HttpTrial,
  type TestServer,
  type TestUser,
} from './support.js';

const HEADER = 'subject,visit,date,result,unit,lloq';
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const SAMPLED = daysAgo(20);
const csv = (...lines: string[]): string => [HEADER, ...lines].join('\n') + '\n';

describe.each(engines())('central-lab imports over HTTP on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  /** Screening numbers of two randomized subjects (consented 90 days ago). */
  let a: string;
  let b: string;

  const url = (query = '', studyId = t.id) => `/api/studies/${studyId}/lab-imports${query}`;
  const upload = (
    user: TestUser | undefined,
    text: string | undefined,
    query = '',
    contentType = 'text/csv',
  ) =>
    s.call({
      method: 'POST',
      url: url(query),
      ...(user ? { token: user.token } : {}),
      ...(text === undefined ? {} : { body: text, headers: { 'content-type': contentType } }),
    });
  const results = async (): Promise<number> => {
    const { rows } = await sql<{ n: string | number }>`
      select count(*) as n from results where study_id = ${t.id}`.execute(s.database.db);
    return Number(rows[0]?.n);
  };
  /** Refusals change nothing: the trial, its results and its imports. */
  const unchanged = async (refuse: () => Promise<void>) => {
    const before = [await results(), (await s.call({ method: 'GET', url: url(), token: t.dm.token })).body];
    await expectUnchanged(s, t, refuse);
    expect([await results(), (await s.call({ method: 'GET', url: url(), token: t.dm.token })).body]).toEqual(
      before,
    );
  };

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { sites: 1, kitsPerDrug: 12 });
    const site = t.sites[0]!;
    const enroll = async (): Promise<string> => {
      const screened = await s.call({
        method: 'POST',
        url: `/api/studies/${t.id}/subjects`,
        token: site.coordinator.token,
        body: { siteId: site.id, answers: eligibleNr(), consentedOn: daysAgo(90) },
      });
      expect(screened.statusCode, screened.body).toBe(201);
      const subject = screened.json<{ id: string; screeningNumber: string }>();
      const randomized = await s.call({
        method: 'POST',
        url: `/api/subjects/${subject.id}/randomize`,
        token: site.coordinator.token,
        body: { requestId: randomUUID() },
      });
      expect(randomized.statusCode, randomized.body).toBe(201);
      return subject.screeningNumber;
    };
    a = await enroll();
    b = await enroll();
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers a dry run with 200 and the report, an import with 201, the same file again with 200', async () => {
    const text = csv(`${a},D0,${SAMPLED},2400000,IU/mL,15`, `${a},W1,${SAMPLED},<15,IU/mL,15`);
    const query = '?assay=COBAS%20TaqMan&fileName=week1.csv';
    const dry = await upload(t.lab, text, `${query}&dryRun=true`);
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json<LabImportReport>()).toMatchObject({
      dryRun: true,
      fileName: 'week1.csv',
      rows: 2,
      toInsert: 2,
      inserted: 0,
      errors: [],
    });
    expect(await results()).toBe(0);

    const done = await upload(t.lab, text, query, 'text/csv; charset=utf-8');
    expect(done.statusCode, done.body).toBe(201);
    const report = done.json<LabImportReport>();
    expect(report).toMatchObject({ dryRun: false, rows: 2, inserted: 2, unchanged: 0 });
    expect(await results()).toBe(2);

    const again = await upload(t.lab, text, `${query}&dryRun=false`);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json<LabImportReport>()).toMatchObject({ labImportId: null, inserted: 0, unchanged: 2 });

    for (const reader of [t.lab, t.dm, t.sites[0]!.monitor]) {
      const listed = await s.call({ method: 'GET', url: url(), token: reader.token });
      expect(listed.statusCode, listed.body).toBe(200);
      expect(listed.json()).toMatchObject([
        { id: report.labImportId, fileName: 'week1.csv', rows: 2, inserted: 2, sha256: report.sha256 },
      ]);
    }
  });

  it('refuses a file with a bad row with 400, the report in the details, writing nothing', async () => {
    await unchanged(async () => {
      const res = await upload(
        t.lab,
        csv(
          `${b},D0,${SAMPLED},2400000,IU/mL,15`,
          `${b},W1,${SAMPLED},2e9,IU/mL,15`,
          `${b},W2,${daysAgo(-2)},15,IU/mL,15`,
        ),
        '?assay=COBAS',
      );
      const error = expectError(res, 400, 'validation');
      expect(error.message).toMatch(/^2 of 3 row\(s\) cannot be imported, so nothing was imported/);
      const details = error.details as unknown as { report: LabImportReport; issues: { path: string }[] };
      expect(details.report.errors.map((e) => e.line)).toEqual([3, 4]);
      expect(details.report.errors[0]?.message).toMatch(/implausible/);
      expect(details.report.errors[1]?.message).toMatch(/in the future/);
      expect(details.issues.map((i) => i.path)).toEqual(['line 3', 'line 4']);
    });
  });

  it('names the problem of a dry run’s rows: unknown subject, duplicate, different result', async () => {
    const res = await upload(
      t.lab,
      csv(
        `${a},D0,${SAMPLED},3000000,IU/mL,15`,
        `NOBODY-S001,D0,${SAMPLED},3000000,IU/mL,15`,
        `${b},W4,${SAMPLED},3000000,IU/mL,15`,
        `${b},W4,${SAMPLED},3000000,IU/mL,15`,
      ),
      '?assay=COBAS&dryRun=true',
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<LabImportReport>().errors).toEqual([
      { line: 2, message: expect.stringMatching(/a different result is already recorded/) },
      { line: 3, message: 'subject: NOBODY-S001 is not a subject of this study' },
      { line: 5, message: `${b} W4 HCVRNA: this result is already on line 4 of the file` },
    ]);
  });

  it('refuses bad bodies and parameters with 400 naming them (415 for a wrong content type), before reading anything', async () => {
    await unchanged(async () => {
      const json = await s.call({ method: 'POST', url: url(), token: t.lab.token, body: { rows: [] } });
      expect(issuePaths(expectError(json, 400, 'validation'))).toEqual(['body']);
      expect(issuePaths(expectError(await upload(t.lab, undefined), 400, 'validation'))).toEqual(['body']);
      const yaml = await upload(t.lab, 'subject: x', '', 'application/yaml');
      expect(issuePaths(expectError(yaml, 400, 'validation'))).toEqual(['body']);
      expectError(await upload(t.lab, csv(), '', 'text/plain'), 415, 'unsupported_media_type');
      for (const [query, path] of [
        ['?dryRun=yes', 'query.dryRun'],
        ['?dryRun=1', 'query.dryRun'],
        [`?assay=${'x'.repeat(121)}`, 'query.assay'],
        ['?assay=', 'query.assay'],
        ['?fileName=..%2Fetc%2Fpasswd', 'query.fileName'],
        ['?limit=5', 'query'],
      ] as const)
        expect(issuePaths(expectError(await upload(t.lab, csv(), query), 400, 'validation')), query).toEqual([
          path,
        ]);
      const badId = await s.call({
        method: 'POST',
        url: '/api/studies/not-a-study/lab-imports',
        token: t.lab.token,
        body: csv(),
        headers: { 'content-type': 'text/csv' },
      });
      expect(issuePaths(expectError(badId, 400, 'validation'))).toEqual(['params.studyId']);
      const header = await upload(t.lab, 'subject,visit,when,result\n', '?dryRun=true');
      expect(expectError(header, 400, 'validation').message).toMatch(
        /missing date, unit, lloq; unknown column "when"/,
      );
      const empty = await upload(t.lab, '', '?dryRun=true');
      expect(expectError(empty, 400, 'validation').message).toMatch(/^The file is empty/);
    });
  });

  it('answers 401 signed out, 403 to roles that may not import, 404 for an unknown study', async () => {
    await unchanged(async () => {
      const body = csv(`${a},W2,${SAMPLED},2400000,IU/mL,15`);
      expect(expectError(await upload(undefined, body), 401, 'unauthenticated').details).toBeUndefined();
      const site = t.sites[0]!;
      for (const user of [
        site.coordinator,
        site.investigator,
        site.monitor,
        t.stat,
        t.dsm,
        t.partner,
        t.admin,
      ])
        expectError(await upload(user, body, '?assay=COBAS'), 403, 'forbidden');
      for (const user of [site.coordinator, t.stat, t.admin])
        expectError(await s.call({ method: 'GET', url: url(), token: user.token }), 403, 'forbidden');
      const sponsorDm = await s.user([{ role: 'data_manager' }]);
      const missing = await s.call({
        method: 'POST',
        url: url('', randomUUID()),
        token: sponsorDm.token,
        body,
        headers: { 'content-type': 'text/csv' },
      });
      expectError(missing, 404, 'not_found');
      expectError(
        await s.call({ method: 'GET', url: url('', randomUUID()), token: sponsorDm.token }),
        404,
        'not_found',
      );
      expectError(await upload(t.lab, body, '', 'text/csv'), 400, 'validation'); // no assay: the protocol requires one
    });
  });

  it('answers study_locked for a locked study', async () => {
    const study = await s.study(t.admin.token);
    const lab = await s.user([{ role: 'central_lab', studyId: study.id }]);
    await s.world.store.write(SYSTEM_ACTOR, async (r) => {
      await r.studies.setStatus((await r.studies.get(study.id))!, 'locked', 'database lock');
    });
    for (const dryRun of ['true', 'false']) {
      const res = await s.call({
        method: 'POST',
        url: url(`?dryRun=${dryRun}`, study.id),
        token: lab.token,
        body: csv('X-S001,W12,2025-01-01,15,IU/mL,15'),
        headers: { 'content-type': 'text/csv' },
      });
      expect(expectError(res, 423, 'study_locked').message).toMatch(/locked/);
    }
  });

  it('streams a body larger than the JSON limit, listing the first 1,000 errors and counting the rest', async () => {
    const unit = 'international units per millilitre of plasma as measured';
    const lines = Array.from({ length: 60_000 }, (_, i) => `${a},W${i},${SAMPLED},2400000,${unit},15`);
    const text = csv(...lines);
    expect(text.length).toBeGreaterThan(5 * 1024 * 1024);
    const res = await upload(t.lab, text, '?assay=COBAS&dryRun=true');
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const report = res.json<LabImportReport>();
    expect(report).toMatchObject({ rows: 60_000, valid: 0, errorCount: 60_000, errorsTruncated: 59_000 });
    expect(report.errors).toHaveLength(1000);
    expect(report.errors[999]).toEqual({
      line: 1001,
      message: 'unit: must be at most 30 characters; visit: W999 is not a visit of the protocol',
    });
  });
});
