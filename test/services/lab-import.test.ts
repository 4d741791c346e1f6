import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { auditQuerySchema } from '../../src/services/audit/audit.schemas.js';
import type { LabImportReport } from '../../src/services/capture/lab-import.service.js';
import { SYSTEM_ACTOR } from '../../src/services/caller.js';
import type { Caller } from '../../src/services/index.js';
import type { Database } from '../../src/store/database.js';
import { engines, unique } from '../support/engines.js';
import { readProtocol, world, type World } from '../support/fixtures.js';
import { eligibleNr, nrTrial, type Trial } from '../support/trial.js';

const HEADER = 'subject,visit,date,result,unit,lloq';
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const CONSENT = daysAgo(120);
const SAMPLED = daysAgo(30);

/** A CSV file: the header, then one line per row. */
const csv = (...lines: string[]): string => [HEADER, ...lines].join('\n') + '\n';

/** Chunks of a string as an upload would arrive: a few bytes at a time, split anywhere. */
async function* chunked(text: string, size = 7): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve(); // each chunk arrives later, as from a socket
    yield bytes.subarray(i, i + size);
  }
}

type StudyState = Record<
  'results' | 'imports' | 'forms' | 'verified' | 'queries' | 'messages' | 'signatures' | 'audit',
  number
>;

/** What an import may change in a study: none of it moves when an import is refused or a dry run. */
async function studyState(w: World, studyId: string): Promise<StudyState> {
  const { rows } = await sql<Record<string, string | number>>`
    select
      (select count(*) from results where study_id = ${studyId}) as results,
      (select count(*) from lab_imports where study_id = ${studyId}) as imports,
      (select count(*) from forms where study_id = ${studyId}) as forms,
      (select count(*) from forms where study_id = ${studyId} and sdv_at is not null) as verified,
      (select count(*) from queries where study_id = ${studyId}) as queries,
      (select count(*) from query_messages m join queries q on q.id = m.query_id where q.study_id = ${studyId}) as messages,
      (select count(*) from signatures where study_id = ${studyId} and invalidated_at is null) as signatures,
      (select count(*) from audit_log where study_id = ${studyId}) as audit
  `.execute(w.store.database.db);
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)])) as StudyState;
}

/** A study whose protocol has `visits` weekly visits measuring HCV RNA and no drug supply (no kits needed). */
function manyVisitsProtocol(visits: number): string {
  const doc = parse(readProtocol('protocols/celgosivir-nr-phase2.yaml')) as Record<string, unknown> & {
    drugs: Record<string, unknown>[];
    arms: Record<string, unknown>[];
  };
  const codes = Array.from({ length: visits }, (_, i) => (i === 0 ? 'D0' : `V${i}`));
  return stringify({
    ...doc,
    code: `lab-many-${unique()}`,
    drugs: doc.drugs.map(({ supply: _supply, ...d }) => d),
    arms: doc.arms.map(({ cap: _cap, ...a }) => a),
    phases: [{ code: 'MAIN', label: 'Main', kind: 'main', startVisit: 'D0', endVisit: codes.at(-1) }],
    visits: codes.map((code, i) => ({
      code,
      label: code,
      phase: 'MAIN',
      day: i * 7,
      window: { before: 0, after: 3 },
      measures: ['HCVRNA'],
    })),
    endpoints: [
      {
        code: 'LOGRED',
        label: 'Reduction',
        kind: 'change-from-baseline',
        measure: 'HCVRNA',
        transform: 'log10',
        baselineVisit: 'D0',
        visit: 'V1',
        direction: 'reduction',
        primary: true,
      },
    ],
    analysis: { populations: [{ code: 'ITT', label: 'All randomized', kind: 'all-randomized' }] },
  });
}

describe.each(engines())('central-lab import on $name', (engine) => {
  let database: Database;
  let w: World;
  let t: Trial;
  let lab: Caller;
  /** Screening numbers: randomized at site 1 (a, b, c), at site 2 (d), eligible only, screen failed. */
  let s: { a: string; b: string; c: string; d: string; eligible: string; failed: string };
  let ids: Record<string, string>;
  /** A subject of another study, and that study's data manager. */
  let stranger: string;
  let strangerDm: Caller;

  const imports = (
    caller: Caller,
    text: string,
    options: { dryRun: boolean; assay?: string; fileName?: string },
  ) => w.services.labImports.importCsv(caller, t.studyId, chunked(text), { assay: 'COBAS', ...options });
  const refusal = async (
    p: Promise<unknown>,
  ): Promise<{ code: string; message: string; report: LabImportReport }> => {
    const e = (await p.then(
      () => {
        throw new Error('expected the import to be refused');
      },
      (x: unknown) => x,
    )) as { code: string; message: string; details?: { report: LabImportReport } };
    return { code: e.code, message: e.message, report: e.details?.report as LabImportReport };
  };

  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
    t = await nrTrial(w, { sites: 2, kitsPerDrug: 6 });
    lab = await w.user([{ role: 'central_lab', studyId: t.studyId }]);
    const screen = async (site: number, answers = eligibleNr(), randomize = true) => {
      const subject = await w.services.subjects.screen(t.coordinators[site]!, t.studyId, {
        siteId: t.siteIds[site]!,
        answers,
        consentedOn: CONSENT,
      });
      if (randomize)
        await w.services.randomization.randomize(t.coordinators[site]!, subject.id, {
          requestId: randomUUID(),
          levels: {},
        });
      return subject;
    };
    const all = {
      a: await screen(0),
      b: await screen(0),
      c: await screen(0),
      d: await screen(1),
      eligible: await screen(0, eligibleNr(), false),
      failed: await screen(0, { ...eligibleNr(), age: 80 }, false),
    };
    s = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.screeningNumber])) as typeof s;
    ids = Object.fromEntries(Object.values(all).map((v) => [v.screeningNumber, v.id]));
    // Another study, whose site code is unlike this one's, so its subject's number is unknown here.
    const admin = await w.admin();
    const other = await w.services.studies.create(admin, {
      source: readProtocol('protocols/celgosivir-nr-phase2.yaml').replace(
        /^code: .*$/m,
        `code: lab-other-${unique()}`,
      ),
      fileName: 'other.yaml',
    });
    strangerDm = await w.user([{ role: 'data_manager', studyId: other.id }]);
    const site = await w.services.studies.createSite(strangerDm, other.id, { code: 'OTH', name: 'Other' });
    const coordinator = await w.user([{ role: 'site_coordinator', studyId: other.id, siteId: site.id }]);
    stranger = (
      await w.services.subjects.screen(coordinator, other.id, { siteId: site.id, answers: eligibleNr() })
    ).screeningNumber;
  });
  afterAll(() => database.close());

  it('reports a dry run row by row and writes nothing', async () => {
    const before = await studyState(w, t.studyId);
    const report = await imports(
      lab,
      csv(
        `${s.a},D0,${SAMPLED},2400000,IU/mL,15`,
        `${s.a},W1,${SAMPLED},6.2E7,IU/mL,15`,
        `${s.a},W2,${SAMPLED},lots,IU/mL,15`,
        `${s.a},W4,${SAMPLED},<15,IU/mL,`,
      ),
      { dryRun: true, fileName: 'batch-1.csv' },
    );
    expect(report).toMatchObject({
      dryRun: true,
      labImportId: null,
      fileName: 'batch-1.csv',
      rows: 4,
      valid: 3,
      toInsert: 3,
      inserted: 0,
      unchanged: 0,
      errorCount: 1,
      errors: [{ line: 4, message: 'result must be a number, not "lots"' }],
      warningCount: 1,
      warnings: [
        { line: 3, message: expect.stringMatching(/^result: .*please confirm \(edit check HCV_HIGH/) },
      ],
    });
    expect(report.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report).not.toHaveProperty('errorsTruncated');
    expect(await studyState(w, t.studyId)).toEqual(before);
  });

  it('imports a file in one audited transaction: results, forms, queries and one entry per batch', async () => {
    const before = await studyState(w, t.studyId);
    const text = csv(
      `${s.b},D0,${SAMPLED},2400000,IU/mL,15`,
      `${s.b},W1,${SAMPLED},6.2E7,IU/mL,15`,
      `${s.b},W2,${SAMPLED},<15,IU/mL,15`,
      `${s.b},W4,${SAMPLED},TND,IU/mL,`,
      `${s.d},D0,${SAMPLED},5.1,log10 IU/mL,15`,
    );
    const report = await imports(lab, text, { dryRun: false, fileName: 'batch-2.csv' });
    expect(report).toMatchObject({
      dryRun: false,
      rows: 5,
      valid: 5,
      toInsert: 5,
      inserted: 5,
      unchanged: 0,
      errorCount: 0,
      warningCount: 1,
      queriesOpened: 1,
    });
    expect(report.labImportId).toEqual(expect.any(String));
    const results = (await w.store.read((r) => r.capture.results(ids[s.b]!))).sort((x, y) =>
      x.visitCode.localeCompare(y.visitCode),
    );
    expect(results.map((r) => [r.visitCode, r.reported, r.result, r.source, r.labImportId, r.assay])).toEqual(
      [
        ['D0', '2400000', { kind: 'value', value: 2_400_000 }, 'central_lab', report.labImportId, 'COBAS'],
        ['W1', '6.2E7', { kind: 'value', value: 62_000_000 }, 'central_lab', report.labImportId, 'COBAS'],
        ['W2', '<15', { kind: 'below_lloq', lloq: 15 }, 'central_lab', report.labImportId, 'COBAS'],
        ['W4', 'TND', { kind: 'not_detected', lloq: 15 }, 'central_lab', report.labImportId, 'COBAS'],
      ],
    );
    const forms = await w.store.read((r) => r.capture.forms(ids[s.b]!));
    expect(forms.map((f) => f.formKey)).toEqual(['visit:D0', 'visit:W1', 'visit:W2', 'visit:W4']);

    // The soft finding opened a query on the data point, as the edit check.
    const queries = await w.store.read((r) => r.queries.list(t.studyId, { subjectId: ids[s.b] }));
    expect(queries).toMatchObject([
      { form: 'visit:W1', field: 'HCVRNA.result', origin: 'edit_check', check: 'HCV_HIGH', status: 'open' },
    ]);
    expect(await w.store.read((r) => r.queries.messages(queries[0]!.id))).toMatchObject([
      { kind: 'open', authorName: 'edit check HCV_HIGH', authorRole: 'system', text: queries[0]!.text },
    ]);

    const imported = await w.services.labImports.list(lab, t.studyId);
    expect(imported[0]).toMatchObject({
      id: report.labImportId,
      fileName: 'batch-2.csv',
      sha256: report.sha256,
      rows: 5,
      inserted: 5,
      unchanged: 0,
      importedByName: lab.username,
    });

    const audit = (q: Record<string, unknown>) =>
      w.services.audit.list(t.dm, auditQuerySchema.parse({ studyId: t.studyId, ...q }));
    const mine = await audit({ entityId: report.labImportId });
    expect(mine.map((e) => e.action)).toEqual(['lab.import', 'result.import']);
    expect(mine[0]).toMatchObject({ actorName: lab.username, actorRole: 'central_lab' });
    const { columns, results: listed } = mine[1]?.newValue as { columns: string[]; results: unknown[][] };
    expect(listed).toHaveLength(5);
    expect(Object.fromEntries(columns.map((c, i) => [c, listed[4]?.[i]]))).toEqual({
      line: 6,
      subject: s.d,
      visit: 'D0',
      measure: 'HCVRNA',
      collectedOn: SAMPLED,
      reported: '5.1',
      unit: 'log10 IU/mL',
      kind: 'value',
      value: expect.closeTo(10 ** 5.1, 6),
      lloq: null,
      assay: 'COBAS',
    });
    expect((await audit({ entityId: queries[0]!.id })).map((e) => e.action)).toEqual(['query.open']);
    expect((await w.services.audit.verify(t.dm, { studyId: t.studyId })).ok).toBe(true);

    const after = await studyState(w, t.studyId);
    expect(after.results - before.results).toBe(5);
    expect(after.imports - before.imports).toBe(1);

    // The same file again: every row unchanged, nothing written, not even an import record.
    const again = await imports(lab, text, { dryRun: false, fileName: 'batch-2.csv' });
    expect(again).toMatchObject({
      labImportId: null,
      rows: 5,
      toInsert: 0,
      inserted: 0,
      unchanged: 5,
      errorCount: 0,
    });
    expect(await studyState(w, t.studyId)).toEqual(after);
  });

  it('refuses the whole file for one bad row among good ones, naming its line', async () => {
    const before = await studyState(w, t.studyId);
    const { code, message, report } = await refusal(
      imports(
        lab,
        csv(
          `${s.c},D0,${SAMPLED},2400000,IU/mL,15`,
          `${s.c},W1,${SAMPLED},2400000,mg/L,15`,
          `${s.c},W2,${SAMPLED},<15,IU/mL,15`,
        ),
        { dryRun: false },
      ),
    );
    expect(code).toBe('validation');
    expect(message).toMatch(
      /^1 of 3 row\(s\) cannot be imported, so nothing was imported \(first: line 3: Unit "mg\/L"/,
    );
    expect(report).toMatchObject({
      dryRun: false,
      rows: 3,
      valid: 2,
      toInsert: 2,
      inserted: 0,
      errorCount: 1,
    });
    expect(report.errors).toEqual([
      { line: 3, message: 'Unit "mg/L" is not the unit of this measure (IU/mL)' },
    ]);
    expect(await studyState(w, t.studyId)).toEqual(before);
  });

  it('gives every reason a row can be refused for, each with its line', async () => {
    // A result to differ from.
    await imports(lab, csv(`${s.c},W8,${SAMPLED},2400000,IU/mL,15`), { dryRun: false });
    const before = await studyState(w, t.studyId);
    const rows = [
      `${stranger},W4,${SAMPLED},2400000,IU/mL,15`,
      `NOBODY-S999,W4,${SAMPLED},2400000,IU/mL,15`,
      `${s.failed},SCR,${SAMPLED},2400000,IU/mL,15`,
      `${s.eligible},W12,${SAMPLED},2400000,IU/mL,15`,
      `${s.c},W99,${SAMPLED},2400000,IU/mL,15`,
      `${s.c},W4,${SAMPLED},2,4 million,IU/mL,15`,
      `${s.c},W4,${SAMPLED},2400000,copies,15`,
      `${s.c},W4,${SAMPLED},2e9,IU/mL,15`,
      `${s.c},W4,${SAMPLED},0,IU/mL,15`,
      `${s.c},W4,${daysAgo(-3)},2400000,IU/mL,15`,
      `${s.c},W4,${daysAgo(200)},2400000,IU/mL,15`,
      `${s.c},W12,${SAMPLED},2400000,IU/mL,15`,
      `${s.c},W12,${SAMPLED},2400000,IU/mL,15`,
      `${s.c},W8,${SAMPLED},3100000,IU/mL,15`,
      `${s.c},W8,2025-13-01,3100000,IU/mL,15`,
      `${s.c},W2,${SAMPLED},2.4.6,IU/mL,15`,
    ];
    const report = await imports(lab, csv(...rows), { dryRun: true });
    expect(report.errors).toEqual([
      { line: 2, message: `subject: ${stranger} is not a subject of this study` },
      { line: 3, message: 'subject: NOBODY-S999 is not a subject of this study' },
      {
        line: 4,
        message: `visit: SCR for ${s.failed}: the subject failed screening: no study data is recorded`,
      },
      {
        line: 5,
        message: `visit: W12 for ${s.eligible}: the subject is not randomized: W12 is on or after day 0`,
      },
      { line: 6, message: 'visit: W99 is not a visit of the protocol' },
      { line: 7, message: 'has 7 field(s) where the header has 6' },
      { line: 8, message: 'Unit "copies" is not the unit of this measure (IU/mL)' },
      {
        line: 9,
        message: expect.stringMatching(
          /^result: HCV RNA .* 2e\+9 IU\/mL is implausible.*\(edit check PLAUSIBLE\)$/,
        ),
      },
      {
        line: 10,
        message: expect.stringMatching(
          /^result: HCV RNA .* 0 IU\/mL is implausible.*\(edit check PLAUSIBLE\)$/,
        ),
      },
      { line: 11, message: expect.stringMatching(/^date: .* is in the future .*\(edit check NOT_FUTURE\)$/) },
      {
        line: 12,
        message: `date: ${daysAgo(200)} is before informed consent (${CONSENT}) (edit check AFTER_CONSENT)`,
      },
      { line: 14, message: `${s.c} W12 HCVRNA: this result is already on line 13 of the file` },
      {
        line: 15,
        message: `${s.c} W8 HCVRNA: a different result is already recorded (2400000 IU/mL, sampled ${SAMPLED}, from a central-lab import); change it in the casebook with a reason for change`,
      },
      { line: 16, message: 'date: must be a real date written YYYY-MM-DD, not "2025-13-01"' },
      { line: 17, message: 'result must be a number, not "2.4.6"' },
    ]);
    expect(report).toMatchObject({ rows: 16, valid: 1, toInsert: 1, errorCount: 15 });
    const measured = await w.services.labImports.importCsv(
      lab,
      t.studyId,
      chunked(`${HEADER},measure\n${s.c},W4,${SAMPLED},40,U/L,,ALT\n`),
      { dryRun: true, assay: 'COBAS' },
    );
    expect(measured.errors).toEqual([{ line: 2, message: 'measure: ALT is not a measure of the protocol' }]);
    const refused = await refusal(imports(lab, csv(...rows), { dryRun: false }));
    expect(refused.report.errors).toEqual(report.errors);
    expect(await studyState(w, t.studyId)).toEqual(before);
  });

  it('refuses a header without the columns it needs, naming them, and an empty file', async () => {
    const before = await studyState(w, t.studyId);
    for (const dryRun of [true, false]) {
      const e = await refusal(
        w.services.labImports.importCsv(
          lab,
          t.studyId,
          chunked(`Subject,visit,value,unit\n${s.a},W8,1,IU/mL\n`),
          {
            dryRun,
          },
        ),
      );
      expect(e.code).toBe('validation');
      expect(e.message).toMatch(/: missing date, result, lloq; unknown column "value"$/);
      const empty = await refusal(w.services.labImports.importCsv(lab, t.studyId, chunked(''), { dryRun }));
      expect(empty.message).toMatch(/^The file is empty/);
    }
    const badOptions = await refusal(
      w.services.labImports.importCsv(lab, t.studyId, chunked(csv()), { dryRun: 'yes' } as never),
    );
    expect(badOptions.code).toBe('validation');
    expect(await studyState(w, t.studyId)).toEqual(before);
  });

  it('reports malformed CSV on its line and imports nothing', async () => {
    const report = await imports(
      lab,
      csv(`${s.a},W8,${SAMPLED},"2400000",IU/mL,15`, `${s.a},W12,${SAMPLED},"24"00,IU/mL,15`),
      { dryRun: true },
    );
    expect(report.errors).toEqual([
      { line: 3, message: expect.stringMatching(/^not valid CSV: Invalid Closing Quote/) },
    ]);
  });

  it('clears the source-data verification of the touched forms and invalidates the signatures', async () => {
    const subject = { id: ids[s.a]!, studyId: t.studyId, siteId: t.siteIds[0]! };
    const monitor = await w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[0] }]);
    await w.store.write(SYSTEM_ACTOR, async (r) => {
      await r.capture.formChanged(subject, 'visit:W8');
      await r.capture.setSdv(subject, 'visit:W8', monitor.userId, true);
      await r.capture.sign(subject, {
        signedBy: t.investigators[0]!.userId,
        signerName: 'Investigator',
        meaning: 'approval',
        statement: 'I approve',
      });
    });
    const report = await imports(lab, csv(`${s.a},W8,${SAMPLED},2400000,IU/mL,15`), { dryRun: false });
    expect(report).toMatchObject({ inserted: 1, sdvReset: 1, signaturesInvalidated: 1 });
    const form = await w.store.read((r) => r.capture.form(subject.id, 'visit:W8'));
    expect(form).toMatchObject({ sdvAt: null, sdvBy: null });
    const [signature] = await w.store.read((r) => r.capture.signatures(subject.id));
    expect(signature?.invalidatedAt).toBeInstanceOf(Date);
    expect(signature?.invalidatedReason).toMatch(/central-lab import/);
    const audit = (entityId: string) =>
      w.services.audit.list(t.dm, auditQuerySchema.parse({ studyId: t.studyId, entityId }));
    expect((await audit(`${subject.id}/visit:W8`)).map((e) => e.action)).toEqual(['sdv.verify', 'sdv.reset']);
    expect((await audit(signature!.id)).map((e) => e.action)).toEqual([
      'signature.sign',
      'signature.invalidate',
    ]);
  });

  it('refuses the roles that may not import, and lets the lab readers list', async () => {
    const before = await studyState(w, t.studyId);
    const monitor = await w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[0] }]);
    for (const caller of [t.coordinators[0]!, t.investigators[0]!, monitor, t.stat, t.supply, strangerDm])
      await expect(
        imports(caller, csv(`${s.a},W12,${SAMPLED},2400000,IU/mL,15`), { dryRun: true }),
      ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(w.services.labImports.list(t.coordinators[0]!, t.studyId)).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect((await w.services.labImports.list(monitor, t.studyId)).length).toBeGreaterThan(0);
    // The data manager may import for the lab.
    const dry = await imports(t.dm, csv(`${s.a},W12,${SAMPLED},2400000,IU/mL,15`), { dryRun: true });
    expect(dry).toMatchObject({ toInsert: 1, errorCount: 0 });
    expect(await studyState(w, t.studyId)).toEqual(before);
  });

  it('refuses an import into a locked study, dry run or not', async () => {
    const admin = await w.admin();
    const study = await w.services.studies.create(admin, {
      source: readProtocol('protocols/celgosivir-nr-phase2.yaml').replace(
        /^code: .*$/m,
        `code: lab-lock-${unique()}`,
      ),
      fileName: 'locked.yaml',
    });
    const lockedLab = await w.user([{ role: 'central_lab', studyId: study.id }]);
    await w.store.write(SYSTEM_ACTOR, async (r) => {
      const record = await r.studies.get(study.id);
      await r.studies.setStatus(record!, 'locked', 'database lock');
    });
    for (const dryRun of [true, false])
      await expect(
        w.services.labImports.importCsv(
          lockedLab,
          study.id,
          chunked(csv('X-S001,W12,2025-01-01,15,IU/mL,15')),
          {
            dryRun,
          },
        ),
      ).rejects.toMatchObject({ code: 'study_locked' });
    expect(await studyState(w, study.id)).toMatchObject({ results: 0, imports: 0 });
  });

  it('streams a 5,000-row file in small chunks, with one audit entry per 1,000 results', async () => {
    const admin = await w.admin();
    const study = await w.services.studies.create(admin, {
      source: manyVisitsProtocol(100),
      fileName: 'many.yaml',
    });
    const dm = await w.user([{ role: 'data_manager', studyId: study.id }]);
    const site = await w.services.studies.createSite(dm, study.id, { code: 'BIG', name: 'Big' });
    const coordinator = await w.user([{ role: 'site_coordinator', studyId: study.id, siteId: site.id }]);
    const numbers: string[] = [];
    for (let i = 0; i < 50; i++) {
      const subject = await w.services.subjects.screen(coordinator, study.id, {
        siteId: site.id,
        answers: eligibleNr(),
        consentedOn: CONSENT,
      });
      await w.services.randomization.randomize(coordinator, subject.id, {
        requestId: randomUUID(),
        levels: {},
      });
      numbers.push(subject.screeningNumber);
    }
    let produced = 0;
    async function* rows(): AsyncGenerator<string> {
      yield `${HEADER},assay\n`;
      for (const n of numbers) {
        await new Promise<void>((resolve) => setImmediate(resolve)); // a subject's rows arrive at a time
        for (let v = 0; v < 100; v++) {
          produced++;
          yield `${n},${v === 0 ? 'D0' : `V${v}`},${SAMPLED},${1000 + v * 17},IU/mL,15,COBAS\n`;
        }
      }
    }
    const bigLab = await w.user([{ role: 'central_lab', studyId: study.id }]);
    const report = await w.services.labImports.importCsv(bigLab, study.id, rows(), {
      dryRun: false,
      fileName: 'big.csv',
    });
    expect(produced).toBe(5000);
    expect(report).toMatchObject({ rows: 5000, inserted: 5000, errorCount: 0, unchanged: 0 });
    expect(await studyState(w, study.id)).toMatchObject({ results: 5000, forms: 5000, imports: 1 });
    const entries = await w.services.audit.list(
      dm,
      auditQuerySchema.parse({ studyId: study.id, action: 'result.import', limit: 100 }),
    );
    expect(entries.map((e) => (e.newValue as { results: unknown[] }).results.length)).toEqual([
      1000, 1000, 1000, 1000, 1000,
    ]);
    expect((await w.services.audit.verify(dm, { studyId: study.id })).ok).toBe(true);
  });
});
