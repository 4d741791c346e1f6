import { daysBetween } from '../core/capture/dates.js';
import { Random } from './random.js';
import { ARMS, PUBLISHED, reportIu, STRATA, type Arm, type Candidate, type Stratum } from './scenario.js';

// Outcomes, decided once the randomization service has given every subject an arm: who drops out and
// why, whose week-12 sample is missing, each subject's reduction in HCV RNA, and who continues into
// the extension and how far. Chosen so that the analysis of the data reproduces the published figures,
// or found infeasible for this allocation (then the replay starts over with a fresh study).

/** A randomized subject: the plan's candidate with the arm the service allocated. */
export interface Allocated {
  readonly candidate: Candidate;
  readonly subjectId: string;
  readonly screeningNumber: string;
  readonly arm: Arm;
}

export type MainCourse =
  | { readonly kind: 'completed'; readonly w12Sample: boolean }
  | {
      readonly kind: 'discontinued';
      /** Study day of the discontinuation (before week 12). */
      readonly day: number;
      readonly reason: 'adverse_event' | 'withdrawal_by_subject';
    };

/** Where a subject who continues stands at the data cut, as the release counts them. */
export type ExtensionRole = 'completed48' | 'from24To48' | 'under24' | 'discontinuedBefore24';

export interface ExtensionCourse {
  readonly role: ExtensionRole;
  readonly option: 'CONTINUE' | 'SWITCH';
  /** The arm after the election. */
  readonly toArm: Arm;
  /** Study day and reason of the extension's discontinuation (role discontinuedBefore24). */
  readonly discontinued: {
    readonly day: number;
    readonly reason: 'adverse_event' | 'lack_of_efficacy';
  } | null;
}

export interface SubjectPlan extends Allocated {
  readonly main: MainCourse;
  readonly extension: ExtensionCourse | null;
  /** The log10 reduction at week 12 on the subject's course (reported only with a week-12 sample). */
  readonly change: number;
  /** The week-12 HCV RNA as reported (IU/mL), or null without a week-12 sample. */
  readonly w12Iu: number | null;
}

export type OutcomePlan =
  | { readonly feasible: true; readonly subjects: readonly SubjectPlan[] }
  | { readonly feasible: false; readonly reason: string };

/**
 * Days from D0 to the data cut (the day of the run) each extension role needs, with a few days' margin
 * from the 24- and 48-week bounds so that a run crossing midnight keeps every count.
 */
const ROLE_WINDOWS: Readonly<Record<ExtensionRole, readonly [number, number]>> = {
  completed48: [345, Number.POSITIVE_INFINITY],
  under24: [116, 160],
  from24To48: [176, 325],
  discontinuedBefore24: [150, 344],
};
/** Filled scarcest first. */
const ROLE_ORDER: readonly ExtensionRole[] = ['completed48', 'under24', 'from24To48', 'discontinuedBefore24'];
const ROLE_COUNTS: Readonly<Record<ExtensionRole, number>> = {
  completed48: PUBLISHED.extension.completed48,
  under24: PUBLISHED.extension.under24,
  from24To48: PUBLISHED.extension.from24To48,
  discontinuedBefore24: PUBLISHED.extension.discontinuedBefore24,
};

/**
 * Week-12 reductions by group (subjects with a week-12 sample): how many reach EVR (≥ 2 log10) and the
 * mean. The NR triple and control figures are the published ones; the double arm shows no meaningful
 * change against the control; the release gives no PR means (null: drawn freely).
 */
const CHANGE_DESIGN: Readonly<
  Record<Stratum, Readonly<Record<Arm, { responders: number; mean: number | null }>>>
> = {
  NR: {
    TRIPLE: { responders: PUBLISHED.nrEvrResponders.TRIPLE, mean: PUBLISHED.nrMeanReduction.TRIPLE },
    DOUBLE: { responders: 0, mean: 0.35 },
    CONTROL: { responders: PUBLISHED.nrEvrResponders.CONTROL, mean: PUBLISHED.nrMeanReduction.CONTROL },
  },
  PR: {
    TRIPLE: { responders: 2, mean: null },
    DOUBLE: { responders: 0, mean: 0.55 },
    CONTROL: { responders: 1, mean: 0.65 },
  },
};
const RESPONDER_RANGE = [2.15, 3.0] as const;
const OTHER_RANGE = [-0.35, 1.85] as const;

const key = (stratum: Stratum, arm: Arm): string => `${stratum}:${arm}`;

/** How an allocation compares with what the published figures need, in one line. */
export function describeAllocation(allocated: readonly Allocated[]): string {
  return STRATA.map((stratum) => {
    const counts = ARMS.map(
      (arm) => allocated.filter((a) => a.candidate.stratum === stratum && a.arm === arm).length,
    );
    return `${stratum} ${counts.join('/')}`;
  }).join(', ');
}

/**
 * Decides every subject's outcome for this allocation, or says why the published figures cannot
 * arise from it. Deterministic from the seed, the attempt and the allocation.
 */
export function planOutcomes(
  seed: number,
  attempt: number,
  today: string,
  allocated: readonly Allocated[],
): OutcomePlan {
  const groups = new Map<string, Allocated[]>();
  for (const a of allocated) {
    const k = key(a.candidate.stratum, a.arm);
    groups.set(k, [...(groups.get(k) ?? []), a]);
  }
  const size = (stratum: Stratum, arm: Arm): number => groups.get(key(stratum, arm))?.length ?? 0;

  // Non-responders: every randomized subject beyond the published completers of the arm drops out.
  const nrDropouts = new Map<Arm, number>();
  for (const arm of ARMS) {
    const extra = size('NR', arm) - PUBLISHED.nrCompleters[arm];
    if (extra < 0)
      return {
        feasible: false,
        reason:
          `the service allocated ${size('NR', arm)} non-responders to ${arm}, fewer than the ` +
          `${PUBLISHED.nrCompleters[arm]} completers published for that arm`,
      };
    nrDropouts.set(arm, extra);
  }
  const prDropouts = PUBLISHED.dropouts.total - [...nrDropouts.values()].reduce((s, n) => s + n, 0);
  if (prDropouts < 0)
    return { feasible: false, reason: `the allocation needs more than ${PUBLISHED.dropouts.total} dropouts` };
  // PR triple: only 3 analysable; a PR dropout on the triple arm is one fewer missing week-12 sample.
  if (size('PR', 'TRIPLE') < PUBLISHED.prTripleAnalysed)
    return {
      feasible: false,
      reason: `the service allocated ${size('PR', 'TRIPLE')} partial responders to TRIPLE, fewer than the ${PUBLISHED.prTripleAnalysed} analysed`,
    };

  const rng = Random.derive(seed, `outcomes:${attempt}`);
  const daysOnStudy = (a: Allocated): number => daysBetween(a.candidate.dayZero, today);
  for (let tries = 0; tries < 500; tries += 1) {
    const plan = tryPlan(rng, groups, nrDropouts, prDropouts, daysOnStudy);
    if (plan) return { feasible: true, subjects: plan };
  }
  return {
    feasible: false,
    reason:
      'no choice of dropouts leaves enough completers at the enrollment dates the extension counts need',
  };
}

function tryPlan(
  rng: Random,
  groups: ReadonlyMap<string, Allocated[]>,
  nrDropouts: ReadonlyMap<Arm, number>,
  prDropouts: number,
  daysOnStudy: (a: Allocated) => number,
): SubjectPlan[] | null {
  const members = (stratum: Stratum, arm: Arm): Allocated[] => groups.get(key(stratum, arm)) ?? [];
  // Dropouts: within each group, at random.
  const dropouts: Allocated[] = [];
  for (const arm of ARMS)
    dropouts.push(...rng.shuffle(members('NR', arm)).slice(0, nrDropouts.get(arm) ?? 0));
  const prTriple = members('PR', 'TRIPLE');
  const prPool =
    prTriple.length > PUBLISHED.prTripleAnalysed
      ? prTriple
      : [...members('PR', 'DOUBLE'), ...members('PR', 'CONTROL')];
  dropouts.push(...rng.shuffle(prPool).slice(0, prDropouts));
  const dropped = new Set(dropouts.map((d) => d.subjectId));
  const notAdverseEvent = rng.pick(dropouts).subjectId;

  // PR triple: three week-12 samples; the other completers' samples are missing.
  const prTripleSampled = new Set(
    rng
      .shuffle(prTriple.filter((a) => !dropped.has(a.subjectId)))
      .slice(0, PUBLISHED.prTripleAnalysed)
      .map((a) => a.subjectId),
  );
  if (prTripleSampled.size < PUBLISHED.prTripleAnalysed) return null;

  // The extension: each role from the completers whose D0 fits its window.
  const completers = [...groups.values()].flat().filter((a) => !dropped.has(a.subjectId));
  const roleOf = new Map<string, ExtensionRole>();
  for (const role of ROLE_ORDER) {
    const [from, to] = ROLE_WINDOWS[role];
    const pool = completers.filter((a) => {
      const days = daysOnStudy(a);
      return !roleOf.has(a.subjectId) && days >= from && days <= to;
    });
    if (pool.length < ROLE_COUNTS[role]) return null;
    for (const a of rng.shuffle(pool).slice(0, ROLE_COUNTS[role])) roleOf.set(a.subjectId, role);
  }
  // Every elector ends on the triple combination but one, who continues on the double or control arm.
  const offTriple = completers.filter((a) => roleOf.has(a.subjectId) && a.arm !== 'TRIPLE');
  if (offTriple.length === 0) return null;
  const staysOff = rng.pick(offTriple).subjectId;

  const changes = drawChanges(rng, groups, dropped, prTripleSampled);
  if (!changes) return null;
  const plans: SubjectPlan[] = [];
  for (const a of [...groups.values()].flat()) {
    const role = roleOf.get(a.subjectId);
    const main: MainCourse = dropped.has(a.subjectId)
      ? {
          kind: 'discontinued',
          day: rng.int(12, 78),
          reason: a.subjectId === notAdverseEvent ? 'withdrawal_by_subject' : 'adverse_event',
        }
      : {
          kind: 'completed',
          w12Sample: a.candidate.stratum !== 'PR' || a.arm !== 'TRIPLE' || prTripleSampled.has(a.subjectId),
        };
    const option = a.arm === 'TRIPLE' || a.subjectId === staysOff ? 'CONTINUE' : 'SWITCH';
    const extension: ExtensionCourse | null = role
      ? {
          role,
          option,
          toArm: option === 'SWITCH' ? 'TRIPLE' : a.arm,
          discontinued:
            role === 'discontinuedBefore24'
              ? {
                  day: rng.int(122, Math.min(158, daysOnStudy(a) - 3)),
                  reason: rng.chance(0.5) ? 'adverse_event' : 'lack_of_efficacy',
                }
              : null,
        }
      : null;
    const change = changes.get(a.subjectId);
    if (!change) throw new Error(`unreachable: no change drawn for ${a.screeningNumber}`);
    plans.push({ ...a, main, extension, change: change.change, w12Iu: change.w12Iu });
  }
  return plans.sort((x, y) => (x.candidate.dayZero < y.candidate.dayZero ? -1 : 1));
}

/**
 * Each subject's week-12 reduction. In each group, the subjects with a week-12 sample get the design's
 * number of responders and, where the design fixes it, exactly its mean (the last value absorbs the
 * lab's rounding to three significant digits); subjects without a sample get a course of their arm.
 * Null when the draw missed the design (the caller draws again).
 */
function drawChanges(
  rng: Random,
  groups: ReadonlyMap<string, Allocated[]>,
  dropped: ReadonlySet<string>,
  prTripleSampled: ReadonlySet<string>,
): Map<string, { change: number; w12Iu: number | null }> | null {
  const out = new Map<string, { change: number; w12Iu: number | null }>();
  const log10Of = (iu: number): number => Math.log10(iu);
  for (const stratum of STRATA)
    for (const arm of ARMS) {
      const group = groups.get(key(stratum, arm)) ?? [];
      const design = CHANGE_DESIGN[stratum][arm];
      const sampled = group.filter(
        (a) =>
          !dropped.has(a.subjectId) &&
          (stratum !== 'PR' || arm !== 'TRIPLE' || prTripleSampled.has(a.subjectId)),
      );
      for (const a of group.filter((x) => !sampled.includes(x))) {
        const responder = rng.chance(arm === 'TRIPLE' ? 0.3 : 0.08);
        const change = responder ? rng.uniform(...RESPONDER_RANGE) : clip(rng.normal(0.5, 0.35), OTHER_RANGE);
        out.set(a.subjectId, { change, w12Iu: null });
      }
      if (sampled.length === 0) continue;
      const responders = Math.min(design.responders, sampled.length - 1);
      const values = changesWithMean(rng, sampled.length, responders, design.mean);
      const order = rng.shuffle(sampled);
      // Responders first in `values`; the last subject is a non-responder and absorbs the rounding.
      let sum = 0;
      order.forEach((a, i) => {
        const base = log10Of(a.candidate.baselineIu);
        let target = values[i] ?? 0;
        if (i === order.length - 1 && design.mean !== null) target = design.mean * order.length - sum;
        const w12Iu = reportIu(10 ** (base - target));
        const change = base - log10Of(w12Iu);
        sum += change;
        out.set(a.subjectId, { change, w12Iu });
      });
      // The rounding is absorbed only if that left the responders and the mean as designed.
      const evr = order.filter((a) => (out.get(a.subjectId)?.change ?? 0) >= 2).length;
      if (evr !== responders) return null;
      if (design.mean !== null && Math.abs(sum / order.length - design.mean) > 0.005) return null;
    }
  return out;
}

const clip = (x: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, x));

/**
 * `n` reductions: `responders` of them in the EVR range, the others below it with the given mean of
 * all `n` (or drawn freely when the mean is null); responders first.
 */
function changesWithMean(rng: Random, n: number, responders: number, mean: number | null): number[] {
  const top = Array.from({ length: responders }, () => rng.uniform(...RESPONDER_RANGE));
  const k = n - responders;
  if (mean === null) return [...top, ...Array.from({ length: k }, () => rng.uniform(0.3, 1.5))];
  const target = mean * n - top.reduce((s, x) => s + x, 0);
  const centre = target / k;
  let others = Array.from({ length: k }, () => clip(rng.normal(centre, 0.3), OTHER_RANGE));
  for (let i = 0; i < 50; i += 1) {
    const shift = (target - others.reduce((s, x) => s + x, 0)) / k;
    if (Math.abs(shift) < 1e-12) break;
    others = others.map((x) => clip(x + shift, OTHER_RANGE));
  }
  return [...top, ...others];
}
