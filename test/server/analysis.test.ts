import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisResultSchema, type AnalysisResult } from '../../src/core/analysis/index.js';
import type { Role } from '../../src/core/auth/roles.js';
import { addDays, todayUtc } from '../../src/core/capture/dates.js';
import { engines } from '../support/engines.js';
import { eligibleNr } from '../support/trial.js';
import {
  expectError,
  issuePaths,
  openServer,
  openTrial,
  userOf,
  type HttpTrial,
  type TestServer,
} from './support.js';

const ago = (days: number): string => addDays(todayUtc(), -days);
const ARM_CODES = /TRIPLE|DOUBLE|CONTROL/;
/** The report renderer is written in parallel (src/core/report): its tests wait for it. */
const rendererReady = existsSync(new URL('../../src/core/report/index.ts', import.meta.url));

/** Every role but the unblinded statistician: none of them may see results by arm. */
const BLINDED_ROLES: readonly Role[] = [
  'site_coordinator',
  'investigator',
  'monitor',
  'data_manager',
  'central_lab',
  'drug_supply_manager',
  'partner_reviewer',
  'admin',
];

/*
 * The analysis and report over HTTP. Two subjects entered through the API: one through week 12 with a
 * result below the LLOQ, one with day 0 only.
 */
describe.each(engines())('the analysis API on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let armOf: Map<string, string>;
  let completer: string;

  const post = async (url: string, body: unknown, status = 201) => {
    const res = await s.call({ method: 'POST', url, token: t.sites[0]?.coordinator.token, body });
    expect(res.statusCode, res.body).toBe(status);
    return res.json<{ id: string }>();
  };
  const get = (url: string, token = t.stat.token) => s.call({ method: 'GET', url, token });

  async function enrolWithDay0(): Promise<string> {
    const { id } = await post(`/api/studies/${t.id}/subjects`, {
      siteId: t.sites[0]?.id,
      answers: eligibleNr(),
      consentedOn: ago(120),
    });
    await post(`/api/subjects/${id}/randomize`, { requestId: randomUUID() });
    await post(`/api/subjects/${id}/visits`, { visit: 'D0', date: ago(100) });
    await post(`/api/subjects/${id}/results`, {
      visit: 'D0',
      collectedOn: ago(100),
      result: 4_000_000,
      assay: 'COBAS',
    });
    return id;
  }

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { sites: 1, kitsPerDrug: 6 });
    completer = await enrolWithDay0();
    await enrolWithDay0();
    await post(`/api/subjects/${completer}/visits`, { visit: 'W12', date: ago(16) });
    await post(`/api/subjects/${completer}/results`, {
      visit: 'W12',
      collectedOn: ago(16),
      result: '<15',
      assay: 'COBAS',
    });
    const allocations = await get(`/api/studies/${t.id}/allocations`);
    armOf = new Map(
      allocations.json<{ subjectId: string; arm: string }[]>().map((a) => [a.subjectId, a.arm]),
    );
  });
  afterAll(() => s.close());

  it('serves the unblinded statistician the analysis as JSON following the schema, never cached', async () => {
    const res = await get(`/api/studies/${t.id}/analysis`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    const parsed = analysisResultSchema.safeParse(res.json());
    expect(parsed.error).toBeUndefined();
    const result = res.json<AnalysisResult>();
    expect(result.study.code).toBe(t.code);
    expect(result.dataCut).toBe(todayUtc());
    expect(result.disposition.consort).toMatchObject({ screened: 2, randomized: 2 });
    const completers = result.efficacy.find(
      (set) => set.subset.factor === null && set.population.code === 'COMPLETERS',
    );
    expect(completers?.arms.filter((a) => a.inPopulation > 0)).toEqual([
      { arm: armOf.get(completer), randomized: expect.any(Number) as unknown, inPopulation: 1 },
    ]);
    const reduction = completers?.endpoints.find((e) => e.code === 'LOGRED_W12');
    expect(reduction?.arms.find((a) => a.arm === armOf.get(completer))).toMatchObject({
      n: 1,
      imputed: 1,
      mean: expect.closeTo(Math.log10(4_000_000) - Math.log10(15), 10) as unknown,
    });
  });

  it('applies the data cut of the query, and refuses one that is not a date', async () => {
    const res = await get(`/api/studies/${t.id}/analysis?dataCut=${ago(50)}`);
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json<AnalysisResult>();
    expect(result.dataCut).toBe(ago(50));
    const completers = result.efficacy.find(
      (set) => set.subset.factor === null && set.population.code === 'COMPLETERS',
    );
    expect(completers?.arms.every((a) => a.inPopulation === 0)).toBe(true);
    expect(result.warnings.join('\n')).toMatch(/results dated after the data cut/);

    for (const path of ['analysis', 'report']) {
      const bad = expectError(
        await get(`/api/studies/${t.id}/${path}?dataCut=2026-02-30`),
        400,
        'validation',
      );
      expect(issuePaths(bad)).toEqual(['query.dataCut']);
      expectError(await get(`/api/studies/${t.id}/${path}?cut=${ago(1)}`), 400, 'validation');
      const future = expectError(
        await get(`/api/studies/${t.id}/${path}?dataCut=${ago(-2)}`),
        400,
        'validation',
      );
      expect(future.message).toBe(`The data cut ${ago(-2)} is in the future`);
      expect(issuePaths(future)).toEqual(['dataCut']);
    }
  });

  it.each(BLINDED_ROLES)('refuses the %s both routes with a 403 that names no arm', async (role) => {
    const user = userOf(t, role);
    for (const path of ['analysis', 'report']) {
      const res = await get(`/api/studies/${t.id}/${path}`, user.token);
      const error = expectError(res, 403, 'forbidden');
      expect(error.message).toContain('only the study’s unblinded statistician');
      expect(res.body).not.toMatch(ARM_CODES);
    }
  });

  it('refuses the statistician of another study', async () => {
    const study = await s.study(t.admin.token);
    const other = await s.user([{ role: 'unblinded_statistician', studyId: study.id }]);
    expect((await get(`/api/studies/${study.id}/analysis`, other.token)).statusCode).toBe(200);
    for (const path of ['analysis', 'report'])
      expectError(await get(`/api/studies/${t.id}/${path}`, other.token), 403, 'forbidden');
  });

  it.skipIf(!rendererReady)(
    'serves the statistician the report as one HTML page with the study code and SVG figures',
    async () => {
      const res = await get(`/api/studies/${t.id}/report?dataCut=${todayUtc()}`);
      expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatch(/^<!doctype html>/i);
      expect(res.body).toContain(t.code);
      expect(res.body).toContain('<svg');
    },
  );
});
