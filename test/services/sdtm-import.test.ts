import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/core/errors.js';
import { fileOf, SDTM_DOMAINS, type SdtmDomain, type SdtmIssue } from '../../src/core/sdtm/index.js';
import { auditQuerySchema } from '../../src/services/audit/audit.schemas.js';
import type { Caller } from '../../src/services/index.js';
import type { SdtmFile, SdtmImportInput } from '../../src/services/sdtm/sdtm-import.service.js';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { protocolWithUniqueCode, world, type World } from '../support/fixtures.js';

const FIXTURE = new URL('../fixtures/sdtm/celgosivir-small/', import.meta.url);
const text = (d: SdtmDomain): string | undefined => {
  try {
    return readFileSync(new URL(fileOf(d), FIXTURE), 'utf8');
  } catch {
    return undefined;
  }
};
const FIXTURE_TEXT = Object.fromEntries(
  SDTM_DOMAINS.flatMap((d) => {
    const t = text(d);
    return t === undefined ? [] : [[d, t]];
  }),
) as Partial<Record<SdtmDomain, string>>;

/** Chunks of a string as a file stream gives them, split anywhere. */
const source = (t: string): Readable =>
  Readable.from([Buffer.from(t.slice(0, 100)), Buffer.from(t.slice(100))]);

/** The import's input: the NR protocol (a unique code) and the fixture's files, edited or left out. */
function input(
  edit: Partial<Record<SdtmDomain, ((t: string) => string) | null>> = {},
): SdtmImportInput & { code: string } {
  const { source: protocolSource, code } = protocolWithUniqueCode('protocols/celgosivir-nr-phase2.yaml');
  const datasets: Partial<Record<SdtmDomain, SdtmFile>> = {};
  for (const [d, t] of Object.entries(FIXTURE_TEXT) as [SdtmDomain, string][]) {
    const e = edit[d];
    if (e === null) continue;
    datasets[d] = { fileName: fileOf(d), source: source(e ? e(t) : t) };
  }
  return { protocolSource, protocolFileName: 'nr.yaml', datasets, code };
}

/** Replaces `from` by `to` in line `line` (1-based; the header is line 1). */
const onLine = (line: number, from: string, to: string) => (t: string) => {
  const lines = t.split('\n');
  const l = lines[line - 1] ?? '';
  if (!l.includes(from)) throw new Error(`line ${line} has no "${from}": ${l}`);
  lines[line - 1] = l.replace(from, to);
  return lines.join('\n');
};

/** The refused rows of a failed import. */
async function refusedRows(promise: Promise<unknown>): Promise<SdtmIssue[]> {
  const e = await promise.then(
    () => {
      throw new Error('the import was not refused');
    },
    (x: unknown) => x,
  );
  if (!isDomainError(e) || e.code !== 'validation') throw e;
  return (e.details?.errors ?? []) as SdtmIssue[];
}

/** Rows a caller's writes left in each table: an import refused leaves every count as it was. */
async function written(w: World, userId: string): Promise<Record<string, number>> {
  const { rows } = await sql<Record<string, string | number>>`
    select
      (select count(*) from studies where created_by = ${userId}) as studies,
      (select count(*) from subjects where created_by = ${userId}) as subjects,
      (select count(*) from allocations where allocated_by = ${userId}) as allocations,
      (select count(*) from reassignments where created_by = ${userId}) as reassignments,
      (select count(*) from subject_visits where created_by = ${userId}) as visits,
      (select count(*) from results where created_by = ${userId}) as results,
      (select count(*) from adverse_events where created_by = ${userId}) as adverse_events,
      (select count(*) from dispositions where created_by = ${userId}) as dispositions,
      (select count(*) from audit_log where actor_id = ${userId}) as audit
  `.execute(w.store.database.db);
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
}

describe.each(engines())('SDTM import on $name', (engine) => {
  let db: Database;
  let w: World;
  let dm: Caller;
  beforeAll(async () => {
    db = await engine.open();
    w = world(db);
    dm = await w.user([{ role: 'data_manager' }]);
  });
  afterAll(() => db.close());

  it('creates the study with its sites, subjects, allocations, visits, results, adverse events and dispositions', async () => {
    const i = input();
    const summary = await w.services.sdtmImport.importStudy(dm, i);
    expect(summary.study.code).toBe(i.code);
    expect(summary.counts).toEqual({
      sites: 2,
      subjects: 12,
      randomized: 10,
      screenFailures: 1,
      eligibleNotRandomized: 1,
      allocations: 10,
      reassignments: 4,
      visits: 71,
      results: 71,
      adverseEvents: 6,
      dispositions: 10,
      queriesOpened: 1,
    });
    expect(summary.notes).toEqual(
      expect.arrayContaining(['lb.csv: tests the protocol does not measure (ALT): 1 row(s) not imported']),
    );
    const studyId = summary.study.id;

    const stored = await w.store.read(async (r) => {
      const subjects = await r.subjects.list(studyId);
      const byNumber = new Map(subjects.map((s) => [s.screeningNumber, s]));
      const id = (n: string): string => byNumber.get(n)?.id ?? '';
      return {
        sites: (await r.sites.list(studyId)).map((s) => [s.code, s.country]),
        subjects: subjects.map((s) => [s.screeningNumber, s.status, s.levels, s.consentedOn]),
        allocations: (await r.randomization.inOrder(studyId)).map((a) => [
          a.randomizationNumber,
          subjects.find((s) => s.id === a.subjectId)?.screeningNumber,
          a.armCode,
          a.stratumKey,
          a.method,
          a.slotIndex,
        ]),
        switched: (await r.randomization.reassignments(id('101-002'))).map((x) => [
          x.phaseCode,
          x.optionCode,
          x.fromArm,
          x.toArm,
        ]),
        visits: (await r.capture.visits(id('102-001'))).map((v) => [v.visitCode, v.visitDate]),
        results: (await r.capture.results(id('102-001'))).map((x) => [
          x.visitCode,
          x.reported,
          x.result,
          x.assay,
          x.source,
        ]),
        tnd: (await r.capture.result(id('101-006'), 'W12', 'HCVRNA'))?.result,
        aes: (await r.capture.adverseEvents(id('101-003'))).map(
          ({ id: _id, subjectId: _s, siteId: _site, ...ae }) => ae,
        ),
        dispositions: (await r.capture.dispositions(id('101-003'))).map((d) => [
          d.phase,
          d.status,
          d.date,
          d.reason,
          d.relatedDrug,
          d.detail,
        ]),
        queries: (await r.queries.list(studyId)).map((q) => [q.form, q.field, q.check]),
      };
    });
    expect(stored.sites).toEqual([
      ['101', 'CA'],
      ['102', 'CA'],
    ]);
    expect(stored.subjects).toContainEqual(['101-001', 'randomized', { PRIORRESP: 'NR' }, '2006-01-03']);
    expect(stored.subjects).toContainEqual(['101-005', 'screen_failed', { PRIORRESP: 'NR' }, '2006-01-16']);
    expect(stored.subjects).toContainEqual(['102-006', 'eligible', { PRIORRESP: 'PR' }, '2006-01-24']);
    // Numbered in order of randomization date, as imported: no slot of a generated sequence.
    expect(stored.allocations.slice(0, 3)).toEqual([
      [1001, '101-001', 'TRIPLE', 'PRIORRESP=NR', 'permuted-blocks', null],
      [1002, '102-001', 'TRIPLE', 'PRIORRESP=NR', 'permuted-blocks', null],
      [1003, '101-002', 'DOUBLE', 'PRIORRESP=NR', 'permuted-blocks', null],
    ]);
    expect(stored.allocations).toHaveLength(10);
    expect(stored.switched).toEqual([['EXT', 'SWITCH', 'DOUBLE', 'TRIPLE']]);
    expect(stored.visits).toEqual([
      ['SCR', '2006-01-04'],
      ['D0', '2006-01-18'],
      ['W1', '2006-01-25'],
      ['W2', '2006-02-01'],
      ['W4', '2006-02-15'],
      ['W8', '2006-03-15'],
      ['W12', '2006-04-12'],
      ['W16', '2006-05-10'],
    ]);
    const assay = 'QUANTITATIVE PCR (COBAS TAQMAN)';
    expect(stored.results).toContainEqual([
      'D0',
      '3000000',
      { kind: 'value', value: 3_000_000 },
      assay,
      'central_lab',
    ]);
    expect(stored.results).toContainEqual([
      'W12',
      '<15',
      { kind: 'below_lloq', lloq: 15 },
      assay,
      'central_lab',
    ]);
    expect(stored.results).toContainEqual([
      'W16',
      'TND',
      { kind: 'not_detected', lloq: 15 },
      assay,
      'central_lab',
    ]);
    expect(stored.tnd).toEqual({ kind: 'not_detected', lloq: 15 });
    expect(stored.aes).toEqual([
      {
        number: 1,
        verbatimTerm: 'Depressed mood',
        codedTerm: 'Depression',
        bodySystem: 'Psychiatric disorders',
        grade: 3,
        serious: false,
        relatedness: { CELGOSIVIR: 'not_related', PEGIFN: 'probable', RBV: 'unlikely' },
        onsetDate: '2006-02-08',
        endDate: null,
        outcome: 'recovering',
        actionTaken: 'drug_withdrawn',
      },
    ]);
    expect(stored.dispositions).toEqual([
      ['MAIN', 'discontinued', '2006-02-20', 'adverse_event', 'PEGIFN', 'Severe depression on peginterferon'],
    ]);
    // The visit out of its window opens a query, as on captured data.
    expect(stored.queries).toEqual([['visit:W8', 'visitDate', 'WINDOW']]);

    // Every write is audited, marked as imported, and the chain verifies.
    const audit = await w.services.audit.list(dm, auditQuerySchema.parse({ studyId, limit: 1000 }));
    expect(audit.length).toBeGreaterThan(100);
    expect(new Set(audit.map((a) => a.reason))).toEqual(
      new Set([
        'imported from SDTM datasets (dm.csv, suppdm.csv, sv.csv, lb.csv, ae.csv, suppae.csv, ds.csv, suppds.csv, ex.csv)',
      ]),
    );
    const verified = await w.services.audit.verify(dm, { studyId });
    expect(verified.ok).toBe(true);

    // The imported study analyses as captured data does (data cut: today, the default).
    const stat = await w.user([{ role: 'unblinded_statistician', studyId }]);
    const result = await w.services.analysis.analyze(stat, studyId);
    expect(result.warnings).toEqual([]);
    expect(result.disposition.consort).toMatchObject({
      screened: 12,
      screenFailures: 1,
      eligibleNotRandomized: 1,
      randomized: 10,
    });
    const nrItt = result.efficacy.find((s) => s.subset.level === 'NR' && s.population.code === 'ITT');
    const evr = nrItt?.endpoints.find((e) => e.code === 'EVR');
    expect(evr?.kind === 'responder' && evr.arms.map((a) => [a.arm, a.responders, a.denominator])).toEqual([
      ['TRIPLE', 2, 3],
      ['DOUBLE', 0, 2],
      ['CONTROL', 0, 2],
    ]);
    const ae = result.disposition.discontinuations.byReason.find((x) => x.reason === 'adverse_event');
    expect(ae?.total).toBe(1);
    expect(ae?.byDrug.filter((d) => d.total > 0).map((d) => d.drug)).toEqual(['PEGIFN']);
    expect(result.extension).not.toBeNull();
    // Elections keep the dates the datasets give, so a data cut in the trial's time still sees them.
    const atCut = await w.services.analysis.analyze(stat, studyId, { dataCut: '2006-12-31' });
    expect(atCut.extension?.continued).toBe(result.extension?.continued);
    expect(atCut.extension?.continued).toBeGreaterThan(0);
  });
});

describe.each(engines())('SDTM import refusals on $name', (engine) => {
  let db: Database;
  let w: World;
  let dm: Caller;
  beforeAll(async () => {
    db = await engine.open();
    w = world(db);
    dm = await w.user([{ role: 'data_manager' }]);
  });
  afterAll(() => db.close());

  it('writes nothing when one LB row is refused: no study, every table as it was', async () => {
    const before = await written(w, dm.userId);
    const i = input({ LB: onLine(40, ',IU/mL,', ',copies/mL,') });
    expect(await refusedRows(w.services.sdtmImport.importStudy(dm, i))).toEqual([
      {
        file: 'lb.csv',
        line: 40,
        reason: 'LBORRESU: unit "copies/mL" is not the unit of this measure (IU/mL)',
      },
    ]);
    expect(await written(w, dm.userId)).toEqual(before);
    expect((await w.services.studies.list(dm)).map((s) => s.code)).not.toContain(i.code);
  });

  it('names every refused row of every file, with the count in the message', async () => {
    const e = await w.services.sdtmImport
      .importStudy(
        dm,
        input({
          DM: onLine(1, 'SITEID', 'SITE'),
          AE: onLine(3, 'POSSIBLY RELATED', 'MAYBE'),
          DS: onLine(4, 'COMPLETED,COMPLETED', 'COMPLETED,DONE'),
        }),
      )
      .catch((x: unknown) => x);
    expect(isDomainError(e) && e.message).toMatch(
      /^4 row\(s\) of the SDTM datasets cannot be imported, so nothing was imported \(first: dm\.csv:1: missing required column\(s\) SITEID\)$/,
    );
    expect(isDomainError(e) && e.details?.issues).toEqual([
      { path: 'dm.csv:1', message: 'missing required column(s) SITEID' },
      { path: 'dm.csv:1', message: 'unknown column "SITE": not a variable of DM' },
      { path: 'ae.csv:3', message: expect.stringMatching(/^AEREL "MAYBE" is not a causality term/) },
      { path: 'ds.csv:4', message: expect.stringMatching(/^DSDECOD "DONE" is not a disposition term/) },
    ]);
  });

  it('names a record that is not valid CSV by its line', async () => {
    const rows = await refusedRows(
      w.services.sdtmImport.importStudy(
        dm,
        input({ AE: onLine(3, 'Nausea after capsules', '"Nausea" after') }),
      ),
    );
    // After a broken quote the rest of the file cannot be trusted: it is not read further.
    expect(rows[0]).toEqual({
      file: 'ae.csv',
      line: 3,
      reason: expect.stringMatching(/^not valid CSV: Invalid Closing Quote/),
    });
    expect(rows.every((r) => r.file === 'ae.csv' && r.reason.startsWith('not valid CSV'))).toBe(true);
  });

  it('refuses unknown columns and a dataset that is missing', async () => {
    expect(
      await refusedRows(
        w.services.sdtmImport.importStudy(dm, input({ AE: onLine(1, 'AEREL', 'AERELATED') })),
      ),
    ).toEqual([
      { file: 'ae.csv', line: 1, reason: 'missing required column(s) AEREL' },
      { file: 'ae.csv', line: 1, reason: 'unknown column "AERELATED": not a variable of AE' },
    ]);
    await expect(
      w.services.sdtmImport.importStudy(dm, input({ DS: null, SUPPDM: null })),
    ).rejects.toMatchObject({
      code: 'validation',
      message: 'The SDTM dataset(s) DS, SUPPDM are required (ds.csv, suppdm.csv)',
    });
  });

  it('validates the protocol as study create does', async () => {
    const i = input();
    await expect(
      w.services.sdtmImport.importStudy(dm, {
        ...i,
        protocolSource: i.protocolSource.replace('method: permuted-blocks', 'method: coin'),
      }),
    ).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('nr.yaml') });
  });

  it('refuses a study code that exists, writing nothing', async () => {
    const first = input();
    await w.services.sdtmImport.importStudy(dm, first);
    const before = await written(w, dm.userId);
    const again = input();
    await expect(
      w.services.sdtmImport.importStudy(dm, { ...again, protocolSource: first.protocolSource }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await written(w, dm.userId)).toEqual(before);
  });

  it('is allowed to an admin and a sponsor-wide data manager only', async () => {
    const admin = await w.admin();
    await expect(w.services.sdtmImport.importStudy(admin, input())).resolves.toMatchObject({
      counts: { subjects: 12 },
    });
    const other = await w.services.studies.create(admin, {
      source: input().protocolSource,
      fileName: 'x.yaml',
    });
    const refusedCallers = [
      await w.user([{ role: 'data_manager', studyId: other.id }]),
      await w.user([{ role: 'monitor', studyId: other.id }]),
      await w.user([{ role: 'unblinded_statistician', studyId: other.id }]),
      await w.user([{ role: 'central_lab', studyId: other.id }]),
    ];
    for (const caller of refusedCallers)
      await expect(w.services.sdtmImport.importStudy(caller, input())).rejects.toMatchObject({
        code: 'forbidden',
      });
  });
});
