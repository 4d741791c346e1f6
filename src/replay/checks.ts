import type { AnalysisResult, AnalysisSet } from '../core/analysis/result-schema.js';
import { ARMS, PUBLISHED, type Arm, type Stratum } from './scenario.js';

/** One published figure against the one the analysis reproduced. */
export interface Check {
  readonly name: string;
  readonly expected: string;
  readonly actual: string;
  readonly ok: boolean;
}

// The reference protocol's codes (protocols/celgosivir-nr-phase2.yaml).
const ITT = 'ITT';
const COMPLETERS = 'COMPLETERS';
const CHANGE = 'LOGRED_W12';
const EVR = 'EVR';
/** Below this difference in mean log10 reduction, the double arm shows "no meaningful change". */
const MEANINGFUL = 0.3;

const MISSING = 'missing from the analysis';

const exact = (name: string, expected: number | string, actual: number | string | undefined): Check => ({
  name,
  expected: String(expected),
  actual: actual === undefined ? MISSING : String(actual),
  ok: actual !== undefined && String(actual) === String(expected),
});

function setOf(a: AnalysisResult, level: Stratum, population: string): AnalysisSet | undefined {
  return a.efficacy.find((s) => s.subset.level === level && s.population.code === population);
}

function endpointOf<K extends 'change-from-baseline' | 'responder'>(
  set: AnalysisSet | undefined,
  code: string,
  kind: K,
): Extract<AnalysisSet['endpoints'][number], { kind: K }> | undefined {
  const e = set?.endpoints.find((x) => x.code === code);
  return e?.kind === kind ? (e as Extract<AnalysisSet['endpoints'][number], { kind: K }>) : undefined;
}

const percent = (rate: number | null): string => (rate === null ? '—' : `${Math.round(rate * 100)}%`);

/** "No meaningful change": the difference in mean reduction is small and not significant. */
function noMeaningfulChange(a: AnalysisResult, level: Stratum): Check {
  const name = `${level}: double vs control, no meaningful change (completers)`;
  const comparison = endpointOf(
    setOf(a, level, COMPLETERS),
    CHANGE,
    'change-from-baseline',
  )?.comparisons.find((c) => c.arm === 'DOUBLE');
  const expected = `|difference| < ${MEANINGFUL} log10, p ≥ 0.05`;
  if (!comparison || comparison.difference === null || comparison.pValue === null)
    return { name, expected, actual: MISSING, ok: false };
  const { difference, pValue } = comparison;
  return {
    name,
    expected,
    actual: `difference ${difference.toFixed(2)}, p = ${pValue.toFixed(2)}`,
    ok: Math.abs(difference) < MEANINGFUL && pValue >= 0.05,
  };
}

/** Every published figure of the release, read from the analysis of the replayed study. */
export function checkPublishedFigures(a: AnalysisResult): Check[] {
  const checks: Check[] = [];
  const randomizedIn = (level: Stratum): number | undefined =>
    setOf(a, level, ITT)?.arms.reduce((sum, arm) => sum + arm.randomized, 0);
  checks.push(
    exact(
      'enrolled (randomized)',
      PUBLISHED.randomized.NR + PUBLISHED.randomized.PR,
      a.disposition.consort.randomized,
    ),
  );
  checks.push(exact('enrolled non-responders (NR)', PUBLISHED.randomized.NR, randomizedIn('NR')));
  checks.push(exact('enrolled partial responders (PR)', PUBLISHED.randomized.PR, randomizedIn('PR')));

  const nrCompleters = setOf(a, 'NR', COMPLETERS);
  for (const arm of ARMS)
    checks.push(
      exact(
        `NR completers, ${arm.toLowerCase()}`,
        PUBLISHED.nrCompleters[arm],
        nrCompleters?.arms.find((x) => x.arm === arm)?.inPopulation,
      ),
    );
  const change = endpointOf(nrCompleters, CHANGE, 'change-from-baseline');
  const evr = endpointOf(nrCompleters, EVR, 'responder');
  for (const arm of ['TRIPLE', 'CONTROL'] as const satisfies readonly Arm[]) {
    const mean = change?.arms.find((x) => x.arm === arm)?.mean;
    checks.push(
      exact(
        `NR mean log10 reduction at week 12, ${arm.toLowerCase()}`,
        PUBLISHED.nrMeanReduction[arm].toFixed(1),
        mean == null ? undefined : mean.toFixed(1),
      ),
    );
    const r = evr?.arms.find((x) => x.arm === arm);
    const n = PUBLISHED.nrCompleters[arm];
    const responders = PUBLISHED.nrEvrResponders[arm];
    checks.push(
      exact(
        `NR EVR (≥ 2 log10), ${arm.toLowerCase()}`,
        `${percent(responders / n)} (${responders}/${n})`,
        r ? `${percent(r.rate)} (${r.responders}/${r.denominator})` : undefined,
      ),
    );
  }

  const prTriple = endpointOf(setOf(a, 'PR', COMPLETERS), CHANGE, 'change-from-baseline')?.arms.find(
    (x) => x.arm === 'TRIPLE',
  );
  checks.push(
    exact(
      'PR triple analysed, flagged',
      `n = ${PUBLISHED.prTripleAnalysed}, ${a.rules.insufficientText}`,
      prTriple ? `n = ${prTriple.n}, ${prTriple.insufficient?.text ?? 'not flagged'}` : undefined,
    ),
  );
  checks.push(noMeaningfulChange(a, 'NR'), noMeaningfulChange(a, 'PR'));

  const d = a.disposition.discontinuations;
  const ae = d.byReason.find((r) => r.reason === 'adverse_event');
  checks.push(exact('dropouts before week 12', PUBLISHED.dropouts.total, d.total));
  checks.push(
    exact(
      '… for peginterferon side effects',
      PUBLISHED.dropouts.peginterferonAdverseEvent,
      ae?.byDrug.find((x) => x.drug === 'PEGIFN')?.total ?? 0,
    ),
  );
  checks.push(
    exact('… not for an adverse event', PUBLISHED.dropouts.notAdverseEvent, d.total - (ae?.total ?? 0)),
  );

  const ext = a.extension;
  const bucket = (code: string): number | undefined =>
    ext?.weeksOnTreatment.buckets.find((b) => b.code === code)?.subjects;
  checks.push(exact('completed 12 weeks', PUBLISHED.extension.completedMain, ext?.completedMainPhase));
  checks.push(exact('continued beyond week 16', PUBLISHED.extension.continued, ext?.continued));
  checks.push(
    exact(
      '… on the triple combination',
      PUBLISHED.extension.onTriple,
      ext?.byArm.find((x) => x.arm === 'TRIPLE')?.subjects,
    ),
  );
  checks.push(exact('completed 48 weeks', PUBLISHED.extension.completed48, bucket('completed')));
  checks.push(
    exact('between 24 and 48 weeks', PUBLISHED.extension.from24To48, bucket('ongoing_from_milestone')),
  );
  checks.push(exact('under 24 weeks', PUBLISHED.extension.under24, bucket('ongoing_before_milestone')));
  checks.push(
    exact(
      'discontinued before 24 weeks',
      PUBLISHED.extension.discontinuedBefore24,
      bucket('discontinued_before_milestone'),
    ),
  );
  return checks;
}
