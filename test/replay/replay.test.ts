import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult, AnalysisSet } from '../../src/core/analysis/result-schema.js';
import { planOutcomes } from '../../src/replay/outcomes.js';
import { replay, type ReplayResult } from '../../src/replay/replay.js';
import { cli } from '../cli/harness.js';
import { openServer, type TestServer } from '../server/support.js';
import { engines } from '../support/engines.js';
import { PASSWORD } from '../support/fixtures.js';

// The replay of the reference trial through a listening server: a fresh study driven over HTTP as
// the sites would, and every published figure read back from the analysis of what was entered. One
// full replay per engine, each through one entry point: on PGlite `replay()` itself, with the first
// study declared infeasible to exercise the restart with a fresh study; on PostgreSQL the command
// line, `trialdesk replay celgosivir-nr --url … --json`, as it comes.

/** Abandons the first attempt whatever its allocation, then decides outcomes as the replay does. */
const abandonFirst: typeof planOutcomes = (seed, attempt, today, allocated) =>
  attempt === 1
    ? { feasible: false, reason: 'declared infeasible by the test' }
    : planOutcomes(seed, attempt, today, allocated);

const set = (a: AnalysisResult, level: 'NR' | 'PR', population: 'ITT' | 'COMPLETERS'): AnalysisSet => {
  const found = a.efficacy.find((s) => s.subset.level === level && s.population.code === population);
  if (!found) throw new Error(`no ${level} ${population} set`);
  return found;
};
type Endpoint = AnalysisSet['endpoints'][number];
const changeOf = (s: AnalysisSet): Extract<Endpoint, { kind: 'change-from-baseline' }> => {
  const e = s.endpoints.find((x) => x.code === 'LOGRED_W12');
  if (e?.kind !== 'change-from-baseline') throw new Error('no change endpoint LOGRED_W12');
  return e;
};
const evrOf = (s: AnalysisSet): Extract<Endpoint, { kind: 'responder' }> => {
  const e = s.endpoints.find((x) => x.code === 'EVR');
  if (e?.kind !== 'responder') throw new Error('no responder endpoint EVR');
  return e;
};
const armOf = <T extends { arm: string }>(rows: readonly T[], arm: string): T => {
  const row = rows.find((r) => r.arm === arm);
  if (!row) throw new Error(`no arm ${arm}`);
  return row;
};

describe.each(engines())('replay celgosivir-nr on $name', (engine) => {
  let server: TestServer;
  let result: ReplayResult;
  let adminToken = '';
  const lines: string[] = [];
  const restart = engine.name === 'pglite';

  beforeAll(async () => {
    server = await openServer(engine);
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.app.server.address() as AddressInfo;
    const admin = await server.user([{ role: 'admin' }]);
    adminToken = admin.token;
    const url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    if (restart)
      result = await replay(
        url,
        { username: admin.username, password: PASSWORD },
        { seed: 7, log: (line) => lines.push(line), outcomes: abandonFirst },
      );
    else {
      const run = await cli(['replay', 'celgosivir-nr', '--url', url, '--seed', '7', '--json'], {
        env: { TRIALDESK_USER: admin.username, TRIALDESK_PASSWORD: PASSWORD },
      });
      expect(run.code, run.err).toBe(0);
      // Progress on standard error, the result alone on standard output.
      expect(run.err).toMatch(/^randomized 57 by the randomization service$/m);
      result = JSON.parse(run.out) as ReplayResult;
      lines.push(run.err.trimEnd());
    }
    lines.push(`took ${Math.round((Date.now() - started) / 1000)} s`);
    console.log(lines.join('\n'));
  }, 300_000);

  afterAll(async () => {
    await server?.close();
  });

  it.runIf(restart)('locks each study given up as infeasible and starts over with a fresh one', async () => {
    // The first is given up by the test; a real allocation may be infeasible too (about 1 in 15).
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(result.abandoned).toHaveLength(result.attempts - 1);
    expect(result.abandoned[0]?.reason).toBe('declared infeasible by the test');
    for (const given of result.abandoned.slice(1))
      expect(given.reason).toMatch(/^the service allocated 11 non-responders to TRIPLE, fewer than the 12/);
    for (const given of result.abandoned) {
      expect(given.studyCode).not.toBe(result.studyCode);
      const res = await server.call({
        method: 'GET',
        url: `/api/studies/${given.studyId}`,
        token: adminToken,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ status: string }>().status).toBe('locked');
    }
  });

  it('passes every check of the published figures', () => {
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('reproduces the enrollment: 57 randomized, 36 NR and 21 PR, with screen failures', () => {
    const a = result.analysis;
    expect(a.disposition.consort.randomized).toBe(57);
    expect(a.disposition.consort.screenFailures).toBe(result.screenFailures);
    expect(result.screenFailures).toBeGreaterThan(0);
    const randomized = (level: 'NR' | 'PR') =>
      set(a, level, 'ITT').arms.reduce((sum, arm) => sum + arm.randomized, 0);
    expect(randomized('NR')).toBe(36);
    expect(randomized('PR')).toBe(21);
  });

  it('reproduces the NR completers, means and EVR of the release', () => {
    const completers = set(result.analysis, 'NR', 'COMPLETERS');
    expect(completers.arms.map((x) => [x.arm, x.inPopulation])).toEqual([
      ['TRIPLE', 12],
      ['DOUBLE', 8],
      ['CONTROL', 10],
    ]);
    const change = changeOf(completers);
    expect(armOf(change.arms, 'TRIPLE').mean?.toFixed(1)).toBe('1.2');
    expect(armOf(change.arms, 'CONTROL').mean?.toFixed(1)).toBe('0.4');
    const double = armOf(change.comparisons, 'DOUBLE');
    expect(Math.abs(double.difference ?? 1)).toBeLessThan(0.3);
    expect(double.pValue).toBeGreaterThanOrEqual(0.05);
    const evr = evrOf(completers);
    expect([armOf(evr.arms, 'TRIPLE').responders, armOf(evr.arms, 'TRIPLE').denominator]).toEqual([4, 12]);
    expect([armOf(evr.arms, 'CONTROL').responders, armOf(evr.arms, 'CONTROL').denominator]).toEqual([1, 10]);
    expect(Math.round((armOf(evr.arms, 'TRIPLE').rate ?? 0) * 100)).toBe(33);
    expect(Math.round((armOf(evr.arms, 'CONTROL').rate ?? 0) * 100)).toBe(10);
  });

  it('flags the PR triple group of 3 as insufficient for conclusions', () => {
    const change = changeOf(set(result.analysis, 'PR', 'COMPLETERS'));
    const triple = armOf(change.arms, 'TRIPLE');
    expect(triple.n).toBe(3);
    expect(triple.insufficient).toEqual({ text: 'insufficient for conclusions', n: 3, minimumGroupSize: 5 });
  });

  it('reproduces the 7 dropouts before week 12: 6 for peginterferon, 1 not for an adverse event', () => {
    const d = result.analysis.disposition.discontinuations;
    expect(d.total).toBe(7);
    const ae = d.byReason.find((r) => r.reason === 'adverse_event');
    expect(ae?.total).toBe(6);
    expect(ae?.byDrug.map((x) => [x.drug, x.total])).toEqual([['PEGIFN', 6]]);
  });

  it('reproduces the extension counts at the data cut', () => {
    const ext = result.analysis.extension;
    expect(ext?.completedMainPhase).toBe(50);
    expect(ext?.continued).toBe(31);
    expect(ext?.byArm.find((x) => x.arm === 'TRIPLE')?.subjects).toBe(30);
    expect(Object.fromEntries(ext?.weeksOnTreatment.buckets.map((b) => [b.code, b.subjects]) ?? [])).toEqual({
      completed: 1,
      ongoing_from_milestone: 22,
      ongoing_before_milestone: 6,
      discontinued_before_milestone: 2,
      discontinued_from_milestone: 0,
    });
  });

  it('enters every date in its window: no edit-check query, nothing dated after the cut', () => {
    expect(result.queriesOpened).toBe(0);
    expect(result.analysis.warnings).toEqual([]);
  });
});
