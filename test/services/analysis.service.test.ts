import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analysisResultSchema,
  type AnalysisResult,
  type AnalysisSet,
  type EndpointResult,
} from '../../src/core/analysis/index.js';
import { addDays, todayUtc } from '../../src/core/capture/dates.js';
import { SYSTEM_ACTOR, type Caller } from '../../src/services/caller.js';
import type { UnblindedAllocation } from '../../src/services/randomization/allocation-view.js';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { world, type World } from '../support/fixtures.js';
import { eligibleNr, nrTrial, type Trial } from '../support/trial.js';

const ago = (days: number): string => addDays(todayUtc(), -days);
const ASSAY = 'COBAS TaqMan HCV v2';
const ARMS = ['TRIPLE', 'DOUBLE', 'CONTROL'] as const;
const ARM_CODES = /TRIPLE|DOUBLE|CONTROL/;
const log10 = Math.log10;

/** The analysis set of a population, in all subjects (level null) or one level of prior response. */
function setOf(result: AnalysisResult, population: string, level: string | null = null): AnalysisSet {
  const set = result.efficacy.find((s) => s.population.code === population && s.subset.level === level);
  if (!set) throw new Error(`no ${population} set for ${level ?? 'all subjects'}`);
  return set;
}

function endpointOf<K extends EndpointResult['kind']>(
  set: AnalysisSet,
  code: string,
  kind: K,
): Extract<EndpointResult, { kind: K }> {
  const e = set.endpoints.find((x) => x.code === code);
  if (e?.kind !== kind) throw new Error(`no ${kind} endpoint ${code}`);
  return e as Extract<EndpointResult, { kind: K }>;
}

const armRow = <T extends { arm: string }>(rows: readonly T[], arm: string): T => {
  const row = rows.find((r) => r.arm === arm);
  if (!row) throw new Error(`no row for ${arm}`);
  return row;
};

/**
 * The analysis service on a small trial built through the services: one study per engine. Subjects
 * (consent 130 days ago unless said): A, B, C (NR) with D0 100 days ago and a week-12 result 16 days
 * ago (<15, TND, 300 000); D (NR) with D0 and an adverse event, discontinued for it; E (PR) randomized
 * today with no D0 visit; F a screen failure; G eligible, not randomized, consented 5 days ago. A
 * completed the main phase and elected to continue (today).
 */
describe.each(engines())('the analysis service on $name', (engine) => {
  let database: Database;
  let w: World;
  let t: Trial;
  let crc: Caller;
  const ids: Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g', string> = {
    a: '',
    b: '',
    c: '',
    d: '',
    e: '',
    f: '',
    g: '',
  };
  /** Each randomized subject's arm, as the unblinded statistician sees the allocations. */
  let armOf: Map<string, string>;
  let allocatedOn: Map<string, string>;

  async function screen(options: { pr?: boolean; consentedOn?: string; answers?: object } = {}) {
    const subject = await w.services.subjects.screen(crc, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: { ...eligibleNr(options.pr ? 'PR' : 'NR'), ...options.answers },
      consentedOn: options.consentedOn ?? ago(130),
    });
    return subject.id;
  }
  async function enrol(options: { pr?: boolean } = {}) {
    const id = await screen(options);
    await w.services.randomization.randomize(crc, id, { requestId: randomUUID(), levels: {} });
    return id;
  }
  const visit = (id: string, code: string, date: string) =>
    w.services.capture.recordVisit(crc, id, { visit: code, date });
  const result = (id: string, code: string, value: string | number, collectedOn: string) =>
    w.services.capture.recordResult(crc, id, { visit: code, collectedOn, result: value, assay: ASSAY });
  async function throughWeek12(id: string, baseline: number, week12: string | number | null) {
    await visit(id, 'D0', ago(100));
    await result(id, 'D0', baseline, ago(100));
    if (week12 === null) return;
    await visit(id, 'W12', ago(16));
    await result(id, 'W12', week12, ago(16));
  }

  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
    t = await nrTrial(w, { sites: 1, kitsPerDrug: 12 });
    crc = t.coordinators[0]!;
    ids.a = await enrol();
    ids.b = await enrol();
    ids.c = await enrol();
    ids.d = await enrol();
    ids.e = await enrol({ pr: true });
    ids.f = await screen({ answers: { age: 80 } });
    ids.g = await screen({ consentedOn: ago(5) });
    await throughWeek12(ids.a, 2_000_000, '<15');
    await throughWeek12(ids.b, 1_000_000, 'TND');
    await throughWeek12(ids.c, 3_000_000, 300_000);
    await throughWeek12(ids.d, 500_000, null);
    await w.services.capture.recordAdverseEvent(crc, ids.d, {
      verbatimTerm: 'Severe tiredness',
      codedTerm: 'Fatigue',
      bodySystem: 'General disorders',
      grade: 3,
      serious: false,
      relatedness: { CELGOSIVIR: 'unlikely', PEGIFN: 'probable', RBV: 'not_related' },
      onsetDate: ago(60),
      outcome: 'recovered',
      actionTaken: 'drug_withdrawn',
    });
    await w.services.capture.recordDisposition(crc, ids.d, {
      phase: 'MAIN',
      status: 'discontinued',
      date: ago(55),
      reason: 'adverse_event',
      relatedDrug: 'PEGIFN',
    });
    await w.services.capture.recordDisposition(crc, ids.a, {
      phase: 'MAIN',
      status: 'completed',
      date: ago(16),
    });
    await w.services.randomization.electExtension(crc, ids.a, { option: 'CONTINUE' });
    const allocations = (await w.services.randomization.allocations(
      t.stat,
      t.studyId,
    )) as UnblindedAllocation[];
    armOf = new Map(allocations.map((x) => [x.subjectId, x.arm]));
    allocatedOn = new Map(allocations.map((x) => [x.subjectId, todayUtc(x.allocatedAt)]));
  });
  afterAll(() => database.close());

  /** How many of these subjects are on each arm. */
  const perArm = (subjects: readonly string[]): Record<string, number> =>
    Object.fromEntries(ARMS.map((arm) => [arm, subjects.filter((id) => armOf.get(id) === arm).length]));
  const column = <T extends { arm: string }>(rows: readonly T[], value: (row: T) => number) =>
    Object.fromEntries(ARMS.map((arm) => [arm, value(armRow(rows, arm))]));

  it('loads every screened subject with site, status and levels; the randomization date follows day 0', async () => {
    const input = await w.services.analysis.input(t.stat, t.studyId);
    expect(input.dataCut).toBe(todayUtc());
    expect(input.protocol.code).toMatch(/^celgosivir-nr-phase2-/);
    expect(input.protocolVersion).toBe(1);
    const byId = new Map(input.subjects.map((s) => [s.id, s]));
    expect(input.subjects).toHaveLength(7);
    expect(byId.get(ids.a)).toMatchObject({
      siteCode: 'S1',
      status: 'randomized',
      levels: { PRIORRESP: 'NR' },
      // The recorded D0 visit, not the day the allocation was made.
      randomization: { arm: armOf.get(ids.a), date: ago(100) },
    });
    // No D0 visit: the UTC day of the allocation.
    expect(byId.get(ids.e)).toMatchObject({
      levels: { PRIORRESP: 'PR' },
      randomization: { arm: armOf.get(ids.e), date: allocatedOn.get(ids.e) },
    });
    expect(byId.get(ids.f)).toMatchObject({ status: 'screen_failed', randomization: null });
    expect(byId.get(ids.g)).toMatchObject({ status: 'eligible', randomization: null });
    expect(input.reassignments).toEqual([
      {
        subjectId: ids.a,
        phase: 'EXT',
        option: 'CONTINUE',
        fromArm: armOf.get(ids.a),
        toArm: armOf.get(ids.a),
        date: todayUtc(),
      },
    ]);
    expect(input.visits).toHaveLength(7);
    expect(input.results.filter((r) => r.subjectId === ids.a)).toEqual([
      {
        subjectId: ids.a,
        visit: 'D0',
        measure: 'HCVRNA',
        collectedOn: ago(100),
        result: { kind: 'value', value: 2_000_000 },
      },
      {
        subjectId: ids.a,
        visit: 'W12',
        measure: 'HCVRNA',
        collectedOn: ago(16),
        result: { kind: 'below_lloq', lloq: 15 },
      },
    ]);
    expect(input.results.find((r) => r.subjectId === ids.b && r.visit === 'W12')?.result.kind).toBe(
      'not_detected',
    );
    expect(input.adverseEvents).toEqual([
      {
        subjectId: ids.d,
        verbatimTerm: 'Severe tiredness',
        codedTerm: 'Fatigue',
        bodySystem: 'General disorders',
        grade: 3,
        serious: false,
        relatedness: { CELGOSIVIR: 'unlikely', PEGIFN: 'probable', RBV: 'not_related' },
        onsetDate: ago(60),
      },
    ]);
    expect(input.dispositions).toHaveLength(2);
    expect(input.dispositions.find((d) => d.subjectId === ids.d)).toEqual({
      subjectId: ids.d,
      phase: 'MAIN',
      status: 'discontinued',
      date: ago(55),
      reason: 'adverse_event',
      relatedDrug: 'PEGIFN',
    });
  });

  it('analyses exactly the recorded data, as JSON that follows the published schema', async () => {
    const result = await w.services.analysis.analyze(t.stat, t.studyId);
    const parsed = analysisResultSchema.safeParse(JSON.parse(JSON.stringify(result)));
    expect(parsed.error).toBeUndefined();
    expect(result.dataCut).toBe(todayUtc());
    expect(result.warnings).toEqual([]);
    expect(result.disposition.consort).toMatchObject({
      screened: 7,
      screenFailures: 1,
      eligibleNotRandomized: 1,
      randomized: 5,
    });

    const randomized = [ids.a, ids.b, ids.c, ids.d, ids.e];
    const completers = [ids.a, ids.b, ids.c];
    const itt = setOf(result, 'ITT');
    expect(column(itt.arms, (a) => a.randomized)).toEqual(perArm(randomized));
    expect(column(setOf(result, 'COMPLETERS').arms, (a) => a.inPopulation)).toEqual(perArm(completers));
    expect(column(setOf(result, 'COMPLETERS', 'NR').arms, (a) => a.inPopulation)).toEqual(perArm(completers));
    expect(column(setOf(result, 'ITT', 'PR').arms, (a) => a.randomized)).toEqual(perArm([ids.e]));

    // The change from baseline: <15 and TND analysed at the LLOQ (15 IU/mL) and counted as imputed.
    const change = new Map([
      [ids.a, log10(2_000_000) - log10(15)],
      [ids.b, log10(1_000_000) - log10(15)],
      [ids.c, 1],
    ]);
    const reduction = endpointOf(itt, 'LOGRED_W12', 'change-from-baseline');
    expect(column(reduction.arms, (a) => a.n)).toEqual(perArm(completers));
    expect(column(reduction.arms, (a) => a.imputed)).toEqual(perArm([ids.a, ids.b]));
    expect(column(reduction.arms, (a) => a.missing)).toEqual(perArm([ids.d, ids.e]));
    for (const arm of ARMS) {
      const values = completers.filter((id) => armOf.get(id) === arm).map((id) => change.get(id) ?? NaN);
      const mean = armRow(reduction.arms, arm).mean;
      if (values.length === 0) expect(mean).toBeNull();
      else expect(mean).toBeCloseTo(values.reduce((x, y) => x + y, 0) / values.length, 10);
    }
    const evr = endpointOf(itt, 'EVR', 'responder');
    expect(column(evr.arms, (a) => a.responders)).toEqual(perArm([ids.a, ids.b]));

    // The adverse event: one subject, related to PEGIFN only ("unlikely" is not related).
    const { safety } = result;
    expect(safety.anyEvent.total).toBe(1);
    expect(column(safety.anyEvent.counts, (c) => c.subjects)).toEqual(perArm([ids.d]));
    expect(safety.relatedTo.map((r) => [r.drug, r.total])).toEqual([
      ['CELGOSIVIR', 0],
      ['PEGIFN', 1],
      ['RBV', 0],
    ]);
    expect(safety.bySystemAndTerm).toMatchObject([
      { bodySystem: 'General disorders', total: 1, terms: [{ term: 'Fatigue', total: 1 }] },
    ]);

    // The discontinuation, by reason and drug.
    const { discontinuations } = result.disposition;
    expect(discontinuations.total).toBe(1);
    expect(discontinuations.byReason).toMatchObject([
      { reason: 'adverse_event', total: 1, byDrug: [{ drug: 'PEGIFN', total: 1 }] },
    ]);
    expect(column(result.disposition.consort.arms, (a) => a.discontinued)).toEqual(perArm([ids.d]));
    expect(column(result.disposition.consort.arms, (a) => a.completed)).toEqual(perArm([ids.a]));
    expect(result.extension).toMatchObject({ completedMainPhase: 1, continued: 1 });
  });

  it('leaves out what is dated after the data cut: late subjects, randomizations, results, elections', async () => {
    // Ten days ago: G had not consented, E was not randomized, A had not yet elected to continue.
    const tenDays = await w.services.analysis.analyze(t.stat, t.studyId, { dataCut: ago(10) });
    expect(tenDays.dataCut).toBe(ago(10));
    expect(tenDays.disposition.consort).toMatchObject({
      screened: 6,
      eligibleNotRandomized: 1,
      randomized: 4,
    });
    expect(tenDays.extension).toMatchObject({ completedMainPhase: 1, continued: 0 });
    expect(tenDays.warnings.join('\n')).toMatch(/re-assignments dated after the data cut/);

    // Fifty days ago: no week-12 result yet, but the adverse event and the discontinuation.
    const fiftyDays = await w.services.analysis.analyze(t.stat, t.studyId, { dataCut: ago(50) });
    expect(column(setOf(fiftyDays, 'COMPLETERS').arms, (a) => a.inPopulation)).toEqual(perArm([]));
    const reduction = endpointOf(setOf(fiftyDays, 'ITT'), 'LOGRED_W12', 'change-from-baseline');
    expect(column(reduction.arms, (a) => a.n)).toEqual(perArm([]));
    expect(fiftyDays.safety.anyEvent.total).toBe(1);
    expect(fiftyDays.disposition.discontinuations.total).toBe(1);
    expect(fiftyDays.warnings.join('\n')).toMatch(/results dated after the data cut/);

    // Before day 0: nobody randomized yet.
    const beforeDay0 = await w.services.analysis.analyze(t.stat, t.studyId, { dataCut: ago(101) });
    expect(beforeDay0.disposition.consort).toMatchObject({
      screened: 6,
      eligibleNotRandomized: 5,
      randomized: 0,
    });
    expect(beforeDay0.safety.anyEvent.total).toBe(0);
  });

  it('refuses every blinded role, and the statistician of another study, naming no arm', async () => {
    const other = await nrTrial(w, { kitsPerDrug: 0 });
    const blinded: Caller[] = [
      t.dm,
      t.supply,
      t.coordinators[0]!,
      t.investigators[0]!,
      other.stat,
      await w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[0]! }]),
      await w.user([{ role: 'central_lab', studyId: t.studyId }]),
      await w.user([{ role: 'partner_reviewer', studyId: t.studyId }]),
      await w.admin(),
    ];
    for (const caller of blinded)
      for (const call of [
        () => w.services.analysis.analyze(caller, t.studyId),
        () => w.services.analysis.input(caller, t.studyId),
        () => w.services.analysis.report(caller, t.studyId),
      ]) {
        const error = await call().then(
          () => null,
          (e: unknown) => e as { code: string; message: string },
        );
        expect(error?.code).toBe('forbidden');
        expect(error?.message).toContain('only the study’s unblinded statistician');
        expect(error?.message).not.toMatch(ARM_CODES);
      }
  });
});

describe.each(engines())('stored data outside the vocabulary on $name', (engine) => {
  let database: Database;
  let w: World;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
  });
  afterAll(() => database.close());

  /** A study with one screened subject (no kits needed: nobody is randomized). */
  async function studyWithSubject() {
    const t = await nrTrial(w, { kitsPerDrug: 0 });
    const subject = await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr(),
      consentedOn: ago(30),
    });
    return { t, ref: { id: subject.id, studyId: t.studyId, siteId: subject.siteId }, subject };
  }

  it('refuses to analyse an adverse event whose relatedness is not a term of the vocabulary', async () => {
    const { t, ref, subject } = await studyWithSubject();
    await w.store.write(SYSTEM_ACTOR, (r) =>
      r.capture.insertAdverseEvent(
        ref,
        {
          verbatimTerm: 'Headache',
          codedTerm: null,
          bodySystem: null,
          grade: 1,
          serious: false,
          relatedness: { PEGIFN: 'maybe' },
          onsetDate: ago(10),
          endDate: null,
          outcome: 'recovered',
          actionTaken: 'none',
        },
        null,
      ),
    );
    await expect(w.services.analysis.analyze(t.stat, t.studyId)).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(
        new RegExp(
          `adverse event 1 of ${subject.screeningNumber} gives "maybe" as its relatedness to PEGIFN`,
        ),
      ) as unknown,
    });
  });

  it('refuses to analyse a disposition whose reason is not a term of the vocabulary', async () => {
    const { t, ref, subject } = await studyWithSubject();
    await w.store.write(SYSTEM_ACTOR, (r) =>
      r.capture.saveDisposition(
        ref,
        'MAIN',
        { status: 'discontinued', date: ago(10), reason: 'bored', relatedDrug: null, detail: null },
        null,
        undefined,
      ),
    );
    await expect(w.services.analysis.analyze(t.stat, t.studyId)).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining(
        `the MAIN disposition of ${subject.screeningNumber} gives "bored"`,
      ) as unknown,
    });
  });
});
