import { daysBetween } from '../capture/dates.js';
import { DISCONTINUATION_REASONS } from '../capture/vocabulary.js';
import type { Protocol } from '../protocol/schema.js';
import { dispositionOf, electionOf, type RandomizedSubject, type StudyData } from './input.js';
import { SubjectTally } from './safety.js';
import type { AnalysisSet, Consort, Discontinuations, ExtensionStatus } from './result-schema.js';

type Phase = Protocol['phases'][number];

/** The protocol's main phase (the schema guarantees exactly one). */
function mainPhase(protocol: Protocol): Phase {
  const phase = protocol.phases.find((p) => p.kind === 'main');
  if (!phase) throw new Error('unreachable: a valid protocol has a main phase');
  return phase;
}

const increment = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

/**
 * The CONSORT flow: screened, screen failures, eligible but not randomized, randomized; per arm
 * allocated, completed, discontinued and still ongoing in the main phase (its disposition at the data
 * cut), and the number analysed in each population (from the efficacy sets of all subjects).
 */
export function consortFlow(data: StudyData, efficacy: readonly AnalysisSet[]): Consort {
  const { protocol } = data;
  const main = mainPhase(protocol).code;
  const screening = new Map<string, number>();
  for (const s of data.screened) increment(screening, s.status);
  const flow = new Map(protocol.arms.map((a) => [a.code, { allocated: 0, completed: 0, discontinued: 0 }]));
  for (const s of data.randomized) {
    const arm = flow.get(s.arm);
    if (!arm) continue;
    arm.allocated += 1;
    const status = dispositionOf(s, main)?.status;
    if (status) arm[status] += 1;
  }
  const overall = efficacy.filter((set) => set.subset.factor === null);
  return {
    screened: data.screened.length,
    screenFailures: screening.get('screen_failed') ?? 0,
    eligibleNotRandomized: screening.get('eligible') ?? 0,
    randomized: data.randomized.length,
    arms: protocol.arms.map((a) => {
      const { allocated, completed, discontinued } = flow.get(a.code) ?? {
        allocated: 0,
        completed: 0,
        discontinued: 0,
      };
      return {
        arm: a.code,
        allocated,
        completed,
        discontinued,
        ongoing: allocated - completed - discontinued,
        analysed: overall.map((set) => ({
          population: set.population.code,
          n: set.arms.find((x) => x.arm === a.code)?.inPopulation ?? 0,
        })),
      };
    }),
  };
}

const NO_DRUG = '';

/**
 * Discontinuations of the main phase (before its end visit, e.g. week 12) by reason (vocabulary order)
 * and, where any names one, by the drug they are attributed to (protocol order, then "none named").
 */
export function mainPhaseDiscontinuations(data: StudyData): Discontinuations {
  const { protocol } = data;
  const phase = mainPhase(protocol);
  const arms = protocol.arms.map((a) => a.code);
  const armTotals = new Map<string, number>();
  for (const s of data.randomized) increment(armTotals, s.arm);
  const tally = new SubjectTally();
  for (const s of data.randomized) {
    const d = dispositionOf(s, phase.code);
    if (d?.status !== 'discontinued') continue;
    const reason = d.reason ?? 'not given';
    tally.add(s.arm, ['all', `reason:${reason}`, `drug:${reason}:${d.relatedDrug ?? NO_DRUG}`]);
  }
  const row = (key: string) => tally.row(key, arms, armTotals);
  const reasons = [...DISCONTINUATION_REASONS, 'not given'].filter((r) => tally.has(`reason:${r}`));
  return {
    phase: phase.code,
    basis:
      `Randomized subjects whose ${phase.code} disposition is "discontinued" (before ${phase.endVisit}), ` +
      'by randomized arm; proportions of the arm’s randomized subjects.',
    ...row('all'),
    byReason: reasons.map((reason) => {
      const drugs = [...protocol.drugs.map((d) => d.code), NO_DRUG].filter((drug) =>
        tally.has(`drug:${reason}:${drug}`),
      );
      const named = drugs.some((drug) => drug !== NO_DRUG);
      return {
        reason,
        ...row(`reason:${reason}`),
        byDrug: named
          ? drugs.map((drug) => ({
              drug: drug === NO_DRUG ? null : drug,
              ...row(`drug:${reason}:${drug}`),
            }))
          : [],
      };
    }),
  };
}

/** Weeks, from days, as labels show them (24, not 24.000). */
const weeks = (days: number): number => Math.round((days / 7) * 10) / 10;

/** The weeks-on-treatment buckets, which partition the subjects who continued. */
function extensionBuckets(
  endWeeks: number,
  milestoneWeeks: number | null,
): { code: string; label: string }[] {
  const completed = { code: 'completed', label: `completed ${endWeeks} weeks` };
  if (milestoneWeeks === null)
    return [
      completed,
      { code: 'ongoing', label: 'on treatment' },
      { code: 'discontinued', label: 'discontinued' },
    ];
  return [
    completed,
    {
      code: 'ongoing_from_milestone',
      label: `on treatment, ${milestoneWeeks} to ${endWeeks} weeks (not completed)`,
    },
    { code: 'ongoing_before_milestone', label: `on treatment, under ${milestoneWeeks} weeks` },
    { code: 'discontinued_before_milestone', label: `discontinued before ${milestoneWeeks} weeks` },
    { code: 'discontinued_from_milestone', label: `discontinued at ${milestoneWeeks} weeks or later` },
  ];
}

/**
 * A continuing subject's bucket: completed the extension; else, by days on treatment from day 0 to
 * the extension's discontinuation (or to the data cut while on treatment), before or from the milestone.
 */
function bucketOf(s: RandomizedSubject, phase: string, milestoneDay: number | null, dataCut: string): string {
  const d = dispositionOf(s, phase);
  if (d?.status === 'completed') return 'completed';
  const state = d?.status === 'discontinued' ? 'discontinued' : 'ongoing';
  if (milestoneDay === null) return state;
  const days = daysBetween(s.dayZero, d?.date ?? dataCut);
  return `${state}_${days >= milestoneDay ? 'from' : 'before'}_milestone`;
}

/**
 * Extension status at the data cut: who completed the main phase, who elected to continue, on which
 * arm after the election (a SWITCH's `toArm`), and weeks on treatment in buckets bounded by the
 * extension's first visit after its start (the "milestone": W24 in the reference study) and its end
 * visit (W48). Null when the protocol has no extension.
 */
export function extensionStatus(data: StudyData): ExtensionStatus | null {
  const { protocol } = data;
  const phase = protocol.phases.find((p) => p.kind === 'extension');
  if (!phase) return null;
  const main = mainPhase(protocol).code;
  const dayOf = (code: string): number => protocol.visits.find((v) => v.code === code)?.day ?? 0;
  const endDay = dayOf(phase.endVisit);
  const milestone = protocol.visits.find(
    (v) => v.phase === phase.code && v.day > dayOf(phase.startVisit) && v.day < endDay,
  );
  const armOrder = protocol.arms.map((a) => a.code);
  const optionOrder = (phase.election?.options ?? []).map((o) => o.code);

  let completedMainPhase = 0;
  let notContinued = 0;
  const buckets = new Map<string, number>();
  const byArm = new Map<string, number>();
  const elections = new Map<string, { option: string; fromArm: string; toArm: string; subjects: number }>();
  for (const s of data.randomized) {
    const completedMain = dispositionOf(s, main)?.status === 'completed';
    if (completedMain) completedMainPhase += 1;
    const election = electionOf(s, phase.code);
    if (!election) {
      if (completedMain) notContinued += 1;
      continue;
    }
    increment(buckets, bucketOf(s, phase.code, milestone?.day ?? null, data.dataCut));
    increment(byArm, election.toArm);
    const key = [election.option, election.fromArm, election.toArm].join('\u0000');
    const { option, fromArm, toArm } = election;
    const entry = elections.get(key) ?? { option, fromArm, toArm, subjects: 0 };
    entry.subjects += 1;
    elections.set(key, entry);
  }
  const rank = (list: readonly string[], item: string): number =>
    list.includes(item) ? list.indexOf(item) : list.length;
  const continued = [...byArm.values()].reduce((sum, n) => sum + n, 0);
  return {
    phase: phase.code,
    label: phase.label,
    startVisit: phase.startVisit,
    endVisit: phase.endVisit,
    completedMainPhase,
    continued,
    notContinued,
    byArm: armOrder.map((arm) => ({ arm, subjects: byArm.get(arm) ?? 0 })),
    elections: [...elections.values()].sort(
      (a, b) =>
        rank(optionOrder, a.option) - rank(optionOrder, b.option) ||
        rank(armOrder, a.fromArm) - rank(armOrder, b.fromArm) ||
        rank(armOrder, a.toArm) - rank(armOrder, b.toArm),
    ),
    weeksOnTreatment: {
      basis:
        'Subjects who elected to continue; weeks from day 0 to their extension disposition, or to the ' +
        `data cut while on treatment. Completed: the ${phase.code} disposition is "completed".`,
      milestoneWeeks: milestone ? weeks(milestone.day) : null,
      endWeeks: weeks(endDay),
      buckets: extensionBuckets(weeks(endDay), milestone ? weeks(milestone.day) : null).map((b) => ({
        ...b,
        subjects: buckets.get(b.code) ?? 0,
      })),
    },
  };
}
