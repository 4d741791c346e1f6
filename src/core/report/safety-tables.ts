import type {
  AnalysisResult,
  CountRow,
  Discontinuations,
  ExtensionStatus,
  SafetyTables,
} from '../analysis/result-schema.js';
import type { Protocol } from '../protocol/schema.js';
import type { Numbering } from './efficacy-tables.js';
import { countWithPercent, humanize } from './format.js';
import { el, table, type Column, type Markup, type Row } from './html.js';

// Safety, discontinuation and extension tables: subjects counted per arm with the arm's share, and a
// total column. Terms and body systems are the investigators' words, escaped by the builder.

interface ArmTotal {
  readonly arm: string;
  readonly n: number;
}

const drugName = (protocol: Protocol, code: string): string =>
  protocol.drugs.find((d) => d.code === code)?.name ?? code;

/** Column headers "ARM (N = n)" and "Total (N = n)". */
function countColumns(totals: readonly ArmTotal[]): Column[] {
  const all = totals.reduce((sum, t) => sum + t.n, 0);
  return [
    ...totals.map((t) => ({ header: `${t.arm} (N = ${t.n})`, numeric: true })),
    { header: `Total (N = ${all})`, numeric: true },
  ];
}

/** A row of subject counts: "n (%)" per arm, then the total with its share of all subjects. */
function countCells(row: CountRow, totals: readonly ArmTotal[]): string[] {
  const all = totals.reduce((sum, t) => sum + t.n, 0);
  return [
    ...totals.map((t) => {
      const c = row.counts.find((x) => x.arm === t.arm);
      return countWithPercent(c?.subjects ?? 0, c?.proportion ?? null);
    }),
    countWithPercent(row.total, all === 0 ? null : row.total / all),
  ];
}

const countRow = (header: string, row: CountRow, totals: readonly ArmTotal[], className?: string): Row => ({
  header,
  cells: countCells(row, totals),
  className,
});

/** The adverse event tables: overview, maximum grade, body system and term. */
export function safetyTables(safety: SafetyTables, protocol: Protocol, numbering: Numbering): Markup {
  const totals = safety.armTotals;
  const columns = countColumns(totals);
  const overview = table({
    caption: `Table ${numbering.table()}. Subjects with adverse events, by arm`,
    rowHeader: 'Subjects with',
    columns,
    rows: [
      countRow('Any adverse event', safety.anyEvent, totals),
      countRow('A serious adverse event', safety.serious, totals),
      countRow('An event related to any study drug', safety.relatedToAnyDrug, totals),
      ...safety.relatedTo.map((r) =>
        countRow(`An event related to ${drugName(protocol, r.drug)} (${r.drug})`, r, totals, 'sub'),
      ),
    ],
    attrs: { class: 'safety', 'data-table': 'overview' },
    notes: [safety.basis],
  });
  const none: CountRow = {
    total: totals.reduce((sum, t) => sum + t.n, 0) - safety.anyEvent.total,
    counts: totals.map((t) => {
      const subjects = t.n - (safety.anyEvent.counts.find((c) => c.arm === t.arm)?.subjects ?? 0);
      return { arm: t.arm, subjects, proportion: t.n === 0 ? null : subjects / t.n };
    }),
  };
  const grades = table({
    caption: `Table ${numbering.table()}. Subjects by the maximum grade of their adverse events, by arm`,
    rowHeader: 'Maximum grade',
    columns,
    rows: [
      ...safety.maximumGrade.map((g) => countRow(`Grade ${g.grade}`, g, totals)),
      countRow('No adverse event', none, totals),
    ],
    attrs: { class: 'safety', 'data-table': 'maximum-grade' },
  });
  const terms =
    safety.bySystemAndTerm.length === 0
      ? el('p', { class: 'empty' }, 'No adverse events up to the data cut.')
      : table({
          caption: `Table ${numbering.table()}. Subjects with adverse events by body system and term, by arm`,
          rowHeader: 'Body system / term',
          columns,
          rows: safety.bySystemAndTerm.flatMap((s) => [
            countRow(s.bodySystem, s, totals, 'system'),
            ...s.terms.map((t) => countRow(t.term, t, totals, 'term')),
          ]),
          attrs: { class: 'safety', 'data-table': 'terms' },
          notes: [
            'Body systems and terms by most subjects first; a subject counts once per row. Terms as coded ' +
              '(the verbatim term where not coded).',
          ],
        });
  return el('div', { class: 'safety-tables' }, overview, grades, terms);
}

/** Discontinuations of the main phase by reason and, where named, the drug they are attributed to. */
export function discontinuationTable(
  d: Discontinuations,
  armTotals: readonly ArmTotal[],
  protocol: Protocol,
  numbering: Numbering,
): Markup {
  const rows: Row[] = [
    countRow('Any discontinuation', d, armTotals),
    ...d.byReason.flatMap((r) => [
      countRow(humanize(r.reason), r, armTotals, 'system'),
      ...r.byDrug.map((b) =>
        countRow(
          b.drug === null ? 'No drug named' : `Attributed to ${drugName(protocol, b.drug)} (${b.drug})`,
          b,
          armTotals,
          'term',
        ),
      ),
    ]),
  ];
  return table({
    caption: `Table ${numbering.table()}. Discontinuations before the end of ${d.phase}, by reason and arm`,
    rowHeader: 'Reason',
    columns: countColumns(armTotals),
    rows,
    attrs: { class: 'disposition', 'data-table': 'discontinuations' },
    notes: [d.basis],
  });
}

/** The extension's status at the data cut: who continued, on which arm, and for how long. */
export function extensionTables(x: ExtensionStatus, result: AnalysisResult, numbering: Numbering): Markup {
  const single = [{ header: 'Subjects', numeric: true }];
  const summary = el(
    'p',
    {},
    `Of ${x.completedMainPhase} subjects who completed the main phase, ${x.continued} elected to continue ` +
      `into the extension (${x.label}, ${x.startVisit} to ${x.endVisit}) and ${x.notContinued} did not.`,
  );
  const elections = table({
    caption: `Table ${numbering.table()}. Extension elections`,
    rowHeader: 'Election',
    columns: single,
    rows: [
      ...x.elections.map((e) => ({
        header:
          e.fromArm === e.toArm
            ? `${e.option}: stays on ${e.fromArm}`
            : `${e.option}: ${e.fromArm} to ${e.toArm}`,
        cells: [String(e.subjects)],
      })),
      { header: 'Continued into the extension', cells: [String(x.continued)], className: 'total' },
      { header: 'Completed the main phase, did not continue', cells: [String(x.notContinued)] },
    ],
    attrs: { class: 'extension', 'data-table': 'elections' },
  });
  const byArm = table({
    caption: `Table ${numbering.table()}. Arm in the extension (after the election)`,
    rowHeader: 'Arm',
    columns: single,
    rows: x.byArm.map((a) => ({
      header: `${a.arm}: ${result.arms.find((r) => r.code === a.arm)?.name ?? a.arm}`,
      cells: [String(a.subjects)],
    })),
    attrs: { class: 'extension', 'data-table': 'by-arm' },
  });
  const weeks = table({
    caption: `Table ${numbering.table()}. Weeks on treatment of the subjects who continued, at the data cut`,
    rowHeader: 'Status',
    columns: single,
    rows: x.weeksOnTreatment.buckets.map((b) => ({
      header: humanize(b.label),
      cells: [String(b.subjects)],
      attrs: { 'data-bucket': b.code },
    })),
    attrs: { class: 'extension', 'data-table': 'weeks' },
    notes: [x.weeksOnTreatment.basis],
  });
  return el('div', { class: 'extension-tables' }, summary, elections, byArm, weeks);
}
