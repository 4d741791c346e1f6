import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { parse, stringify } from 'yaml';
import type { AnalysisInput } from '../src/core/analysis/index.js';
import { addDays } from '../src/core/capture/dates.js';
import { DISCONTINUATION_REASONS } from '../src/core/capture/vocabulary.js';
import { evaluateEligibility } from '../src/core/eligibility/evaluate.js';
import type { MeasureResult } from '../src/core/labs/result.js';
import type { Protocol } from '../src/core/protocol/schema.js';
import { stratumKeyOf } from '../src/core/randomization/from-protocol.js';
import { FIRST_RANDOMIZATION_NUMBER } from '../src/store/repositories/randomization.repository.js';
import type { DB } from '../src/store/schema.js';
import { eligibleNr } from '../test/support/trial.js';

// The analysis bench's study: a protocol of 12 visits, its synthetic data written straight into the
// tables the analysis reads (rows as the services write them), and the same data as CSV files for R.

const REFERENCE = new URL('../protocols/celgosivir-nr-phase2.yaml', import.meta.url);
const ASSAY = 'COBAS TaqMan HCV v2';

/**
 * The reference NR protocol (11 visits) with a twelfth, W20 in the extension, and no arm caps (the
 * bench randomizes thousands), under `code`.
 */
export function benchProtocol(code: string): string {
  const doc = parse(readFileSync(REFERENCE, 'utf8')) as Record<string, unknown> & {
    arms: Record<string, unknown>[];
    visits: { code: string }[];
  };
  const visits = [...doc.visits];
  visits.splice(
    visits.findIndex((v) => v.code === 'W24'),
    0,
    {
      code: 'W20',
      label: 'Week 20 (extension)',
      phase: 'EXT',
      day: 140,
      window: { before: 7, after: 7 },
      measures: ['HCVRNA'],
    } as { code: string },
  );
  return stringify({ ...doc, code, arms: doc.arms.map(({ cap: _cap, ...a }) => a), visits });
}

/** How a lab reports a result (the `reported` column). */
const reported = (r: MeasureResult): string =>
  r.kind === 'value' ? String(r.value) : r.kind === 'below_lloq' ? `<${r.lloq}` : 'TND';

/** A timestamp on a date, for the columns the loader reads back as a UTC date. */
const at = (date: string, time: string): string => `${date}T${time}Z`;

/**
 * Writes the input into the study's tables in one transaction, one set-based insert per table (a
 * fixture may bypass the services, not their rows): sites, subjects with answers, eligibility and
 * levels, allocations (randomization number and sequence in order of randomization, stratum and slot,
 * method, request id), the randomization counters, re-assignments, visits (D0 included), results,
 * adverse events and dispositions. The service's loader reads them back as the same input.
 */
export async function loadIntoDatabase(
  db: Kysely<DB>,
  protocol: Protocol,
  studyId: string,
  input: AnalysisInput,
  userId: string,
): Promise<void> {
  const siteCodes = [...new Set(input.subjects.map((s) => s.siteCode))].sort();
  const subjectIds = new Map(input.subjects.map((s) => [s.id, randomUUID()] as const));
  const uuid = (syntheticId: string): string => {
    const id = subjectIds.get(syntheticId);
    if (!id) throw new Error(`no subject ${syntheticId} in the synthetic study`);
    return id;
  };
  const firstDay = input.subjects.find((s) => s.randomization)?.randomization?.date ?? input.dataCut;
  // Screening answers: eligible or not, with the prior response the subject's level comes from.
  const variants = new Map<string, number>();
  const answers: string[] = [];
  const eligibility: string[] = [];
  const variantOf = (failed: boolean, level: string | undefined): number => {
    const key = `${failed}:${level}`;
    let i = variants.get(key);
    if (i === undefined) {
      const a = { ...eligibleNr(level === 'PR' ? 'PR' : 'NR'), ...(failed ? { hcvGenotype: '3' } : {}) };
      answers.push(JSON.stringify(a));
      eligibility.push(JSON.stringify(evaluateEligibility(protocol, a)));
      variants.set(key, (i = answers.length));
    }
    return i;
  };
  const factor = protocol.stratification.factors.find((f) => f.fromField === 'priorResponse')?.code;
  const minimization = protocol.randomization.method === 'minimization';

  await db.transaction().execute(async (trx) => {
    const { rows: sites } = await sql<{ id: string; code: string }>`
      insert into sites (study_id, code, name)
      select ${studyId}::uuid, code, 'Bench site ' || code from unnest(${siteCodes}::text[]) as code
      returning id, code`.execute(trx);
    const siteIds = new Map(sites.map((s) => [s.code, s.id] as const));
    const siteOf = new Map(input.subjects.map((s) => [s.id, siteIds.get(s.siteCode) ?? ''] as const));
    const site = (syntheticId: string): string => siteOf.get(syntheticId) ?? '';

    const s = input.subjects;
    const variant = s.map((x) => variantOf(x.status === 'screen_failed', factor && x.levels[factor]));
    await sql`
      insert into subjects (id, study_id, site_id, screening_number, status, protocol_version, answers,
        eligibility, levels, consented_on, created_by)
      select u.id, ${studyId}::uuid, u.site_id, u.number, u.status, 1, (${answers}::jsonb[])[u.variant],
        (${eligibility}::jsonb[])[u.variant], u.levels, u.consented_on, ${userId}::uuid
      from unnest(${s.map((x) => uuid(x.id))}::uuid[], ${s.map((x) => site(x.id))}::uuid[],
        ${s.map((x) => x.screeningNumber)}::text[], ${s.map((x) => x.status)}::text[],
        ${variant}::int[],
        ${s.map((x) => JSON.stringify(x.levels))}::jsonb[],
        ${s.map((x) => addDays(x.randomization?.date ?? firstDay, -28))}::date[])
        as u(id, site_id, number, status, variant, levels, consented_on)`.execute(trx);

    // Allocations in order of randomization: the sequence, and the slots of each stratum in turn.
    const randomized = s.flatMap((x) => (x.randomization ? [{ ...x, randomization: x.randomization }] : []));
    const slots = new Map<string, number>();
    const strata = randomized.map((x) => (minimization ? 'MINIMIZATION' : stratumKeyOf(protocol, x.levels)));
    const slotIndex = strata.map((k) => {
      const next = slots.get(k) ?? 0;
      slots.set(k, next + 1);
      return minimization ? null : next;
    });
    await sql`
      insert into allocations (study_id, subject_id, site_id, randomization_number, sequence_number,
        stratum_key, slot_index, arm_code, method, request_id, protocol_version, allocated_at, allocated_by)
      select ${studyId}::uuid, u.subject_id, u.site_id, ${FIRST_RANDOMIZATION_NUMBER}::int + u.seq - 1, u.seq - 1,
        u.stratum, u.slot, u.arm, ${protocol.randomization.method}::text, u.request_id, 1, u.allocated_at,
        ${userId}::uuid
      from unnest(${randomized.map((x) => uuid(x.id))}::uuid[], ${randomized.map((x) => site(x.id))}::uuid[],
        ${strata}::text[], ${slotIndex}::int[], ${randomized.map((x) => x.randomization.arm)}::text[],
        ${randomized.map(() => randomUUID())}::uuid[],
        ${randomized.map((x) => at(x.randomization.date, '09:00:00'))}::timestamptz[])
        with ordinality as u(subject_id, site_id, stratum, slot, arm, request_id, allocated_at, seq)`.execute(
      trx,
    );
    await sql`insert into randomization_state (study_id, allocated) values (${studyId}::uuid, ${randomized.length}::int)`.execute(
      trx,
    );
    if (!minimization)
      await sql`
        insert into strata_state (study_id, stratum_key, next_slot)
        select ${studyId}::uuid, k, n from unnest(${[...slots.keys()]}::text[], ${[...slots.values()]}::int[]) as u(k, n)`.execute(
        trx,
      );

    const ra = input.reassignments;
    await sql`
      insert into reassignments (study_id, subject_id, phase_code, option_code, from_arm, to_arm, created_at, created_by)
      select ${studyId}::uuid, u.*, ${userId}::uuid
      from unnest(${ra.map((x) => uuid(x.subjectId))}::uuid[], ${ra.map((x) => x.phase)}::text[],
        ${ra.map((x) => x.option)}::text[], ${ra.map((x) => x.fromArm)}::text[], ${ra.map((x) => x.toArm)}::text[],
        ${ra.map((x) => at(x.date, '12:00:00'))}::timestamptz[]) as u`.execute(trx);

    const v = input.visits;
    await sql`
      insert into subject_visits (study_id, subject_id, site_id, visit_code, visit_date, created_by)
      select ${studyId}::uuid, u.*, ${userId}::uuid
      from unnest(${v.map((x) => uuid(x.subjectId))}::uuid[], ${v.map((x) => site(x.subjectId))}::uuid[],
        ${v.map((x) => x.visit)}::text[], ${v.map((x) => x.date)}::date[]) as u`.execute(trx);

    const r = input.results;
    const unit = (measure: string): string => protocol.measures.find((m) => m.code === measure)?.unit ?? '';
    await sql`
      insert into results (study_id, subject_id, site_id, visit_code, measure_code, collected_on, kind, value,
        lloq, reported, reported_unit, assay, source, created_by)
      select ${studyId}::uuid, u.*, ${ASSAY}::text, 'site', ${userId}::uuid
      from unnest(${r.map((x) => uuid(x.subjectId))}::uuid[], ${r.map((x) => site(x.subjectId))}::uuid[],
        ${r.map((x) => x.visit)}::text[], ${r.map((x) => x.measure)}::text[], ${r.map((x) => x.collectedOn)}::date[],
        ${r.map((x) => x.result.kind)}::text[],
        ${r.map((x) => (x.result.kind === 'value' ? x.result.value : null))}::float8[],
        ${r.map((x) => (x.result.kind === 'value' ? null : x.result.lloq))}::float8[],
        ${r.map((x) => reported(x.result))}::text[], ${r.map((x) => unit(x.measure))}::text[]) as u`.execute(
      trx,
    );

    const ae = input.adverseEvents;
    const numbers = new Map<string, number>();
    const aeNumber = ae.map((x) => {
      const n = (numbers.get(x.subjectId) ?? 0) + 1;
      numbers.set(x.subjectId, n);
      return n;
    });
    await sql`
      insert into adverse_events (study_id, subject_id, site_id, ae_number, verbatim_term, coded_term, body_system,
        grade, serious, relatedness, onset_date, end_date, outcome, action_taken, created_by)
      select ${studyId}::uuid, u.*, null::date, 'recovered', 'none', ${userId}::uuid
      from unnest(${ae.map((x) => uuid(x.subjectId))}::uuid[], ${ae.map((x) => site(x.subjectId))}::uuid[],
        ${aeNumber}::int[], ${ae.map((x) => x.verbatimTerm)}::text[], ${ae.map((x) => x.codedTerm)}::text[],
        ${ae.map((x) => x.bodySystem)}::text[], ${ae.map((x) => x.grade)}::int[], ${ae.map((x) => x.serious)}::boolean[],
        ${ae.map((x) => JSON.stringify(x.relatedness))}::jsonb[], ${ae.map((x) => x.onsetDate)}::date[]) as u`.execute(
      trx,
    );

    const d = input.dispositions;
    await sql`
      insert into dispositions (study_id, subject_id, site_id, phase_code, status, disposition_date, reason,
        related_drug, created_by)
      select ${studyId}::uuid, u.*, ${userId}::uuid
      from unnest(${d.map((x) => uuid(x.subjectId))}::uuid[], ${d.map((x) => site(x.subjectId))}::uuid[],
        ${d.map((x) => x.phase)}::text[], ${d.map((x) => x.status)}::text[], ${d.map((x) => x.date)}::date[],
        ${d.map((x) => x.reason)}::text[], ${d.map((x) => x.relatedDrug)}::text[]) as u`.execute(trx);
  });
  // Planner statistics, as a database that grew by ordinary use would have them.
  await sql`analyze`.execute(db);
}

type Cell = string | number | boolean | null | undefined;

/** RFC 4180 CSV: a header, then the rows; empty for null. */
function csv(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  const cell = (c: Cell): string => {
    const text = c === null || c === undefined ? '' : String(c);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [header.join(',')];
  for (const row of rows) lines.push(row.map(cell).join(','));
  return `${lines.join('\n')}\n`;
}

/** The analysis settings R needs from the protocol (bench/analyze.R reads them), as key,value rows. */
function studySettings(protocol: Protocol, dataCut: string): [string, string][] {
  const { analysis } = protocol;
  const factor = protocol.stratification.factors.find((f) => f.code === analysis.byFactor);
  const main = protocol.phases.find((p) => p.kind === 'main');
  const ext = protocol.phases.find((p) => p.kind === 'extension');
  const dayOf = (code: string | undefined): number => protocol.visits.find((v) => v.code === code)?.day ?? 0;
  const milestone = protocol.visits.find(
    (v) => v.phase === ext?.code && v.day > dayOf(ext.startVisit) && v.day < dayOf(ext.endVisit),
  );
  const change = protocol.endpoints.find((e) => e.kind === 'change-from-baseline');
  return [
    ['dataCut', dataCut],
    ['arms', protocol.arms.map((a) => a.code).join('|')],
    ['control', protocol.arms.find((a) => a.control)?.code ?? ''],
    ['drugs', protocol.drugs.map((d) => d.code).join('|')],
    ['factor', factor?.code ?? ''],
    ['levels', factor?.levels.map((l) => l.code).join('|') ?? ''],
    ['measureLloq', String(protocol.measures.find((m) => m.code === change?.measure)?.lloq ?? '')],
    ['belowLloq', analysis.belowLloq],
    ['mainPhase', main?.code ?? ''],
    ['extPhase', ext?.code ?? ''],
    ['extOptions', ext?.election?.options.map((o) => o.code).join('|') ?? ''],
    ['milestoneDay', milestone ? String(milestone.day) : ''],
    ['reasons', DISCONTINUATION_REASONS.join('|')],
    [
      'populations',
      analysis.populations
        .map((p) => (p.kind === 'completed-visit' ? `${p.code}:${p.kind}:${p.visit}` : `${p.code}:${p.kind}`))
        .join('|'),
    ],
    ['endpoints', protocol.endpoints.map((e) => e.code).join('|')],
    ...protocol.endpoints.map((e): [string, string] => [
      `endpoint.${e.code}`,
      e.kind === 'change-from-baseline'
        ? [e.kind, e.measure, e.transform, e.baselineVisit, e.visit, e.direction].join(':')
        : [e.kind, e.of, e.threshold].join(':'),
    ]),
  ];
}

/**
 * The same data as CSV files in `dir`, for bench/analyze.R: study.csv (the protocol's analysis
 * settings), subjects.csv (day 0 is the randomization date, which the loader takes from D0),
 * results.csv, adverse_events.csv (relatedness in a column per drug), dispositions.csv, reassignments.csv.
 */
export async function writeCsvFiles(dir: string, protocol: Protocol, input: AnalysisInput): Promise<void> {
  const factor = protocol.analysis.byFactor;
  const drugs = protocol.drugs.map((d) => d.code);
  const files: [string, string][] = [
    ['study.csv', csv(['key', 'value'], studySettings(protocol, input.dataCut))],
    [
      'subjects.csv',
      csv(
        ['id', 'screening_number', 'site', 'status', 'level', 'arm', 'day0'],
        input.subjects.map((s) => [
          s.id,
          s.screeningNumber,
          s.siteCode,
          s.status,
          factor === undefined ? null : s.levels[factor],
          s.randomization?.arm,
          s.randomization?.date,
        ]),
      ),
    ],
    [
      'results.csv',
      csv(
        ['subject', 'visit', 'measure', 'collected_on', 'kind', 'value', 'lloq'],
        input.results.map((r) => [
          r.subjectId,
          r.visit,
          r.measure,
          r.collectedOn,
          r.result.kind,
          r.result.kind === 'value' ? r.result.value : null,
          r.result.kind === 'value' ? null : r.result.lloq,
        ]),
      ),
    ],
    [
      'adverse_events.csv',
      csv(
        [
          'subject',
          'verbatim_term',
          'coded_term',
          'body_system',
          'grade',
          'serious',
          'onset_date',
          ...drugs.map((d) => `related_${d}`),
        ],
        input.adverseEvents.map((a) => [
          a.subjectId,
          a.verbatimTerm,
          a.codedTerm,
          a.bodySystem,
          a.grade,
          a.serious,
          a.onsetDate,
          ...drugs.map((d) => a.relatedness[d]),
        ]),
      ),
    ],
    [
      'dispositions.csv',
      csv(
        ['subject', 'phase', 'status', 'date', 'reason', 'related_drug'],
        input.dispositions.map((d) => [d.subjectId, d.phase, d.status, d.date, d.reason, d.relatedDrug]),
      ),
    ],
    [
      'reassignments.csv',
      csv(
        ['subject', 'phase', 'option', 'from_arm', 'to_arm', 'date'],
        input.reassignments.map((r) => [r.subjectId, r.phase, r.option, r.fromArm, r.toArm, r.date]),
      ),
    ],
  ];
  await Promise.all(files.map(([name, text]) => writeFile(join(dir, name), text, 'utf8')));
}
