import { randomUUID } from 'node:crypto';
import { latestDateOnEarth } from '../../core/capture/dates.js';
import { formKey } from '../../core/capture/vocabulary.js';
import { conflict, DomainError, validationError } from '../../core/errors.js';
import {
  fileOf,
  planImport,
  SDTM_DOMAINS,
  type ImportPlan,
  type SdtmDataset,
  type SdtmDomain,
  type SdtmIssue,
  type SoftFinding,
} from '../../core/sdtm/index.js';
import type { SubjectRef } from '../../store/repositories/capture.repository.js';
import type { StagedResult } from '../../store/repositories/lab-import.repository.js';
import type { Repositories, Store } from '../../store/store.js';
import { authorize, type Caller } from '../caller.js';
import { readProtocolSource } from '../studies/study.service.js';
import type { CsvSource } from './sdtm-csv.js';
import { readDatasetFile } from './sdtm-files.js';

export type { CsvSource } from './sdtm-csv.js';

/**
 * One dataset's file: its name (for messages and the audit trail; its extension says the format:
 * `.xpt`, `.json`, `.ndjson`, else CSV) and its bytes.
 */
export interface SdtmFile {
  readonly fileName: string;
  readonly source: CsvSource;
}

export interface SdtmImportInput {
  /** The protocol file's text (YAML or JSON), validated as `study create` does. */
  readonly protocolSource: string;
  readonly protocolFileName: string;
  /** Each domain's file: DM, LB, AE and DS always, SUPPDM when the protocol stratifies; the rest optional. */
  readonly datasets: Readonly<Partial<Record<SdtmDomain, SdtmFile>>>;
}

/** What an import created. */
export interface SdtmImportSummary {
  readonly study: { readonly id: string; readonly code: string; readonly title: string };
  readonly counts: {
    readonly sites: number;
    readonly subjects: number;
    readonly randomized: number;
    readonly screenFailures: number;
    readonly eligibleNotRandomized: number;
    readonly allocations: number;
    readonly reassignments: number;
    readonly visits: number;
    readonly results: number;
    readonly adverseEvents: number;
    readonly dispositions: number;
    /** Queries the protocol's soft edit checks opened on imported data, as on captured data. */
    readonly queriesOpened: number;
  };
  readonly files: readonly {
    readonly domain: SdtmDomain;
    readonly fileName: string;
    readonly sha256: string;
    readonly rows: number;
  }[];
  /** Rows accepted and not stored, dates derived. */
  readonly notes: readonly string[];
}

/** Datasets every import needs. */
const REQUIRED: readonly SdtmDomain[] = ['DM', 'LB', 'AE', 'DS'];
/** Results staged per round trip. */
const BATCH_ROWS = 2000;

/** The error of an import with refused rows: nothing was written; `details.errors` lists each. */
function refused(issues: readonly SdtmIssue[], count: number): DomainError {
  const first = issues[0];
  return new DomainError(
    'validation',
    `${count} row(s) of the SDTM datasets cannot be imported, so nothing was imported` +
      (first ? ` (first: ${first.file}:${first.line}: ${first.reason})` : ''),
    {
      issues: issues.map((i) => ({ path: `${i.file}:${i.line}`, message: i.reason })),
      errors: issues,
      errorCount: count,
    },
  );
}

/**
 * Creates a study from a completed trial's SDTM datasets (one file per domain: CSV, SAS transport v5
 * or Dataset-JSON 1.1, by extension): the protocol is
 * validated as for `study create`, every row of every dataset is mapped onto it and checked as
 * captured data is (visit rules, edit checks), and only then is anything written: the study, its
 * sites, subjects, allocations, extension re-assignments, visits, results, adverse events and
 * dispositions, with their forms, the queries of soft edit checks and every audit entry, in one
 * transaction. Any refused row and nothing is written; the error names each with file, line, reason.
 */
export class SdtmImportService {
  constructor(private readonly store: Store) {}

  async importStudy(caller: Caller, input: SdtmImportInput): Promise<SdtmImportSummary> {
    const actor = authorize(caller, 'study.import');
    const { protocol, sha256 } = readProtocolSource({
      source: input.protocolSource,
      fileName: input.protocolFileName,
    });
    const required = [
      ...REQUIRED,
      ...(protocol.stratification.factors.length > 0 ? ['SUPPDM' as const] : []),
    ];
    const missing = required.filter((d) => input.datasets[d] === undefined);
    if (missing.length > 0)
      throw validationError(
        `The SDTM dataset(s) ${missing.join(', ')} are required (${missing.map(fileOf).join(', ')})`,
        missing.map((d) => ({ path: fileOf(d), message: `the ${d} dataset is required` })),
      );

    const datasets: Partial<Record<SdtmDomain, SdtmDataset>> = {};
    const files: SdtmImportSummary['files'][number][] = [];
    for (const domain of SDTM_DOMAINS) {
      const file = input.datasets[domain];
      if (!file) continue;
      const read = await readDatasetFile(domain, file.fileName, file.source);
      datasets[domain] = read.dataset;
      files.push({ domain, fileName: file.fileName, sha256: read.sha256, rows: read.rows });
    }
    const outcome = planImport(protocol, datasets, latestDateOnEarth());
    if (!outcome.ok) throw refused(outcome.issues, outcome.issueCount);
    const { plan } = outcome;
    const lb = files.find((f) => f.domain === 'LB');

    return this.store.write(
      actor,
      async (r) => {
        if (await r.studies.getByCode(protocol.code))
          throw conflict(`A study with code "${protocol.code}" already exists: nothing was imported`, {
            field: 'code',
          });
        const study = await r.studies.create({
          code: protocol.code,
          title: protocol.title,
          protocol,
          sourceSha256: sha256,
          createdBy: caller.userId,
        });
        const written = await writePlan(r, study.id, plan, caller.userId, {
          method: protocol.randomization.method,
          lbFile: lb ?? null,
        });
        return {
          study: { id: study.id, code: study.code, title: study.title },
          counts: {
            sites: plan.sites.length,
            subjects: plan.subjects.length,
            randomized: plan.subjects.filter((s) => s.status === 'randomized').length,
            screenFailures: plan.subjects.filter((s) => s.status === 'screen_failed').length,
            eligibleNotRandomized: plan.subjects.filter((s) => s.status === 'eligible').length,
            allocations: plan.allocations.length,
            reassignments: plan.elections.length,
            visits: plan.visits.length,
            results: written.results,
            adverseEvents: plan.adverseEvents.length,
            dispositions: plan.dispositions.length,
            queriesOpened: written.queriesOpened,
          },
          files,
          notes: plan.notes,
        };
      },
      { reason: `imported from SDTM datasets (${files.map((f) => f.fileName).join(', ')})` },
    );
  }
}

/** Writes the plan of a new study, through the repositories (each write audited). */
async function writePlan(
  r: Repositories,
  studyId: string,
  plan: ImportPlan,
  userId: string,
  options: {
    readonly method: 'permuted-blocks' | 'minimization';
    readonly lbFile: { readonly fileName: string; readonly sha256: string; readonly rows: number } | null;
  },
): Promise<{ results: number; queriesOpened: number }> {
  const siteIds = new Map<string, string>();
  for (const s of plan.sites) siteIds.set(s.code, (await r.sites.create({ studyId, ...s })).id);

  const subjects = new Map<string, SubjectRef & { screeningNumber: string }>();
  for (const s of plan.subjects) {
    const siteId = siteIds.get(s.siteCode);
    if (!siteId) throw new Error(`sdtm import: site ${s.siteCode} was not created`);
    const created = await r.subjects.create({
      studyId,
      siteId,
      screeningNumber: s.screeningNumber,
      status: s.status,
      protocolVersion: 1,
      answers: s.answers,
      eligibility: s.eligibility,
      levels: s.levels,
      consentedOn: s.consentedOn,
      createdBy: userId,
    });
    subjects.set(s.usubjid, { id: created.id, studyId, siteId, screeningNumber: created.screeningNumber });
  }
  const subject = (usubjid: string): SubjectRef & { screeningNumber: string } => {
    const s = subjects.get(usubjid);
    if (!s) throw new Error(`sdtm import: subject ${usubjid} was not created`);
    return s;
  };

  // Imported allocations: numbered in order, no slot of a generated sequence (there is no seed).
  if (plan.allocations.length > 0) await r.randomization.lockStudy(studyId);
  for (const a of plan.allocations) {
    const s = subject(a.usubjid);
    await r.randomization.allocate({
      studyId,
      subjectId: s.id,
      siteId: s.siteId,
      sequenceNumber: a.sequenceNumber,
      stratumKey: a.stratumKey,
      slotIndex: null,
      nextSlot: null,
      skipped: [],
      armCode: a.arm,
      method: options.method,
      requestId: randomUUID(),
      protocolVersion: 1,
      allocatedBy: userId,
    });
  }
  for (const e of plan.elections)
    await r.randomization.reassign({
      studyId,
      subjectId: subject(e.usubjid).id,
      phaseCode: e.phase,
      optionCode: e.option,
      fromArm: e.fromArm,
      toArm: e.toArm,
      createdBy: userId,
      electedOn: e.date,
    });

  let queriesOpened = 0;
  const softQueries = async (
    s: SubjectRef,
    form: string,
    findings: readonly SoftFinding[],
    field = (p: string) => p,
  ) => {
    for (const f of findings) {
      await r.queries.open(
        s,
        { form, field: field(f.path), text: f.message, origin: 'edit_check', check: f.check },
        { id: null, name: `edit check ${f.check}`, role: 'system' },
      );
      queriesOpened++;
    }
  };

  for (const v of plan.visits) {
    const s = subject(v.usubjid);
    await r.capture.saveVisit(s, v.visit, v.date, userId, undefined);
    await r.capture.formChanged(s, formKey.visit(v.visit));
    await softQueries(s, formKey.visit(v.visit), v.findings);
  }

  // Results the way the central-lab import writes them: staged, then inserted in a few statements.
  let results = 0;
  if (plan.results.length > 0 && options.lbFile) {
    await r.labImports.openStaging();
    for (let i = 0; i < plan.results.length; i += BATCH_ROWS)
      await r.labImports.stage(
        plan.results.slice(i, i + BATCH_ROWS).map((x): StagedResult => {
          const s = subject(x.usubjid);
          return {
            line: x.line,
            subjectId: s.id,
            siteId: s.siteId,
            subject: s.screeningNumber,
            visit: x.visit,
            measure: x.measure,
            collectedOn: x.collectedOn,
            result: x.result,
            reported: x.reported,
            unit: x.unit,
            assay: x.assay,
            warnings: x.findings,
          };
        }),
      );
    const summary = await r.labImports.stagedSummary();
    if (summary.problems > 0) throw new Error('sdtm import: the staged results repeat a data point');
    const committed = await r.labImports.commit({
      studyId,
      fileName: options.lbFile.fileName,
      sha256: options.lbFile.sha256,
      rows: options.lbFile.rows,
      toInsert: summary.toInsert,
      unchanged: 0,
      userId,
    });
    results = committed.inserted;
    queriesOpened += committed.queriesOpened;
  }

  for (const e of plan.adverseEvents) {
    const s = subject(e.usubjid);
    const { usubjid: _u, line: _l, findings, ...data } = e;
    const record = await r.capture.insertAdverseEvent(s, data, userId);
    await r.capture.formChanged(s, formKey.adverseEvent(record.number));
    await softQueries(s, formKey.adverseEvent(record.number), findings);
  }
  for (const d of plan.dispositions) {
    const s = subject(d.usubjid);
    await r.capture.saveDisposition(
      s,
      d.phase,
      { status: d.status, date: d.date, reason: d.reason, relatedDrug: d.relatedDrug, detail: d.detail },
      userId,
      undefined,
    );
    await r.capture.formChanged(s, formKey.disposition(d.phase));
    await softQueries(s, formKey.disposition(d.phase), d.findings);
  }
  return { results, queriesOpened };
}
