import { analysisValue, isResponder } from '../labs/hcv-rna.js';
import type { MeasureResult } from '../labs/result.js';
import type { Protocol } from '../protocol/schema.js';
import { clopperPearsonCi, fisherExact, meanCi, newcombeDifferenceCi, welchTTest } from '../stats/index.js';
import { groupBy, resultOf, type RandomizedSubject, type StudyData } from './input.js';
import {
  CONFIDENCE_LEVEL,
  INSUFFICIENT_TEXT,
  type AnalysisSet,
  type ChangeComparison,
  type ChangeSummary,
  type EndpointResult,
  type InsufficientFlag,
  type ResponderComparison,
  type ResponderSummary,
} from './result-schema.js';

type Endpoint = Protocol['endpoints'][number];
type ChangeEndpoint = Extract<Endpoint, { kind: 'change-from-baseline' }>;
type ResponderEndpoint = Extract<Endpoint, { kind: 'responder' }>;
type Population = Protocol['analysis']['populations'][number];

/** Why a statistic is null (the output's `reason`). */
export const REASONS = {
  noSubjects: 'no subjects in this group',
  noValues: 'no values in this group',
  oneValue: 'a single value: no standard deviation or confidence interval',
  constant: 'all values are equal: no variability, so no confidence interval',
  emptyGroup: (arm: string): string => `no values in ${arm}: no comparison`,
  noSubjectsIn: (arm: string): string => `no subjects in ${arm}: no comparison`,
} as const;

/** One subject's value of a change endpoint: null when it cannot be computed (a result is missing). */
export interface ChangeValue {
  readonly change: number | null;
  /** A result below the LLOQ or not detected entered the value at the protocol's rule. */
  readonly imputed: boolean;
}

/** A subset of the randomized subjects: everyone, or one level of the protocol's `byFactor`. */
export interface Subset {
  readonly factor: string | null;
  readonly level: string | null;
  readonly label: string;
}

/** All subjects first, then each level of `analysis.byFactor` in protocol order. */
export function subsetsOf(protocol: Protocol): Subset[] {
  const all: Subset = { factor: null, level: null, label: 'All randomized subjects' };
  const factor = protocol.stratification.factors.find((f) => f.code === protocol.analysis.byFactor);
  if (!factor) return [all];
  return [all, ...factor.levels.map((l) => ({ factor: factor.code, level: l.code, label: l.label }))];
}

const inSubset = (subset: Subset, s: RandomizedSubject): boolean =>
  subset.factor === null || s.levels[subset.factor] === subset.level;

/** The date of the subject's first discontinuation (any phase), or null. */
function firstDiscontinuation(s: RandomizedSubject): string | null {
  let first: string | null = null;
  for (const d of s.dispositions)
    if (d.status === 'discontinued' && (first === null || d.date < first)) first = d.date;
  return first;
}

/**
 * Completed a visit: has a result at it collected on treatment, i.e. not after a discontinuation
 * (a discontinuation on the day of the sample still counts the sample as on treatment).
 */
export function completedVisit(s: RandomizedSubject, visit: string): boolean {
  const stop = firstDiscontinuation(s);
  return s.results.some((r) => r.visit === visit && (stop === null || r.collectedOn <= stop));
}

/** Whether a randomized subject belongs to the population. */
export function isInPopulation(population: Population, s: RandomizedSubject): boolean {
  switch (population.kind) {
    case 'all-randomized':
      return true;
    case 'completed-visit':
      return completedVisit(s, population.visit);
  }
}

/** The population's definition in words, for the output's rules. */
export function definePopulation(population: Population): string {
  switch (population.kind) {
    case 'all-randomized':
      return (
        'All randomized subjects, in the arm they were randomized to, with all their results up to the ' +
        'data cut, on or off treatment (intention to treat)'
      );
    case 'completed-visit':
      return (
        `Randomized subjects with a result at ${population.visit} collected on treatment ` +
        `(not after a discontinuation), in the arm they were randomized to`
      );
  }
}

/** A result's analysed value under the protocol's below-LLOQ rule (the result's LLOQ, else the measure's). */
function analysedValue(
  result: MeasureResult,
  rule: Protocol['analysis']['belowLloq'],
  measureLloq: number | undefined,
): { readonly value: number | null; readonly imputed: boolean } {
  // One rule for every measure: the one labs/hcv-rna.ts applies to HCV RNA.
  const r =
    result.kind === 'value'
      ? ({ kind: 'value', iuPerMl: result.value } as const)
      : ({ kind: 'not_detected', lloq: result.lloq ?? measureLloq ?? null } as const);
  const { iuPerMl, imputed } = analysisValue(r, rule);
  return { value: iuPerMl, imputed };
}

/** Every randomized subject's value of a change endpoint, by subject id. */
export function changeValues(data: StudyData, endpoint: ChangeEndpoint): Map<string, ChangeValue> {
  const { protocol } = data;
  const measure = protocol.measures.find((m) => m.code === endpoint.measure);
  const transform = (v: number | null): number | null => {
    if (v === null || endpoint.transform === 'none') return v;
    return v > 0 ? Math.log10(v) : null;
  };
  const values = new Map<string, ChangeValue>();
  for (const s of data.randomized) {
    const base = resultOf(s, endpoint.baselineVisit, endpoint.measure);
    const later = resultOf(s, endpoint.visit, endpoint.measure);
    if (!base || !later) {
      values.set(s.id, { change: null, imputed: false });
      continue;
    }
    const b = analysedValue(base.result, protocol.analysis.belowLloq, measure?.lloq);
    const v = analysedValue(later.result, protocol.analysis.belowLloq, measure?.lloq);
    const tb = transform(b.value);
    const tv = transform(v.value);
    const change = tb === null || tv === null ? null : endpoint.direction === 'reduction' ? tb - tv : tv - tb;
    values.set(s.id, { change, imputed: b.imputed || v.imputed });
  }
  return values;
}

/** The flag of a group below the protocol's minimum size, or null. */
export function insufficientFlag(n: number, minimumGroupSize: number): InsufficientFlag {
  return n < minimumGroupSize ? { text: INSUFFICIENT_TEXT, n, minimumGroupSize } : null;
}

/** One arm's subjects in an analysis set, with their values of the endpoint at hand. */
interface ArmGroup {
  readonly arm: string;
  readonly members: readonly RandomizedSubject[];
  readonly values: readonly number[];
  readonly imputed: number;
}

function armGroup(
  arm: string,
  members: readonly RandomizedSubject[],
  values: ReadonlyMap<string, ChangeValue>,
): ArmGroup {
  const present: number[] = [];
  let imputed = 0;
  for (const s of members) {
    const v = values.get(s.id);
    if (v?.change == null) continue;
    present.push(v.change);
    if (v.imputed) imputed += 1;
  }
  return { arm, members, values: present, imputed };
}

/** Mean, SD and t-based 95% CI of one arm's changes; nulls with a reason where undefined. */
function summariseChange(group: ArmGroup, minimumGroupSize: number): ChangeSummary {
  const n = group.values.length;
  const ci = meanCi(group.values, CONFIDENCE_LEVEL);
  // As R's t.test: a standard error below 10·ε·|mean| means the data are constant (no interval).
  const constant =
    ci.mean !== null && ci.sd !== null && ci.sd / Math.sqrt(n) <= 10 * Number.EPSILON * Math.abs(ci.mean);
  const reason = n === 0 ? REASONS.noValues : n === 1 ? REASONS.oneValue : constant ? REASONS.constant : null;
  return {
    arm: group.arm,
    inPopulation: group.members.length,
    n,
    missing: group.members.length - n,
    imputed: group.imputed,
    mean: ci.mean,
    sd: ci.sd,
    lower: constant ? null : ci.lower,
    upper: constant ? null : ci.upper,
    reason,
    insufficient: insufficientFlag(n, minimumGroupSize),
  };
}

/** Welch's t-test of an arm's changes against the control's. */
function compareChange(arm: ArmGroup, control: ArmGroup, minimumGroupSize: number): ChangeComparison {
  const flag = insufficientFlag(Math.min(arm.values.length, control.values.length), minimumGroupSize);
  const base = { arm: arm.arm, control: control.arm };
  const empty = [arm, control].find((g) => g.values.length === 0);
  if (empty) {
    const nulls = { difference: null, lower: null, upper: null, df: null, t: null, pValue: null };
    return { ...base, ...nulls, reason: REASONS.emptyGroup(empty.arm), insufficient: flag };
  }
  const w = welchTTest(arm.values, control.values, CONFIDENCE_LEVEL);
  return {
    ...base,
    difference: w.estimate,
    lower: w.lower,
    upper: w.upper,
    df: w.df,
    t: w.t,
    pValue: w.pValue,
    reason: w.reason,
    insufficient: flag,
  };
}

/** Responders among an arm's subjects, and the denominator of their rate. */
interface ResponderCount {
  readonly arm: string;
  readonly responders: number;
  readonly denominator: number;
}

function countResponders(group: ArmGroup, threshold: number, missingAsNonResponder: boolean): ResponderCount {
  const responders = group.values.filter((v) => isResponder(v, threshold)).length;
  const denominator = missingAsNonResponder ? group.members.length : group.values.length;
  return { arm: group.arm, responders, denominator };
}

/** An arm's responder rate with the Clopper–Pearson exact 95% CI. */
function summariseResponders(
  group: ArmGroup,
  count: ResponderCount,
  minimumGroupSize: number,
): ResponderSummary {
  const ci = clopperPearsonCi(count.responders, count.denominator, CONFIDENCE_LEVEL);
  return {
    arm: group.arm,
    inPopulation: group.members.length,
    denominator: count.denominator,
    responders: count.responders,
    missing: group.members.length - group.values.length,
    imputed: group.imputed,
    rate: ci.estimate,
    lower: ci.lower,
    upper: ci.upper,
    reason: count.denominator === 0 ? REASONS.noSubjects : null,
    insufficient: insufficientFlag(count.denominator, minimumGroupSize),
  };
}

/** Difference in responder rates (Newcombe hybrid score CI) and Fisher's exact two-sided p. */
function compareResponders(
  arm: ResponderCount,
  control: ResponderCount,
  minimumGroupSize: number,
): ResponderComparison {
  const flag = insufficientFlag(Math.min(arm.denominator, control.denominator), minimumGroupSize);
  const base = { arm: arm.arm, control: control.arm };
  const empty = [arm, control].find((c) => c.denominator === 0);
  if (empty) {
    const nulls = { difference: null, lower: null, upper: null, pValue: null };
    return { ...base, ...nulls, reason: REASONS.noSubjectsIn(empty.arm), insufficient: flag };
  }
  const ci = newcombeDifferenceCi(
    arm.responders,
    arm.denominator,
    control.responders,
    control.denominator,
    CONFIDENCE_LEVEL,
  );
  const p = fisherExact([
    [arm.responders, arm.denominator - arm.responders],
    [control.responders, control.denominator - control.responders],
  ]).pValue;
  return {
    ...base,
    difference: ci.estimate,
    lower: ci.lower,
    upper: ci.upper,
    pValue: p,
    reason: null,
    insufficient: flag,
  };
}

/** Subjects by randomized arm, keeping their order. */
const byArm = (subjects: readonly RandomizedSubject[]): Map<string, RandomizedSubject[]> =>
  groupBy(subjects, (s) => s.arm);

/** The codes of the interim analyses at a visit. */
const interimAt = (protocol: Protocol, visit: string): string[] =>
  protocol.analysis.interim.filter((ia) => ia.visit === visit).map((ia) => ia.code);

function changeEndpointResult(
  protocol: Protocol,
  endpoint: ChangeEndpoint,
  groups: readonly ArmGroup[],
  control: ArmGroup | undefined,
): EndpointResult {
  const min = protocol.analysis.minimumGroupSize;
  const unit = protocol.measures.find((m) => m.code === endpoint.measure)?.unit ?? '';
  return {
    kind: 'change-from-baseline',
    code: endpoint.code,
    label: endpoint.label,
    primary: endpoint.primary,
    visit: endpoint.visit,
    interim: interimAt(protocol, endpoint.visit),
    measure: endpoint.measure,
    transform: endpoint.transform,
    direction: endpoint.direction,
    baselineVisit: endpoint.baselineVisit,
    unit: endpoint.transform === 'log10' ? `log10 ${unit}` : unit,
    arms: groups.map((g) => summariseChange(g, min)),
    comparisons: control
      ? groups.filter((g) => g !== control).map((g) => compareChange(g, control, min))
      : [],
  };
}

function responderEndpointResult(
  protocol: Protocol,
  endpoint: ResponderEndpoint,
  of: ChangeEndpoint,
  population: Population,
  groups: readonly ArmGroup[],
  control: ArmGroup | undefined,
): EndpointResult {
  const min = protocol.analysis.minimumGroupSize;
  const missingAsNonResponder = population.kind === 'all-randomized';
  const counted = groups.map((group) => ({
    group,
    count: countResponders(group, endpoint.threshold, missingAsNonResponder),
  }));
  const controlCount = counted.find((c) => c.group === control)?.count;
  return {
    kind: 'responder',
    code: endpoint.code,
    label: endpoint.label,
    primary: endpoint.primary,
    visit: of.visit,
    interim: interimAt(protocol, of.visit),
    of: endpoint.of,
    threshold: endpoint.threshold,
    missingHandling: missingAsNonResponder ? 'non-responder' : 'excluded',
    arms: counted.map((c) => summariseResponders(c.group, c.count, min)),
    comparisons: controlCount
      ? counted
          .filter((c) => c.count !== controlCount)
          .map((c) => compareResponders(c.count, controlCount, min))
      : [],
  };
}

/** What every analysis set shares: the protocol, each change endpoint's values, the control arm. */
interface EfficacyContext {
  readonly protocol: Protocol;
  readonly changeEndpoints: readonly ChangeEndpoint[];
  readonly values: ReadonlyMap<string, ReadonlyMap<string, ChangeValue>>;
  readonly controlArm: string | undefined;
}

/** One endpoint in one analysis set (a responder endpoint reads the values of the change it thresholds). */
function endpointResult(
  context: EfficacyContext,
  endpoint: Endpoint,
  population: Population,
  arms: readonly { readonly arm: string; readonly members: readonly RandomizedSubject[] }[],
): EndpointResult {
  const change =
    endpoint.kind === 'change-from-baseline'
      ? endpoint
      : context.changeEndpoints.find((e) => e.code === endpoint.of);
  if (!change) throw new Error(`unreachable: responder endpoint ${endpoint.code} has no change endpoint`);
  const values = context.values.get(change.code) ?? new Map<string, ChangeValue>();
  const groups = arms.map((a) => armGroup(a.arm, a.members, values));
  const control = groups.find((g) => g.arm === context.controlArm);
  return endpoint.kind === 'change-from-baseline'
    ? changeEndpointResult(context.protocol, endpoint, groups, control)
    : responderEndpointResult(context.protocol, endpoint, change, population, groups, control);
}

/**
 * The efficacy analysis: for each subset (all, then each level of `byFactor`) and each population of
 * the protocol, every endpoint per arm (protocol order) and each arm against the control.
 */
export function analyseEfficacy(data: StudyData): AnalysisSet[] {
  const { protocol } = data;
  const changeEndpoints = protocol.endpoints.filter(
    (e): e is ChangeEndpoint => e.kind === 'change-from-baseline',
  );
  const context: EfficacyContext = {
    protocol,
    changeEndpoints,
    values: new Map(changeEndpoints.map((e) => [e.code, changeValues(data, e)] as const)),
    controlArm: protocol.arms.find((a) => a.control)?.code,
  };
  const populations = protocol.analysis.populations.map((population) => ({
    population,
    members: data.randomized.filter((s) => isInPopulation(population, s)),
  }));
  return subsetsOf(protocol).flatMap((subset) => {
    const randomizedByArm = byArm(data.randomized.filter((s) => inSubset(subset, s)));
    return populations.map(({ population, members }): AnalysisSet => {
      const membersByArm = byArm(members.filter((s) => inSubset(subset, s)));
      const arms = protocol.arms.map((a) => ({
        arm: a.code,
        randomized: randomizedByArm.get(a.code)?.length ?? 0,
        members: membersByArm.get(a.code) ?? [],
      }));
      return {
        subset,
        population: {
          code: population.code,
          label: population.label,
          kind: population.kind,
          visit: population.kind === 'completed-visit' ? population.visit : null,
        },
        arms: arms.map((a) => ({ arm: a.arm, randomized: a.randomized, inPopulation: a.members.length })),
        endpoints: protocol.endpoints.map((endpoint) => endpointResult(context, endpoint, population, arms)),
      };
    });
  });
}
