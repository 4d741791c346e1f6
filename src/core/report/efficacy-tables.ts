import type {
  AnalysisResult,
  AnalysisSet,
  ChangeComparison,
  EndpointResult,
  InsufficientFlag,
  ResponderComparison,
} from '../analysis/result-schema.js';
import { change, DASH, interval, percent, points, pValue } from './format.js';
import { el, table, voidEl, type Child, type Column, type Markup, type Row } from './html.js';

// The efficacy tables: one per analysis set (subset × population) and endpoint, one row per arm, with
// the comparison against the control on the arm's row. Every number is the result's, formatted.

type ChangeEndpoint = Extract<EndpointResult, { kind: 'change-from-baseline' }>;
type ResponderEndpoint = Extract<EndpointResult, { kind: 'responder' }>;

/** Hands out table and figure numbers in document order. */
export class Numbering {
  private tables = 0;
  private figures = 0;
  table(): number {
    return (this.tables += 1);
  }
  figure(): number {
    return (this.figures += 1);
  }
}

/** The visible flag of a group too small for conclusions (words and a border, not colour alone). */
export function flag(insufficient: InsufficientFlag, kind: 'summary' | 'comparison'): Markup | null {
  if (!insufficient) return null;
  return el(
    'span',
    { class: 'flag', 'data-flag': kind },
    `${insufficient.text} (n = ${insufficient.n}, minimum ${insufficient.minimumGroupSize})`,
  );
}

const armHeader = (result: AnalysisResult, arm: string, insufficient: InsufficientFlag): Child => [
  el('span', { class: 'arm' }, arm),
  result.arms.find((a) => a.code === arm)?.control ? el('span', { class: 'role' }, ' (control)') : null,
  insufficient ? [voidEl('br'), flag(insufficient, 'summary')] : null,
];

/** The comparison cells of an arm's row: the control's row says "reference". */
function comparisonCells(
  arm: string,
  control: string | undefined,
  comparison: ChangeComparison | ResponderComparison | undefined,
  estimate: (c: ChangeComparison | ResponderComparison) => string,
): Child[] {
  if (arm === control) return [el('span', { class: 'muted' }, 'reference'), DASH];
  if (!comparison) return [DASH, DASH];
  const flagged = comparison.insufficient
    ? [voidEl('br'), flag(comparison.insufficient, 'comparison')]
    : null;
  return [[estimate(comparison), flagged], pValue(comparison.pValue)];
}

function caption(
  number: number,
  set: AnalysisSet,
  endpoint: EndpointResult,
  detail: string,
  result: AnalysisResult,
): Child {
  const interim = endpoint.interim.map(
    (code) => result.interim.find((ia) => ia.code === code)?.label ?? code,
  );
  const details = [
    set.subset.label,
    set.population.label,
    detail,
    endpoint.primary ? 'primary endpoint' : '',
    ...interim,
  ].filter(Boolean);
  return [
    `Table ${number}. ${endpoint.label}`,
    voidEl('br'),
    el('span', { class: 'caption-detail' }, details.join('; ')),
  ];
}

/** An estimate with its interval; the estimate alone when the interval is undefined (the notes say why). */
const withInterval = (estimate: string, ci: string): string => (ci === DASH ? estimate : `${estimate} ${ci}`);

const tableAttrs = (set: AnalysisSet, endpoint: EndpointResult) => ({
  class: 'efficacy',
  'data-subset': set.subset.level ?? 'ALL',
  'data-population': set.population.code,
  'data-endpoint': endpoint.code,
});

const armCounts = (set: AnalysisSet, arm: string) => set.arms.find((a) => a.arm === arm);

const IMPUTED_NOTE =
  '† Subjects whose value uses a result below the LLOQ or "target not detected", analysed by the rule ' +
  'stated in "How to read this report".';

function changeTable(result: AnalysisResult, set: AnalysisSet, e: ChangeEndpoint, number: number): Markup {
  const control = e.comparisons[0]?.control;
  const columns: Column[] = [
    { header: 'Randomized', numeric: true },
    { header: 'In population', numeric: true },
    { header: 'With a value', numeric: true },
    { header: 'Imputed†', numeric: true },
    { header: 'Mean (SD)', numeric: true },
    { header: '95% CI', numeric: true },
    ...(control
      ? [
          { header: `Difference vs ${control} (95% CI, Welch)`, numeric: true },
          { header: 'p (Welch)', numeric: true },
        ]
      : []),
  ];
  const rows: Row[] = e.arms.map((a) => ({
    header: armHeader(result, a.arm, a.insufficient),
    attrs: { 'data-arm': a.arm },
    className: a.insufficient ? 'insufficient' : undefined,
    cells: [
      armCounts(set, a.arm)?.randomized ?? DASH,
      a.inPopulation,
      a.n,
      a.imputed,
      a.mean === null ? DASH : `${change(a.mean)} (${change(a.sd)})`,
      interval(a.lower, a.upper, change),
      ...(control
        ? comparisonCells(
            a.arm,
            control,
            e.comparisons.find((c) => c.arm === a.arm),
            (c) => withInterval(change(c.difference), interval(c.lower, c.upper, change)),
          )
        : []),
    ],
  }));
  const direction =
    e.direction === 'reduction'
      ? `${e.baselineVisit} minus ${e.visit} (a positive value is a reduction)`
      : `${e.visit} minus ${e.baselineVisit} (a positive value is an increase)`;
  return table({
    caption: caption(number, set, e, e.unit, result),
    rowHeader: 'Arm',
    columns,
    rows,
    attrs: tableAttrs(set, e),
    notes: [
      `Change: ${direction}. Mean with SD and t-based 95% CI of subjects with a value.`,
      IMPUTED_NOTE,
      ...reasonNotes(e.arms, e.comparisons),
    ],
  });
}

function responderTable(
  result: AnalysisResult,
  set: AnalysisSet,
  e: ResponderEndpoint,
  number: number,
): Markup {
  const control = e.comparisons[0]?.control;
  const columns: Column[] = [
    { header: 'Randomized', numeric: true },
    { header: 'In population', numeric: true },
    { header: 'Responders / denominator', numeric: true },
    { header: 'Rate (95% CI, Clopper–Pearson)', numeric: true },
    { header: 'Imputed†', numeric: true },
    ...(control
      ? [
          { header: `Difference vs ${control}, percentage points (95% CI, Newcombe)`, numeric: true },
          { header: 'p (Fisher’s exact)', numeric: true },
        ]
      : []),
  ];
  const rows: Row[] = e.arms.map((a) => ({
    header: armHeader(result, a.arm, a.insufficient),
    attrs: { 'data-arm': a.arm },
    className: a.insufficient ? 'insufficient' : undefined,
    cells: [
      armCounts(set, a.arm)?.randomized ?? DASH,
      a.inPopulation,
      `${a.responders}/${a.denominator}`,
      a.rate === null ? DASH : withInterval(percent(a.rate), interval(a.lower, a.upper, percent)),
      a.imputed,
      ...(control
        ? comparisonCells(
            a.arm,
            control,
            e.comparisons.find((c) => c.arm === a.arm),
            (c) => withInterval(points(c.difference), interval(c.lower, c.upper, points)),
          )
        : []),
    ],
  }));
  const missing = e.arms.filter((a) => a.missing > 0).map((a) => `${a.arm} ${a.missing}`);
  const missingNote =
    e.missingHandling === 'non-responder'
      ? 'Subjects without a value count as non-responders (in the denominator)'
      : 'Subjects without a value are left out of the denominator';
  return table({
    caption: caption(number, set, e, `responder: ${e.of} of ${e.threshold} or more`, result),
    rowHeader: 'Arm',
    columns,
    rows,
    attrs: tableAttrs(set, e),
    notes: [
      `${missingNote}${missing.length > 0 ? `: ${missing.join(', ')}` : ': none'}.`,
      IMPUTED_NOTE,
      ...reasonNotes(e.arms, e.comparisons),
    ],
  });
}

/** Why a statistic is a dash: the result's reasons, arm by arm. */
function reasonNotes(
  arms: readonly { readonly arm: string; readonly reason: string | null }[],
  comparisons: readonly { readonly arm: string; readonly control: string; readonly reason: string | null }[],
): string[] {
  return [
    ...arms.flatMap((a) => (a.reason ? [`${DASH} ${a.arm}: ${a.reason}.`] : [])),
    ...comparisons.flatMap((c) => (c.reason ? [`${DASH} ${c.arm} vs ${c.control}: ${c.reason}.`] : [])),
  ];
}

/** Every efficacy table: by analysis set (all subjects, then each stratum), then endpoint. */
export function efficacyTables(result: AnalysisResult, numbering: Numbering): Markup {
  return el(
    'div',
    { class: 'efficacy-tables' },
    result.efficacy.map((set) =>
      el(
        'section',
        {
          class: 'analysis-set',
          'data-subset': set.subset.level ?? 'ALL',
          'data-population': set.population.code,
        },
        el('h3', {}, `${set.subset.label}: ${set.population.label}`),
        set.endpoints.map((e) =>
          e.kind === 'change-from-baseline'
            ? changeTable(result, set, e, numbering.table())
            : responderTable(result, set, e, numbering.table()),
        ),
      ),
    ),
  );
}
