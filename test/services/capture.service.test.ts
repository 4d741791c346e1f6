import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, latestDateOnEarth, todayUtc } from '../../src/core/capture/dates.js';
import type { Caller } from '../../src/services/index.js';
import {
  adverseEventSchema,
  dispositionSchema,
  resultSchema,
  visitChangeSchema,
  visitSchema,
  type AdverseEventInput,
} from '../../src/services/capture/capture.schemas.js';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { world, type World } from '../support/fixtures.js';
import { eligibleNr, nrTrial, type Trial } from '../support/trial.js';

const ago = (days: number): string => addDays(todayUtc(), -days);
const ASSAY = 'COBAS TaqMan HCV v2';
const HCV = 'HCV RNA (quantitative PCR)';
const ARM_CODES = /TRIPLE|DOUBLE|CONTROL/;

/** The issues of input the edge refuses, as [field, message]. */
const refused = (
  schema: { safeParse(x: unknown): { error?: { issues: { path: PropertyKey[]; message: string }[] } } },
  input: unknown,
) => schema.safeParse(input).error?.issues.map((i) => [i.path.join('.'), i.message]);

describe('data capture input', () => {
  it('refuses wrong types and shapes at the edge, naming each field and the reason', () => {
    expect(refused(visitSchema, { visit: 'W12', date: '2026-02-30' })).toEqual([
      ['date', 'must be a real date, YYYY-MM-DD'],
    ]);
    expect(
      refused(resultSchema, { visit: 'W12', collectedOn: 20260101, result: true, lloq: 0, extra: 1 }),
    ).toEqual([
      ['collectedOn', 'must be a date, YYYY-MM-DD'],
      ['result', 'must be a number or a result text such as "<15" or "TND"'],
      ['lloq', 'must be above 0'],
      ['', 'Unrecognized key: "extra"'],
    ]);
    expect(
      refused(adverseEventSchema, {
        verbatimTerm: ' ',
        grade: 2.5,
        serious: 'yes',
        relatedness: { RBV: 'maybe' },
        onsetDate: '2026-01-01',
        outcome: 'dead',
        actionTaken: 'none',
      }),
    ).toEqual([
      ['verbatimTerm', 'must not be empty'],
      ['grade', 'must be a whole grade'],
      ['serious', 'must be true or false'],
      ['relatedness.RBV', 'must be one of not_related, unlikely, possible, probable, definite'],
      [
        'outcome',
        'must be one of recovered, recovering, not_recovered, recovered_with_sequelae, fatal, unknown',
      ],
    ]);
    expect(refused(dispositionSchema, { phase: 'MAIN', status: 'done', date: '2026-01-01' })).toEqual([
      ['status', 'must be completed or discontinued'],
    ]);
  });
});

/** Data capture at the sites: one study per engine, one subject (or a few) per test. */
describe.each(engines())('data capture on $name', (engine) => {
  let database: Database;
  let w: World;
  let t: Trial;
  let crc: Caller;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
    t = await nrTrial(w, { sites: 2, kitsPerDrug: 30 });
    crc = t.coordinators[0]!;
  });
  afterAll(() => database.close());

  /** Screens a subject (consent 130 days ago) and, unless told otherwise, randomizes them. */
  async function enrol(options: { site?: number; randomize?: boolean; answers?: object } = {}) {
    const site = options.site ?? 0;
    const coordinator = t.coordinators[site]!;
    const subject = await w.services.subjects.screen(coordinator, t.studyId, {
      siteId: t.siteIds[site]!,
      answers: { ...eligibleNr(), ...options.answers },
      consentedOn: ago(130),
    });
    if (options.randomize ?? true)
      await w.services.randomization.randomize(coordinator, subject.id, {
        requestId: randomUUID(),
        levels: {},
      });
    return subject.id;
  }

  /** Everything recorded for a subject, and the length of the study's audit chain. */
  const snapshot = (subjectId: string) =>
    w.store.read(async (r) => ({
      auditSeq: (await r.audit.chains([t.studyId]))[0]?.lastSeq,
      visits: await r.capture.visits(subjectId),
      results: await r.capture.results(subjectId),
      adverseEvents: await r.capture.adverseEvents(subjectId),
      dispositions: await r.capture.dispositions(subjectId),
      forms: await r.capture.forms(subjectId),
      queries: await r.queries.list(t.studyId, { subjectId }),
    }));

  /** The study's audit entries of one action about one subject. */
  async function audited(action: string, subjectId: string) {
    const entries = await w.services.audit.list(t.dm, { studyId: t.studyId, action, limit: 1000 });
    return entries.filter((e) => (e.newValue as { subjectId?: string } | null)?.subjectId === subjectId);
  }

  const result = (visit: string, value: string | number, extra: object = {}) => ({
    visit,
    collectedOn: ago(16),
    result: value,
    assay: ASSAY,
    ...extra,
  });

  const ae = (extra: Partial<AdverseEventInput> = {}): AdverseEventInput => ({
    verbatimTerm: 'Queasy after the capsules',
    codedTerm: 'Nausea',
    bodySystem: 'Gastrointestinal disorders',
    grade: 2,
    serious: false,
    relatedness: { CELGOSIVIR: 'probable', PEGIFN: 'unlikely', RBV: 'not_related' },
    onsetDate: ago(90),
    endDate: ago(80),
    outcome: 'recovered',
    actionTaken: 'none',
    ...extra,
  });

  describe('visits', () => {
    it('records day 0 then week 12 in its window without a query', async () => {
      const id = await enrol();
      const d0 = await w.services.capture.recordVisit(crc, id, { visit: 'D0', date: ago(100) });
      expect(d0).toEqual({
        record: {
          visit: 'D0',
          label: 'Day 0 (baseline and randomization)',
          phase: 'MAIN',
          date: ago(100),
          window: { nominal: ago(100), earliest: ago(100), latest: ago(100) },
          daysOutOfWindow: 0,
        },
        queries: [],
      });
      const w12 = await w.services.capture.recordVisit(crc, id, { visit: 'W12', date: ago(16) });
      expect(w12.queries).toEqual([]);
      expect(w12.record).toMatchObject({
        date: ago(16),
        window: { nominal: ago(16), earliest: ago(23), latest: ago(9) },
        daysOutOfWindow: 0,
      });
      const book = await w.services.capture.casebook(crc, id);
      expect(book.day0).toBe(ago(100));
      expect(book.openQueries).toBe(0);
      expect(book.schedule.find((v) => v.visit === 'W12')).toMatchObject({
        date: ago(16),
        daysOutOfWindow: 0,
      });
      expect(book.schedule.find((v) => v.visit === 'W4')).toMatchObject({
        date: null,
        window: { nominal: ago(72) },
        daysOutOfWindow: null,
      });
      expect(book.forms.map((f) => f.formKey)).toEqual(['visit:D0', 'visit:W12']);
      expect((await audited('visit.create', id)).map((e) => e.newValue)).toEqual([
        { subjectId: id, visit: 'D0', visitDate: ago(100) },
        { subjectId: id, visit: 'W12', visitDate: ago(16) },
      ]);
    });

    it('accepts a visit out of its window, early or late, and opens a query on its date', async () => {
      const id = await enrol();
      await w.services.capture.recordVisit(crc, id, { visit: 'D0', date: ago(100) });
      // Week 8 is due on day 56 (window ±5): 66 days after day 0 is 5 days late.
      const late = await w.services.capture.recordVisit(crc, id, { visit: 'W8', date: ago(34) });
      expect(late.record).toMatchObject({ date: ago(34), daysOutOfWindow: 5 });
      expect(late.queries).toEqual([
        expect.objectContaining({
          subjectId: id,
          siteId: t.siteIds[0],
          form: 'visit:W8',
          field: 'visitDate',
          origin: 'edit_check',
          check: 'WINDOW',
          status: 'open',
          text: `${ago(34)} is 5 day(s) after the W8 window (${ago(49)} to ${ago(39)})`,
        }),
      ]);
      // Week 4 is due on day 28 (window ±3): day 20 is 5 days early.
      const early = await w.services.capture.recordVisit(crc, id, { visit: 'W4', date: ago(80) });
      expect(early.record.daysOutOfWindow).toBe(-5);
      expect(early.queries[0]).toMatchObject({
        form: 'visit:W4',
        check: 'WINDOW',
        text: `${ago(80)} is 5 day(s) before the W4 window (${ago(75)} to ${ago(69)})`,
      });
      const book = await w.services.capture.casebook(crc, id);
      expect(book.schedule.filter((v) => v.date !== null).map((v) => [v.visit, v.daysOutOfWindow])).toEqual([
        ['D0', 0],
        ['W4', -5],
        ['W8', 5],
      ]);
      expect(book.openQueries).toBe(2);
      // The query thread says who opened it: the edit check, as the system.
      const [thread] = (await w.services.queries.list(crc, t.studyId, { subjectId: id })).filter(
        (q) => q.form === 'visit:W8',
      );
      expect(thread?.messages).toEqual([
        expect.objectContaining({ kind: 'open', authorName: 'edit check WINDOW', authorRole: 'system' }),
      ]);
    });

    it('refuses a visit date in the future, naming the date, and writes nothing', async () => {
      const id = await enrol();
      await w.services.capture.recordVisit(crc, id, { visit: 'D0', date: ago(100) });
      const before = await snapshot(id);
      const tomorrow = addDays(todayUtc(), 2); // past the latest date anywhere on Earth
      await expect(
        w.services.capture.recordVisit(crc, id, { visit: 'W12', date: tomorrow }),
      ).rejects.toMatchObject({
        code: 'validation',
        message: `date: ${tomorrow} is in the future (today is ${latestDateOnEarth()})`,
        details: {
          issues: [
            { path: 'date', message: `${tomorrow} is in the future (today is ${latestDateOnEarth()})` },
          ],
        },
      });
      expect(await snapshot(id)).toEqual(before);
    });

    it('refuses a visit before informed consent', async () => {
      const id = await enrol({ randomize: false });
      const before = await snapshot(id);
      await expect(
        w.services.capture.recordVisit(crc, id, { visit: 'SCR', date: ago(131) }),
      ).rejects.toMatchObject({
        code: 'validation',
        details: {
          issues: [{ path: 'date', message: `${ago(131)} is before informed consent (${ago(130)})` }],
        },
      });
      expect(await snapshot(id)).toEqual(before);
      // The screening visit itself is taken from a subject not yet randomized.
      const scr = await w.services.capture.recordVisit(crc, id, { visit: 'SCR', date: ago(130) });
      expect(scr.record).toMatchObject({ visit: 'SCR', date: ago(130), window: null, daysOutOfWindow: null });
    });

    it('refuses visits from day 0 on for a subject not randomized, and any visit for a screen failure', async () => {
      const eligible = await enrol({ randomize: false });
      await expect(
        w.services.capture.recordVisit(crc, eligible, { visit: 'W4', date: ago(72) }),
      ).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/: the subject is not randomized: W4 is on or after day 0$/),
      });
      const failed = await enrol({ randomize: false, answers: { hcvGenotype: '3' } });
      await expect(
        w.services.capture.recordVisit(crc, failed, { visit: 'SCR', date: ago(120) }),
      ).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/the subject failed screening: no study data is recorded$/),
      });
      await expect(
        w.services.capture.recordResult(crc, failed, result('SCR', '2400000', { collectedOn: ago(120) })),
      ).rejects.toMatchObject({ code: 'conflict' });
      expect((await snapshot(failed)).forms).toEqual([]);
      expect((await snapshot(eligible)).forms).toEqual([]);
    });

    it('refuses an unknown visit and a visit recorded twice', async () => {
      const id = await enrol();
      await expect(
        w.services.capture.recordVisit(crc, id, { visit: 'W13', date: ago(10) }),
      ).rejects.toMatchObject({
        code: 'validation',
        details: { issues: [{ path: 'visit', message: 'not a visit of the protocol' }] },
      });
      await w.services.capture.recordVisit(crc, id, { visit: 'D0', date: ago(100) });
      const before = await snapshot(id);
      await expect(
        w.services.capture.recordVisit(crc, id, { visit: 'D0', date: ago(99) }),
      ).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(
          /^D0 is already recorded for S1-S\d{3} \(.+\): change it with a reason for change$/,
        ),
        details: { visit: 'D0' },
      });
      expect(await snapshot(id)).toEqual(before);
    });

    it('changes a visit date only with a reason, audited with the old and new date', async () => {
      expect(visitChangeSchema.safeParse({ date: ago(15) }).error?.issues).toEqual([
        expect.objectContaining({
          path: ['reasonForChange'],
          message: 'is required when saved data is changed',
        }),
      ]);
      const id = await enrol();
      await w.services.capture.recordVisit(crc, id, { visit: 'D0', date: ago(100) });
      await w.services.capture.recordVisit(crc, id, { visit: 'W12', date: ago(16) });
      const reasonForChange = 'Transcription error: the source note says the day after';
      await expect(
        w.services.capture.changeVisit(crc, id, 'W12', { date: ago(16), reasonForChange }),
      ).rejects.toMatchObject({
        code: 'conflict',
        message: 'The visit date is unchanged: nothing to change',
      });
      await expect(
        w.services.capture.changeVisit(crc, id, 'W8', { date: ago(44), reasonForChange }),
      ).rejects.toMatchObject({ code: 'not_found' });
      const changed = await w.services.capture.changeVisit(crc, id, 'W12', {
        date: ago(15),
        reasonForChange,
      });
      expect(changed).toMatchObject({
        record: { visit: 'W12', date: ago(15), daysOutOfWindow: 0 },
        queries: [],
      });
      const [entry, ...more] = await audited('visit.update', id);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({
        actorId: crc.userId,
        actorRole: 'site_coordinator',
        entityType: 'visit',
        oldValue: { subjectId: id, visit: 'W12', visitDate: ago(16) },
        newValue: { subjectId: id, visit: 'W12', visitDate: ago(15) },
        reason: reasonForChange,
      });
      // A change that takes the visit out of its window opens the window query.
      const out = await w.services.capture.changeVisit(crc, id, 'W12', { date: ago(2), reasonForChange });
      expect(out.queries.map((q) => [q.check, q.field])).toEqual([['WINDOW', 'visitDate']]);
    });
  });

  describe('HCV RNA results', () => {
    let id: string;
    beforeAll(async () => {
      id = await enrol();
    });

    it('records a number, "<15", "<LLOQ" with the protocol’s LLOQ, TND and log10 IU/mL', async () => {
      const rec = async (visit: string, value: string | number, extra: object = {}) =>
        w.services.capture.recordResult(crc, id, result(visit, value, { collectedOn: ago(100), ...extra }));
      const d0 = await rec('D0', '2,400,000');
      expect(d0).toEqual({
        record: expect.objectContaining({
          subjectId: id,
          siteId: t.siteIds[0],
          visitCode: 'D0',
          measure: 'HCVRNA',
          collectedOn: ago(100),
          result: { kind: 'value', value: 2_400_000 },
          reported: '2,400,000',
          reportedUnit: 'IU/mL',
          assay: ASSAY,
          source: 'site',
          labImportId: null,
        }),
        queries: [],
      });
      expect((await rec('W1', '<15')).record.result).toEqual({ kind: 'below_lloq', lloq: 15 });
      expect((await rec('W2', '<LLOQ')).record).toMatchObject({
        result: { kind: 'below_lloq', lloq: 15 },
        reported: '<LLOQ',
      });
      expect((await rec('W4', 'TND')).record.result).toEqual({ kind: 'not_detected', lloq: 15 });
      const log = await rec('W8', 6.38, { unit: 'log10 IU/mL' });
      expect(log.record).toMatchObject({ reported: '6.38', reportedUnit: 'log10 IU/mL' });
      expect((log.record.result as { value: number }).value).toBeCloseTo(10 ** 6.38, 3);
      const book = await w.services.capture.casebook(crc, id);
      expect(book.results.map((r) => [r.visitCode, r.reported])).toEqual([
        ['D0', '2,400,000'],
        ['W1', '<15'],
        ['W2', '<LLOQ'],
        ['W4', 'TND'],
        ['W8', '6.38'],
      ]);
      expect((await audited('result.create', id))[0]?.newValue).toEqual({
        subjectId: id,
        visit: 'D0',
        measure: 'HCVRNA',
        collectedOn: ago(100),
        reported: '2,400,000',
        unit: 'IU/mL',
        kind: 'value',
        value: 2_400_000,
        assay: ASSAY,
      });
    });

    it('refuses bad results with the field and the reason, writing nothing', async () => {
      const before = await snapshot(id);
      const refused = (input: object) =>
        w.services.capture.recordResult(crc, id, result('W12', 2_400_000, input));
      const limits = 'it must be above 0 and at most 1e+9 IU/mL';
      const cases: [object, { path: string; message: string }][] = [
        [{ assay: undefined }, { path: 'assay', message: 'is required' }],
        [{ result: 0 }, { path: 'result', message: `${HCV} 0 IU/mL is implausible: ${limits}` }],
        [{ result: '2e9' }, { path: 'result', message: `${HCV} 2e+9 IU/mL is implausible: ${limits}` }],
        [{ result: '10' }, { path: 'result', message: 'below the LLOQ (15): report as "<15"' }],
        [{ result: 'lots' }, { path: 'result', message: 'must be a number' }],
        [{ unit: 'copies/mL' }, { path: 'unit', message: 'must be IU/mL or log10 IU/mL' }],
        [{ measure: 'ALT' }, { path: 'measure', message: 'ALT is not a measure of the protocol' }],
        [
          { collectedOn: addDays(todayUtc(), 2) },
          {
            path: 'collectedOn',
            message: `${addDays(todayUtc(), 2)} is in the future (today is ${latestDateOnEarth()})`,
          },
        ],
        [
          { collectedOn: ago(131) },
          { path: 'collectedOn', message: `${ago(131)} is before informed consent (${ago(130)})` },
        ],
      ];
      for (const [input, issue] of cases)
        await expect(refused(input), JSON.stringify(input)).rejects.toMatchObject({
          code: 'validation',
          details: { issues: [issue] },
        });
      expect(await snapshot(id)).toEqual(before);
    });

    it('accepts an unusually high result and opens a query on it; refuses a second result at the visit', async () => {
      const saved = await w.services.capture.recordResult(crc, id, result('W12', 6e7));
      expect(saved.record.result).toEqual({ kind: 'value', value: 6e7 });
      expect(saved.queries).toEqual([
        expect.objectContaining({
          form: 'visit:W12',
          field: 'HCVRNA.result',
          origin: 'edit_check',
          check: 'HCV_HIGH',
          status: 'open',
          text: `${HCV} 6e+7 IU/mL is above 5e+7: please confirm`,
        }),
      ]);
      const before = await snapshot(id);
      await expect(w.services.capture.recordResult(crc, id, result('W12', '<15'))).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(
          /^A HCVRNA result at W12 is already recorded for S1-S\d{3} \(60000000\)/,
        ),
        details: { resultId: saved.record.id },
      });
      expect(await snapshot(id)).toEqual(before);
    });

    it('changes a result with a reason, audited with the old and new values', async () => {
      const saved = (await snapshot(id)).results.find((r) => r.visitCode === 'W12')!;
      const reasonForChange = 'The lab corrected its report';
      const change = { collectedOn: ago(16), result: '4.5E7', assay: ASSAY, reasonForChange };
      await expect(
        w.services.capture.changeResult(crc, saved.id, { ...change, result: 60000000 }),
      ).rejects.toMatchObject({ code: 'conflict', message: 'The result is unchanged: nothing to change' });
      await expect(
        w.services.capture.changeResult(crc, saved.id, { ...change, result: 0 }),
      ).rejects.toMatchObject({ code: 'validation', details: { issues: [{ path: 'result' }] } });
      const changed = await w.services.capture.changeResult(crc, saved.id, change);
      expect(changed).toMatchObject({
        record: { id: saved.id, result: { kind: 'value', value: 4.5e7 } },
        queries: [],
      });
      const [entry, ...more] = await audited('result.update', id);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({
        entityId: saved.id,
        oldValue: {
          subjectId: id,
          visit: 'W12',
          reported: '60000000',
          kind: 'value',
          value: 6e7,
          assay: ASSAY,
        },
        newValue: {
          subjectId: id,
          visit: 'W12',
          reported: '4.5E7',
          kind: 'value',
          value: 4.5e7,
          assay: ASSAY,
        },
        reason: reasonForChange,
      });
      // Back above 5e7: the query on that data point is still open, so no second one.
      const again = await w.services.capture.changeResult(crc, saved.id, { ...change, result: '7E7' });
      expect(again.queries).toEqual([]);
      expect((await snapshot(id)).queries.filter((q) => q.check === 'HCV_HIGH')).toHaveLength(1);
      await expect(w.services.capture.changeResult(crc, randomUUID(), change)).rejects.toMatchObject({
        code: 'not_found',
      });
    });
  });

  describe('adverse events', () => {
    let id: string;
    beforeAll(async () => {
      id = await enrol();
    });

    it('records a full adverse event with relatedness to each study drug', async () => {
      const saved = await w.services.capture.recordAdverseEvent(crc, id, ae());
      expect(saved).toEqual({
        record: {
          id: expect.any(String),
          subjectId: id,
          siteId: t.siteIds[0],
          number: 1,
          verbatimTerm: 'Queasy after the capsules',
          codedTerm: 'Nausea',
          bodySystem: 'Gastrointestinal disorders',
          grade: 2,
          serious: false,
          relatedness: { CELGOSIVIR: 'probable', PEGIFN: 'unlikely', RBV: 'not_related' },
          onsetDate: ago(90),
          endDate: ago(80),
          outcome: 'recovered',
          actionTaken: 'none',
        },
        queries: [],
      });
      expect((await audited('adverse_event.create', id))[0]).toMatchObject({
        entityId: saved.record.id,
        newValue: { subjectId: id, number: 1, verbatimTerm: 'Queasy after the capsules', grade: 2 },
      });
      const open = await w.services.capture.recordAdverseEvent(
        crc,
        id,
        ae({ verbatimTerm: 'Fatigue', grade: 1, endDate: null, outcome: 'not_recovered' }),
      );
      expect(open.record).toMatchObject({ number: 2, endDate: null });
      expect((await w.services.capture.casebook(crc, id)).adverseEvents.map((a) => a.number)).toEqual([1, 2]);
    });

    it('needs the relatedness to exactly the protocol’s drugs, naming the missing and the unknown', async () => {
      const before = await snapshot(id);
      await expect(
        w.services.capture.recordAdverseEvent(
          crc,
          id,
          ae({ relatedness: { CELGOSIVIR: 'possible', PEGIFN: 'possible', ASPIRIN: 'definite' } }),
        ),
      ).rejects.toMatchObject({
        code: 'validation',
        details: {
          issues: [
            { path: 'relatedness.RBV', message: 'is required: judge the relatedness to each study drug' },
            { path: 'relatedness.ASPIRIN', message: 'not a study drug (known: CELGOSIVIR, PEGIFN, RBV)' },
          ],
        },
      });
      expect(await snapshot(id)).toEqual(before);
    });

    it('ties grade 5 to a fatal outcome, both ways', async () => {
      await expect(
        w.services.capture.recordAdverseEvent(crc, id, ae({ grade: 5, serious: true })),
      ).rejects.toMatchObject({
        code: 'validation',
        details: { issues: [{ path: 'outcome', message: 'must be fatal for a grade 5 event' }] },
      });
      await expect(
        w.services.capture.recordAdverseEvent(crc, id, ae({ grade: 4, outcome: 'fatal' })),
      ).rejects.toMatchObject({
        code: 'validation',
        details: { issues: [{ path: 'outcome', message: 'fatal needs grade 5' }] },
      });
    });

    it('refuses an end before the onset, naming endDate', async () => {
      const before = await snapshot(id);
      await expect(
        w.services.capture.recordAdverseEvent(crc, id, ae({ onsetDate: ago(50), endDate: ago(51) })),
      ).rejects.toMatchObject({
        code: 'validation',
        message: `endDate: the end date ${ago(51)} is before the onset date ${ago(50)}`,
        details: {
          issues: [
            { path: 'endDate', message: `the end date ${ago(51)} is before the onset date ${ago(50)}` },
          ],
        },
      });
      expect(await snapshot(id)).toEqual(before);
    });

    it('saves an event without its coded term and body system, opening a query on each', async () => {
      const saved = await w.services.capture.recordAdverseEvent(
        crc,
        id,
        ae({ codedTerm: undefined, bodySystem: undefined, verbatimTerm: 'Headache' }),
      );
      expect(saved.record).toMatchObject({ codedTerm: null, bodySystem: null });
      const form = `ae:${saved.record.number}`;
      expect(saved.queries.map((q) => [q.form, q.field, q.check, q.status, q.text])).toEqual([
        [form, 'codedTerm', 'AE_CODED', 'open', 'is required'],
        [form, 'bodySystem', 'AE_SYSTEM', 'open', 'is required'],
      ]);
    });

    it('changes an event with a reason, audited with old and new, and refuses a change that changes nothing', async () => {
      const [first] = (await snapshot(id)).adverseEvents;
      const reasonForChange = 'Resolved later than first reported';
      await expect(
        w.services.capture.changeAdverseEvent(crc, first!.id, { ...ae(), reasonForChange }),
      ).rejects.toMatchObject({
        code: 'conflict',
        message: 'The adverse event is unchanged: nothing to change',
      });
      const changed = await w.services.capture.changeAdverseEvent(crc, first!.id, {
        ...ae({
          endDate: ago(75),
          relatedness: { CELGOSIVIR: 'definite', PEGIFN: 'unlikely', RBV: 'not_related' },
        }),
        reasonForChange,
      });
      expect(changed.record).toMatchObject({
        number: 1,
        endDate: ago(75),
        relatedness: { CELGOSIVIR: 'definite' },
      });
      const [entry, ...more] = await audited('adverse_event.update', id);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({
        entityId: first!.id,
        oldValue: { number: 1, endDate: ago(80), relatedness: { CELGOSIVIR: 'probable' } },
        newValue: { number: 1, endDate: ago(75), relatedness: { CELGOSIVIR: 'definite' } },
        reason: reasonForChange,
      });
    });

    it('takes adverse events only from randomized subjects', async () => {
      const eligible = await enrol({ randomize: false });
      await expect(w.services.capture.recordAdverseEvent(crc, eligible, ae())).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/is not randomized: no adverse event is recorded$/),
      });
    });
  });

  describe('dispositions', () => {
    let id: string;
    beforeAll(async () => {
      id = await enrol();
    });

    it('refuses a discontinuation without reason, a reason for a completion, and a misplaced drug', async () => {
      const before = await snapshot(id);
      const cases: [object, { path: string; message: string }][] = [
        [
          { status: 'discontinued' },
          { path: 'reason', message: 'is required when the subject discontinued' },
        ],
        [
          { status: 'completed', reason: 'other' },
          { path: 'reason', message: 'only a discontinuation has a reason' },
        ],
        [
          { status: 'discontinued', reason: 'withdrawal_by_subject', relatedDrug: 'PEGIFN' },
          { path: 'relatedDrug', message: 'only a discontinuation for an adverse event names a drug' },
        ],
        [
          { status: 'discontinued', reason: 'adverse_event', relatedDrug: 'ASPIRIN' },
          { path: 'relatedDrug', message: 'not a study drug (known: CELGOSIVIR, PEGIFN, RBV)' },
        ],
        [{ phase: 'FOLLOWUP' }, { path: 'phase', message: 'not a phase of the protocol' }],
        [
          { date: addDays(todayUtc(), 3) },
          {
            path: 'date',
            message: `${addDays(todayUtc(), 3)} is in the future (today is ${latestDateOnEarth()})`,
          },
        ],
      ];
      for (const [input, issue] of cases)
        await expect(
          w.services.capture.recordDisposition(crc, id, {
            phase: 'MAIN',
            status: 'completed',
            date: ago(16),
            ...input,
          } as never),
          JSON.stringify(input),
        ).rejects.toMatchObject({ code: 'validation', details: { issues: [issue] } });
      expect(await snapshot(id)).toEqual(before);
    });

    it('records a completion once, and the extension’s disposition only after the election', async () => {
      const main = await w.services.capture.recordDisposition(crc, id, {
        phase: 'MAIN',
        status: 'completed',
        date: ago(16),
      });
      expect(main).toEqual({
        record: expect.objectContaining({
          subjectId: id,
          phase: 'MAIN',
          status: 'completed',
          date: ago(16),
          reason: null,
          relatedDrug: null,
          detail: null,
        }),
        queries: [],
      });
      await expect(
        w.services.capture.recordDisposition(crc, id, { phase: 'MAIN', status: 'completed', date: ago(15) }),
      ).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/^The MAIN disposition of S1-S\d{3} is already recorded/),
      });
      const ext = {
        phase: 'EXT',
        status: 'discontinued',
        date: ago(2),
        reason: 'adverse_event',
        relatedDrug: 'PEGIFN',
        detail: 'Severe fatigue on peginterferon',
      } as const;
      const before = await snapshot(id);
      await expect(w.services.capture.recordDisposition(crc, id, ext)).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(
          /has not entered the extension to 48 weeks: record the election first$/,
        ),
      });
      expect(await snapshot(id)).toEqual(before);
      await w.services.randomization.electExtension(crc, id, { option: 'CONTINUE' });
      const saved = await w.services.capture.recordDisposition(crc, id, ext);
      expect(saved.record).toMatchObject({
        phase: 'EXT',
        status: 'discontinued',
        reason: 'adverse_event',
        relatedDrug: 'PEGIFN',
        detail: 'Severe fatigue on peginterferon',
      });
      expect((await w.services.capture.casebook(crc, id)).elections).toEqual([
        { phase: 'EXT', option: 'CONTINUE' },
      ]);
    });

    it('changes a disposition with a reason, audited', async () => {
      const reasonForChange = 'Wrong reason ticked on the form';
      const change = {
        status: 'discontinued',
        date: ago(2),
        reason: 'withdrawal_by_subject',
        detail: 'Moved abroad',
        reasonForChange,
      } as const;
      const changed = await w.services.capture.changeDisposition(crc, id, 'EXT', change);
      expect(changed.record).toMatchObject({ reason: 'withdrawal_by_subject', relatedDrug: null });
      await expect(w.services.capture.changeDisposition(crc, id, 'EXT', change)).rejects.toMatchObject({
        code: 'conflict',
        message: 'The disposition is unchanged: nothing to change',
      });
      const [entry, ...more] = await audited('disposition.update', id);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({
        oldValue: { phase: 'EXT', reason: 'adverse_event', relatedDrug: 'PEGIFN' },
        newValue: { phase: 'EXT', reason: 'withdrawal_by_subject', relatedDrug: null },
        reason: reasonForChange,
      });
    });
  });

  describe('who may enter and read data', () => {
    let id: string;
    let monitor: Caller;
    let otherMonitor: Caller;
    let lab: Caller;
    beforeAll(async () => {
      [monitor, otherMonitor, lab] = await Promise.all([
        w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[0]! }]),
        w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[1]! }]),
        w.user([{ role: 'central_lab', studyId: t.studyId }]),
      ]);
      id = await enrol();
      await w.services.capture.recordVisit(crc, id, { visit: 'D0', date: ago(100) });
      await w.services.capture.recordResult(crc, id, result('D0', '2400000', { collectedOn: ago(100) }));
      await w.services.capture.recordAdverseEvent(crc, id, ae());
    });

    it('lets the site’s investigator enter data too', async () => {
      const saved = await w.services.capture.recordVisit(t.investigators[0]!, id, {
        visit: 'W1',
        date: ago(93),
      });
      expect(saved.record.daysOutOfWindow).toBe(0);
      expect((await audited('visit.create', id)).at(-1)?.actorRole).toBe('investigator');
    });

    it('refuses data entry to the monitor, data manager, central lab and statistician', async () => {
      const before = await snapshot(id);
      for (const caller of [monitor, t.dm, lab, t.stat]) {
        await expect(
          w.services.capture.recordVisit(caller, id, { visit: 'W2', date: ago(86) }),
        ).rejects.toMatchObject({ code: 'forbidden', details: { action: 'data.enter' } });
        await expect(w.services.capture.recordAdverseEvent(caller, id, ae())).rejects.toMatchObject({
          code: 'forbidden',
        });
      }
      expect(await snapshot(id)).toEqual(before);
    });

    it('refuses another site’s coordinator, for every write and the casebook, writing nothing', async () => {
      const other = t.coordinators[1]!;
      const before = await snapshot(id);
      const [res] = before.results;
      const [event] = before.adverseEvents;
      const attempts = [
        () => w.services.capture.recordVisit(other, id, { visit: 'W2', date: ago(86) }),
        () => w.services.capture.changeVisit(other, id, 'D0', { date: ago(99), reasonForChange: 'try it' }),
        () => w.services.capture.recordResult(other, id, result('W2', '<15')),
        () =>
          w.services.capture.changeResult(other, res!.id, {
            collectedOn: ago(100),
            result: '2500000',
            assay: ASSAY,
            reasonForChange: 'try it',
          }),
        () => w.services.capture.recordAdverseEvent(other, id, ae()),
        () =>
          w.services.capture.changeAdverseEvent(other, event!.id, {
            ...ae({ grade: 3 }),
            reasonForChange: 'try it',
          }),
        () =>
          w.services.capture.recordDisposition(other, id, {
            phase: 'MAIN',
            status: 'completed',
            date: ago(16),
          }),
        () => w.services.capture.casebook(other, id),
      ];
      for (const attempt of attempts)
        await expect(attempt()).rejects.toMatchObject({
          code: 'forbidden',
          message: expect.stringMatching(/at this site$/),
        });
      expect(await snapshot(id)).toEqual(before);
    });

    it('says which subject it does not know', async () => {
      const unknown = randomUUID();
      await expect(
        w.services.capture.recordVisit(crc, unknown, { visit: 'D0', date: ago(100) }),
      ).rejects.toMatchObject({ code: 'not_found', message: `Subject ${unknown} was not found` });
      await expect(w.services.capture.casebook(crc, unknown)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('shows the casebook to the site’s monitor, and never an arm to any blinded reader', async () => {
      await w.services.capture.recordDisposition(crc, id, {
        phase: 'MAIN',
        status: 'completed',
        date: ago(16),
      });
      await w.services.randomization.electExtension(crc, id, { option: 'SWITCH' });
      const book = await w.services.capture.casebook(monitor, id);
      expect(book.subject).toMatchObject({
        id,
        studyId: t.studyId,
        siteId: t.siteIds[0],
        status: 'randomized',
      });
      expect(book.subject.consentedOn).toBe(ago(130));
      expect(book.randomizationNumber).toBeGreaterThanOrEqual(1001);
      expect(book.results).toHaveLength(1);
      expect(book.adverseEvents).toHaveLength(1);
      for (const reader of [crc, t.investigators[0]!, monitor, t.dm]) {
        const json = JSON.stringify(await w.services.capture.casebook(reader, id));
        expect(json).not.toMatch(ARM_CODES);
        expect(json).not.toMatch(/placebo|armCode|"arm"/i);
      }
      for (const reader of [otherMonitor, lab])
        await expect(w.services.capture.casebook(reader, id)).rejects.toMatchObject({ code: 'forbidden' });
    });
  });
});
