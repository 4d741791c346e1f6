import { changeValues, subsetsOf, type Subset } from '../analysis/efficacy.js';
import { compareText, prepareStudy, type AnalysisInput, type StudyData } from '../analysis/input.js';
import { CONFIDENCE_LEVEL } from '../analysis/result-schema.js';
import { isResponder } from '../labs/hcv-rna.js';
import type { Protocol } from '../protocol/schema.js';
import { meanCi } from '../stats/index.js';

// The data behind the report's figures, computed from the analysis input with the analysis's own
// helpers (the data cut, the below-LLOQ rule, the log10 transform and the direction of change), so a
// figure can never disagree with the tables.

type ChangeEndpoint = Extract<Protocol['endpoints'][number], { kind: 'change-from-baseline' }>;

/** One arm's mean change at one visit with its t-based 95% CI; nulls where undefined. */
export interface TimePoint {
  readonly visit: string;
  readonly day: number;
  /** Subjects with a value (a baseline and a result at the visit). */
  readonly n: number;
  readonly mean: number | null;
  /** Null with fewer than 2 values or no variability (e.g. at baseline, where every change is 0). */
  readonly lower: number | null;
  readonly upper: number | null;
}

export interface ArmSeries {
  readonly arm: string;
  /** Every visit of the figure, in order (n = 0 where no subject has a value). */
  readonly points: readonly TimePoint[];
}

/** Mean change from baseline over the visits, by arm: one panel per level of `byFactor` (else one). */
export interface ChangeOverTime {
  readonly measure: string;
  readonly measureLabel: string;
  readonly transform: 'none' | 'log10';
  readonly direction: 'reduction' | 'increase';
  readonly baselineVisit: string;
  /** The unit of a change, e.g. "log10 IU/mL". */
  readonly unit: string;
  /** The change endpoints of this measure (their visits are among the figure's). */
  readonly endpoints: readonly string[];
  readonly visits: readonly { readonly code: string; readonly label: string; readonly day: number }[];
  readonly panels: readonly { readonly subset: Subset; readonly series: readonly ArmSeries[] }[];
}

/** One subject's change at the endpoint visit. */
export interface WaterfallBar {
  readonly subjectId: string;
  readonly screeningNumber: string;
  readonly arm: string;
  readonly change: number;
  /** A result below the LLOQ or not detected entered the value at the protocol's rule. */
  readonly imputed: boolean;
  /** At or above the responder threshold; null when no responder endpoint thresholds this change. */
  readonly responder: boolean | null;
}

/** Individual changes at an endpoint's visit, largest first, one panel per level of `byFactor` (else one). */
export interface Waterfall {
  readonly endpoint: string;
  readonly label: string;
  readonly visit: string;
  readonly baselineVisit: string;
  readonly direction: 'reduction' | 'increase';
  readonly unit: string;
  readonly responder: {
    readonly endpoint: string;
    readonly label: string;
    readonly threshold: number;
  } | null;
  readonly panels: readonly { readonly subset: Subset; readonly bars: readonly WaterfallBar[] }[];
}

export interface FigureData {
  readonly changeOverTime: readonly ChangeOverTime[];
  readonly waterfalls: readonly Waterfall[];
  /** Randomized subjects without a level of `byFactor`: in no panel (the tables count them in "all"). */
  readonly withoutLevel: number;
}

/**
 * The figures' data: mean change over time per change-endpoint measure (observed cases among all
 * randomized subjects, by randomized arm, main-phase visits), and a waterfall of individual changes
 * for each primary change endpoint and each one a responder endpoint thresholds.
 */
export function figureData(input: AnalysisInput): FigureData {
  const data = prepareStudy(input);
  const { protocol } = data;
  const subsets = panelsOf(protocol);
  const factor = subsets[0]?.factor ?? null;
  const levels = new Set(subsets.map((s) => s.level));
  const changes = protocol.endpoints.filter((e): e is ChangeEndpoint => e.kind === 'change-from-baseline');
  return {
    changeOverTime: measureGroups(changes).map((group) => changeOverTime(data, group, subsets)),
    waterfalls: waterfallEndpoints(protocol, changes).map((e) => waterfall(data, e, subsets)),
    withoutLevel:
      factor === null ? 0 : data.randomized.filter((s) => !levels.has(s.levels[factor] ?? null)).length,
  };
}

/** The levels of `byFactor` when the protocol analyses by one, else all subjects together. */
function panelsOf(protocol: Protocol): Subset[] {
  const subsets = subsetsOf(protocol);
  return subsets.length > 1 ? subsets.slice(1) : subsets;
}

const inSubset = (subset: Subset, levels: Readonly<Record<string, string>>): boolean =>
  subset.factor === null || levels[subset.factor] === subset.level;

/** Change endpoints grouped by what they measure (the same measure, scale, direction and baseline). */
function measureGroups(changes: readonly ChangeEndpoint[]): ChangeEndpoint[][] {
  const groups = new Map<string, ChangeEndpoint[]>();
  for (const e of changes) {
    const key = [e.measure, e.transform, e.direction, e.baselineVisit].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.values()];
}

/** Visits from the baseline to the end of the main phase (or the latest endpoint) that measure it. */
function visitsOf(protocol: Protocol, group: readonly ChangeEndpoint[]): Protocol['visits'] {
  const first = group[0];
  if (!first) return [];
  const dayOf = (code: string): number => protocol.visits.find((v) => v.code === code)?.day ?? 0;
  const mainEnd = protocol.phases.find((p) => p.kind === 'main')?.endVisit ?? first.visit;
  const start = dayOf(first.baselineVisit);
  const end = Math.max(dayOf(mainEnd), ...group.map((e) => dayOf(e.visit)));
  const named = new Set([first.baselineVisit, ...group.map((e) => e.visit)]);
  return protocol.visits.filter(
    (v) => v.day >= start && v.day <= end && (named.has(v.code) || v.measures.includes(first.measure)),
  );
}

function changeOverTime(
  data: StudyData,
  group: readonly ChangeEndpoint[],
  subsets: readonly Subset[],
): ChangeOverTime {
  const { protocol } = data;
  const first = group[0];
  if (!first) throw new Error('unreachable: a measure group has an endpoint');
  const measure = protocol.measures.find((m) => m.code === first.measure);
  const visits = visitsOf(protocol, group);
  // The analysis's own change values, with the endpoint moved to each visit in turn.
  const valuesAt = new Map(visits.map((v) => [v.code, changeValues(data, { ...first, visit: v.code })]));
  return {
    measure: first.measure,
    measureLabel: measure?.label ?? first.measure,
    transform: first.transform,
    direction: first.direction,
    baselineVisit: first.baselineVisit,
    unit: unitOf(protocol, first),
    endpoints: group.map((e) => e.code),
    visits: visits.map((v) => ({ code: v.code, label: v.label, day: v.day })),
    panels: subsets.map((subset) => ({
      subset,
      series: protocol.arms.map((arm) => {
        const members = data.randomized.filter((s) => s.arm === arm.code && inSubset(subset, s.levels));
        return {
          arm: arm.code,
          points: visits.map((v) => {
            const values = valuesAt.get(v.code);
            const changes = members.flatMap((s) => {
              const c = values?.get(s.id)?.change;
              return c === null || c === undefined ? [] : [c];
            });
            return { visit: v.code, day: v.day, ...summary(changes) };
          }),
        };
      }),
    })),
  };
}

/** n, mean and 95% CI (t-based, as the tables); no interval for a single value or no variability. */
function summary(values: readonly number[]): Omit<TimePoint, 'visit' | 'day'> {
  const ci = meanCi(values, CONFIDENCE_LEVEL);
  const interval = ci.sd !== null && ci.sd > 0;
  return {
    n: values.length,
    mean: ci.mean,
    lower: interval ? ci.lower : null,
    upper: interval ? ci.upper : null,
  };
}

const unitOf = (protocol: Protocol, endpoint: ChangeEndpoint): string => {
  const unit = protocol.measures.find((m) => m.code === endpoint.measure)?.unit ?? '';
  return endpoint.transform === 'log10' ? `log10 ${unit}`.trim() : unit;
};

/** The primary change endpoints and those a responder endpoint thresholds (else the first one). */
function waterfallEndpoints(protocol: Protocol, changes: readonly ChangeEndpoint[]): ChangeEndpoint[] {
  const thresholded = new Set(protocol.endpoints.flatMap((e) => (e.kind === 'responder' ? [e.of] : [])));
  const chosen = changes.filter((e) => e.primary || thresholded.has(e.code));
  return chosen.length > 0 ? chosen : changes.slice(0, 1);
}

function waterfall(data: StudyData, endpoint: ChangeEndpoint, subsets: readonly Subset[]): Waterfall {
  const { protocol } = data;
  const responder = protocol.endpoints.find((e) => e.kind === 'responder' && e.of === endpoint.code);
  const threshold = responder?.kind === 'responder' ? responder.threshold : null;
  const values = changeValues(data, endpoint);
  return {
    endpoint: endpoint.code,
    label: endpoint.label,
    visit: endpoint.visit,
    baselineVisit: endpoint.baselineVisit,
    direction: endpoint.direction,
    unit: unitOf(protocol, endpoint),
    responder:
      responder?.kind === 'responder'
        ? { endpoint: responder.code, label: responder.label, threshold: responder.threshold }
        : null,
    panels: subsets.map((subset) => ({
      subset,
      bars: data.randomized
        .filter((s) => inSubset(subset, s.levels))
        .flatMap((s): WaterfallBar[] => {
          const v = values.get(s.id);
          if (v?.change === null || v?.change === undefined) return [];
          const { change, imputed } = v;
          const isResp = threshold === null ? null : isResponder(change, threshold);
          return [
            {
              subjectId: s.id,
              screeningNumber: s.screeningNumber,
              arm: s.arm,
              change,
              imputed,
              responder: isResp,
            },
          ];
        })
        .sort(
          (a, b) =>
            b.change - a.change ||
            compareText(a.screeningNumber, b.screeningNumber) ||
            compareText(a.subjectId, b.subjectId),
        ),
    })),
  };
}
