import { addDays } from '../capture/dates.js';
import {
  DISCONTINUATION_REASONS,
  RELATEDNESS,
  type DiscontinuationReason,
  type Relatedness,
} from '../capture/vocabulary.js';
import { resolveElection } from '../extension/election.js';
import type { MeasureResult } from '../labs/result.js';
import type { Protocol } from '../protocol/schema.js';
import type {
  AdverseEventEntry,
  AnalysisInput,
  DispositionEntry,
  Reassignment,
  ResultEntry,
  ScreenedSubject,
  VisitEntry,
} from './input.js';

export interface SyntheticOptions {
  /** Randomized subjects; about 10% more are screened (screen failures, eligible not randomized). */
  readonly subjects: number;
  /** Any integer: the same protocol, subjects and seed give the same study. */
  readonly seed: number;
  /** First randomization, YYYY-MM-DD (default 2006-01-09). */
  readonly startDate?: string;
}

/** A small, fast, seedable generator (mulberry32): fine for test data, never for allocation. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Draw {
  constructor(private readonly next: () => number) {}
  uniform(): number {
    return this.next();
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let u = this.next() * total;
    for (const [item, w] of items) if ((u -= w) < 0) return item;
    return this.pick(items)[0];
  }
  /** Normal by Box–Muller. */
  normal(mean: number, sd: number): number {
    const u = 1 - this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** Adverse event terms by body system (MedDRA-like), with how often each is drawn. */
const AE_TERMS: readonly (readonly [readonly [string, string], number])[] = [
  [['Gastrointestinal disorders', 'Diarrhoea'], 8],
  [['Gastrointestinal disorders', 'Nausea'], 6],
  [['Gastrointestinal disorders', 'Flatulence'], 4],
  [['Gastrointestinal disorders', 'Abdominal pain'], 3],
  [['General disorders and administration site conditions', 'Fatigue'], 9],
  [['General disorders and administration site conditions', 'Influenza like illness'], 8],
  [['General disorders and administration site conditions', 'Pyrexia'], 4],
  [['Nervous system disorders', 'Headache'], 7],
  [['Nervous system disorders', 'Dizziness'], 2],
  [['Blood and lymphatic system disorders', 'Neutropenia'], 3],
  [['Blood and lymphatic system disorders', 'Anaemia'], 3],
  [['Psychiatric disorders', 'Insomnia'], 3],
  [['Psychiatric disorders', 'Depression'], 2],
  [['Skin and subcutaneous tissue disorders', 'Rash'], 2],
];
const GRADES: readonly (readonly [number, number])[] = [
  [1, 55],
  [2, 30],
  [3, 12],
  [4, 2.8],
  [5, 0.2],
];
const AE_COUNTS: readonly (readonly [number, number])[] = [
  [0, 30],
  [1, 30],
  [2, 20],
  [3, 12],
  [4, 8],
];
/** Subjects are randomized evenly over this many days from the start date. */
const ENROLMENT_DAYS = 300;
const RELATEDNESS_WEIGHTS = RELATEDNESS.map((r, i) => [r, [30, 25, 25, 15, 5][i] ?? 1] as const);
/**
 * Each subject's change at the endpoint visit, in log10 units (× 10 for an untransformed measure): a
 * mixture of marked responders and others, by arm (the control first, then the other arms in turn),
 * near the reference study's means of 1.2 (triple) and 0.4 (control) and EVR of 33% and 10%.
 */
interface ArmEffect {
  readonly responderShare: number;
  readonly responder: number;
  readonly other: number;
}
const CONTROL_EFFECT: ArmEffect = { responderShare: 0.1, responder: 3, other: 0.1 };
const ARM_EFFECTS: readonly ArmEffect[] = [
  { responderShare: 0.33, responder: 3.6, other: 0.15 },
  { responderShare: 0.12, responder: 3, other: 0.2 },
  { responderShare: 0.25, responder: 3.4, other: 0.2 },
];

/** A measure's behaviour over time: which way it moves and on what scale. */
interface MeasureModel {
  readonly code: string;
  readonly log10: boolean;
  readonly sign: 1 | -1;
  readonly lloq: number | undefined;
  readonly min: number;
  readonly max: number;
}

function measureModels(protocol: Protocol): MeasureModel[] {
  return protocol.measures.map((m) => {
    const endpoint = protocol.endpoints.find(
      (e) => e.kind === 'change-from-baseline' && e.measure === m.code,
    );
    const change = endpoint?.kind === 'change-from-baseline' ? endpoint : undefined;
    const log10 = change?.transform === 'log10';
    return {
      code: m.code,
      log10,
      sign: change?.direction === 'increase' ? 1 : -1,
      lloq: m.lloq,
      min: m.plausible?.minExclusive ?? 0,
      max: m.plausible?.max ?? (log10 ? 1e9 : 100),
    };
  });
}

/** The result of a measure for a subject at a point of their course (`progress` 0 at baseline, 1 at the endpoint). */
function measureResult(
  model: MeasureModel,
  draw: Draw,
  baseline: number,
  effect: number,
  progress: number,
): MeasureResult {
  if (model.log10) {
    const log = baseline + model.sign * effect * progress + draw.normal(0, 0.15);
    const value = Math.min(10 ** log, model.max);
    const lloq = model.lloq ?? 15;
    if (value >= lloq) return { kind: 'value', value: Math.round(value) };
    return draw.chance(0.5)
      ? { kind: 'not_detected', lloq: draw.chance(0.9) ? lloq : null }
      : { kind: 'below_lloq', lloq };
  }
  const raw = baseline + model.sign * effect * 10 * progress + draw.normal(0, 3);
  const value = Math.round(Math.min(model.max, Math.max(model.min + 0.1, raw)) * 10) / 10;
  if (model.lloq !== undefined && value < model.lloq) return { kind: 'below_lloq', lloq: model.lloq };
  return { kind: 'value', value };
}

/** An election that makes sense for the arm: a switch only from an arm it moves, else staying. */
function elect(
  protocol: Protocol,
  options: NonNullable<Protocol['phases'][number]['election']>['options'],
  arm: string,
  draw: Draw,
): ReturnType<typeof resolveElection> {
  const useful = options
    .map((o) => resolveElection(protocol, arm, o.code))
    .filter((e, i) => options[i]?.assignment === 'same' || e.toArm !== arm);
  return draw.pick(useful.length > 0 ? useful : [resolveElection(protocol, arm, draw.pick(options).code)]);
}

const baselineOf = (model: MeasureModel, draw: Draw): number =>
  model.log10 ? Math.min(7.5, Math.max(4.3, draw.normal(6.2, 0.5))) : draw.normal(50, 10);

/** What every subject's generation shares. */
interface Setting {
  readonly protocol: Protocol;
  readonly draw: Draw;
  readonly dataCut: string;
  readonly main: Phase;
  readonly extension: Phase | undefined;
  readonly dayOf: (visit: string) => number;
  readonly models: readonly MeasureModel[];
  readonly effectOf: ReadonlyMap<string, ArmEffect>;
}
type Phase = Protocol['phases'][number];
type Arm = Protocol['arms'][number];

/** How a subject's participation goes: main-phase dropout, or completion and perhaps the extension. */
function course(
  setting: Setting,
  subjectId: string,
  arm: Arm,
  dayZero: string,
): { lastDay: number; dispositions: DispositionEntry[]; election: Reassignment | null } {
  const { draw, main, extension, dayOf, dataCut } = setting;
  const mainEnd = dayOf(main.endVisit);
  const on = (day: number): string => addDays(dayZero, day);
  if (draw.chance(0.12) && mainEnd > 8) {
    const lastDay = draw.int(7, mainEnd - 1);
    const reason: DiscontinuationReason = draw.chance(0.6)
      ? 'adverse_event'
      : draw.pick(DISCONTINUATION_REASONS.filter((r) => r !== 'adverse_event' && r !== 'death'));
    const drug = reason === 'adverse_event' ? draw.pick(arm.treatments).drug : null;
    return {
      lastDay,
      dispositions: [
        { subjectId, phase: main.code, status: 'discontinued', date: on(lastDay), reason, relatedDrug: drug },
      ],
      election: null,
    };
  }
  const completed: DispositionEntry = {
    subjectId,
    phase: main.code,
    status: 'completed',
    date: on(mainEnd),
    reason: null,
    relatedDrug: null,
  };
  if (!extension?.election || !draw.chance(0.62))
    return { lastDay: mainEnd, dispositions: [completed], election: null };
  const chosen = elect(setting.protocol, extension.election.options, arm.code, draw);
  const { option, fromArm, toArm } = chosen;
  const election = {
    subjectId,
    phase: extension.code,
    option,
    fromArm,
    toArm,
    date: on(dayOf(extension.election.visit)),
  };
  const extEnd = dayOf(extension.endVisit);
  const quits = draw.chance(0.1);
  const lastDay = quits ? draw.int(dayOf(extension.startVisit), extEnd - 1) : extEnd;
  const ended: DispositionEntry = {
    subjectId,
    phase: extension.code,
    status: quits ? 'discontinued' : 'completed',
    date: on(lastDay),
    reason: quits ? draw.pick(DISCONTINUATION_REASONS.filter((r) => r !== 'death')) : null,
    relatedDrug: null,
  };
  return { lastDay, dispositions: ended.date <= dataCut ? [completed, ended] : [completed], election };
}

/** The subject's visits and results up to their last day on study and the data cut. */
function visitsOf(
  setting: Setting,
  subjectId: string,
  arm: Arm,
  dayZero: string,
  lastDay: number,
  onExtension: boolean,
): { visits: VisitEntry[]; results: ResultEntry[] } {
  const { protocol, draw, models } = setting;
  const endpointDay = Math.max(1, setting.dayOf(setting.main.endVisit));
  const baselines = new Map(models.map((m) => [m.code, baselineOf(m, draw)] as const));
  const effect = subjectEffect(setting, arm.code);
  const visits: VisitEntry[] = [];
  const results: ResultEntry[] = [];
  for (const visit of protocol.visits) {
    if (visit.day > lastDay || (visit.phase === setting.extension?.code && !onExtension)) continue;
    const jitter = visit.day === 0 ? 0 : draw.int(-visit.window.before, visit.window.after);
    const date = addDays(dayZero, visit.day + jitter);
    if (date > setting.dataCut) continue;
    visits.push({ subjectId, visit: visit.code, date });
    const progress = Math.min(1.3, Math.max(0, visit.day) / endpointDay);
    for (const model of models) {
      if (!visit.measures.includes(model.code) || draw.chance(0.03)) continue;
      const result = measureResult(model, draw, baselines.get(model.code) ?? 0, effect, progress);
      results.push({ subjectId, visit: visit.code, measure: model.code, collectedOn: date, result });
    }
  }
  return { visits, results };
}

/** A subject's change at the endpoint: a marked responder or not, by the arm's effect. */
function subjectEffect(setting: Setting, arm: string): number {
  const { draw } = setting;
  const e = setting.effectOf.get(arm) ?? CONTROL_EFFECT;
  return draw.chance(e.responderShare) ? draw.normal(e.responder, 1.4) : draw.normal(e.other, 0.45);
}

/** Zero to four adverse events while on study, with grades, seriousness and relatedness to each drug. */
function adverseEventsOf(
  setting: Setting,
  subjectId: string,
  dayZero: string,
  lastDay: number,
): AdverseEventEntry[] {
  const { draw, protocol } = setting;
  const count = draw.weighted(AE_COUNTS);
  const events: AdverseEventEntry[] = [];
  for (let e = 0; e < count; e += 1) {
    const onsetDate = addDays(dayZero, draw.int(1, Math.max(1, lastDay)));
    if (onsetDate > setting.dataCut) continue;
    const [bodySystem, term] = draw.weighted(AE_TERMS);
    const grade = draw.weighted(GRADES);
    events.push({
      subjectId,
      verbatimTerm: term.toLowerCase(),
      codedTerm: draw.chance(0.03) ? null : term,
      bodySystem: draw.chance(0.02) ? null : bodySystem,
      grade,
      serious: grade >= 3 ? draw.chance(0.4) : draw.chance(0.01),
      relatedness: Object.fromEntries(
        protocol.drugs.map((d) => [d.code, draw.weighted<Relatedness>(RELATEDNESS_WEIGHTS)] as const),
      ),
      onsetDate,
    });
  }
  return events;
}

/**
 * A synthetic study for benchmarks and smoke tests: `subjects` randomized subjects (plus screen failures
 * and eligible subjects not randomized) enrolled over 300 days, with visits, results (HCV-like values for
 * a log10 measure, some below the LLOQ or not detected), adverse events, dropouts and extension
 * elections, all from the protocol; the data cut falls 30 days after the last main phase ends.
 * Deterministic: the same protocol, size and seed give the same input.
 */
export function syntheticStudy(protocol: Protocol, options: SyntheticOptions): AnalysisInput {
  const draw = new Draw(mulberry32(options.seed));
  const start = options.startDate ?? '2006-01-09';
  const main = protocol.phases.find((p) => p.kind === 'main');
  if (!main) throw new Error('unreachable: a valid protocol has a main phase');
  const dayOf = (code: string): number => protocol.visits.find((v) => v.code === code)?.day ?? 0;
  const setting: Setting = {
    protocol,
    draw,
    dataCut: addDays(start, ENROLMENT_DAYS + dayOf(main.endVisit) + 30),
    main,
    extension: protocol.phases.find((p) => p.kind === 'extension' && p.election),
    dayOf,
    models: measureModels(protocol),
    effectOf: new Map(
      protocol.arms
        .filter((a) => !a.control)
        .map((a, i) => [a.code, ARM_EFFECTS[i % ARM_EFFECTS.length] ?? CONTROL_EFFECT] as const),
    ),
  };
  const sites = Array.from(
    { length: Math.min(20, Math.max(1, Math.ceil(options.subjects / 50))) },
    (_, i) => `S${String(i + 1).padStart(2, '0')}`,
  );
  const armWeights = protocol.arms.map((a) => [a, a.ratio] as const);
  const input = {
    subjects: [] as ScreenedSubject[],
    visits: [] as VisitEntry[],
    results: [] as ResultEntry[],
    adverseEvents: [] as AdverseEventEntry[],
    dispositions: [] as DispositionEntry[],
    reassignments: [] as Reassignment[],
  };
  const screen = (
    status: ScreenedSubject['status'],
    randomization: ScreenedSubject['randomization'] = null,
  ): string => {
    const n = input.subjects.length + 1;
    const siteCode = draw.pick(sites);
    const levels = Object.fromEntries(
      protocol.stratification.factors.map((f) => [f.code, draw.pick(f.levels).code] as const),
    );
    const id = `syn-${n}`;
    const screeningNumber = `${siteCode}-S${String(n).padStart(6, '0')}`;
    input.subjects.push({ id, screeningNumber, siteCode, status, levels, randomization });
    return id;
  };

  for (let i = 0; i < options.subjects; i += 1) {
    if (draw.chance(0.08)) screen('screen_failed');
    if (draw.chance(0.02)) screen('eligible');
    const arm = draw.weighted(armWeights);
    const dayZero = addDays(start, Math.floor((i * ENROLMENT_DAYS) / options.subjects));
    const id = screen('randomized', { arm: arm.code, date: dayZero });
    const { lastDay, dispositions, election } = course(setting, id, arm, dayZero);
    const { visits, results } = visitsOf(setting, id, arm, dayZero, lastDay, election !== null);
    input.dispositions.push(...dispositions);
    if (election) input.reassignments.push(election);
    input.visits.push(...visits);
    input.results.push(...results);
    input.adverseEvents.push(...adverseEventsOf(setting, id, dayZero, lastDay));
  }
  return { protocol, protocolVersion: 1, dataCut: setting.dataCut, ...input };
}
