import type { DiscontinuationReason, Relatedness } from '../capture/vocabulary.js';
import { validationError } from '../errors.js';
import type { MeasureResult } from '../labs/result.js';
import type { Protocol } from '../protocol/schema.js';

// The analysis engine's input: plain data, as a service fills it from the store's records (subjects,
// allocations, re-assignments, visits, results, adverse events, dispositions). Dates are YYYY-MM-DD.

/** A screened subject; `randomization` is set for randomized subjects only. */
export interface ScreenedSubject {
  readonly id: string;
  readonly screeningNumber: string;
  readonly siteCode: string;
  readonly status: 'screen_failed' | 'eligible' | 'randomized';
  /** Stratification levels by factor code, e.g. `{ PRIORRESP: 'NR' }`. */
  readonly levels: Readonly<Record<string, string>>;
  /** The randomized arm and the date of randomization. */
  readonly randomization: { readonly arm: string; readonly date: string } | null;
}

/** An extension election: a re-assignment from one arm to another (the same for CONTINUE). */
export interface Reassignment {
  readonly subjectId: string;
  readonly phase: string;
  readonly option: string;
  readonly fromArm: string;
  readonly toArm: string;
  readonly date: string;
}

export interface VisitEntry {
  readonly subjectId: string;
  readonly visit: string;
  readonly date: string;
}

export interface ResultEntry {
  readonly subjectId: string;
  readonly visit: string;
  readonly measure: string;
  readonly collectedOn: string;
  readonly result: MeasureResult;
}

export interface AdverseEventEntry {
  readonly subjectId: string;
  readonly verbatimTerm: string;
  readonly codedTerm: string | null;
  readonly bodySystem: string | null;
  /** 1 to 5. */
  readonly grade: number;
  readonly serious: boolean;
  /** The investigator's causality per study drug code; a drug not listed counts as not related. */
  readonly relatedness: Readonly<Record<string, Relatedness>>;
  readonly onsetDate: string;
}

export interface DispositionEntry {
  readonly subjectId: string;
  readonly phase: string;
  readonly status: 'completed' | 'discontinued';
  readonly date: string;
  readonly reason: DiscontinuationReason | null;
  /** The study drug a discontinuation for an adverse event is attributed to. */
  readonly relatedDrug: string | null;
}

/** Everything `analyze` needs: the protocol, the data cut and the study's data. */
export interface AnalysisInput {
  readonly protocol: Protocol;
  readonly protocolVersion: number;
  /** Data dated after the cut (and randomizations after it) are left out. */
  readonly dataCut: string;
  readonly subjects: readonly ScreenedSubject[];
  readonly reassignments: readonly Reassignment[];
  readonly visits: readonly VisitEntry[];
  readonly results: readonly ResultEntry[];
  readonly adverseEvents: readonly AdverseEventEntry[];
  readonly dispositions: readonly DispositionEntry[];
}

/** A randomized subject with their data up to the data cut, indexed for the analysis. */
export interface RandomizedSubject {
  readonly id: string;
  readonly screeningNumber: string;
  readonly levels: Readonly<Record<string, string>>;
  readonly arm: string;
  /** Day 0: the date of the protocol's day-0 visit when recorded, else the randomization date. */
  readonly dayZero: string;
  /** Results up to the data cut (a few per visit: small arrays, read with `resultOf`). */
  readonly results: readonly ResultEntry[];
  readonly adverseEvents: readonly AdverseEventEntry[];
  /** At most one per phase (`dispositionOf`). */
  readonly dispositions: readonly DispositionEntry[];
  /** The extension elections (`electionOf`). */
  readonly reassignments: readonly Reassignment[];
}

/** The subject's result of `measure` at `visit`, if any. */
export const resultOf = (s: RandomizedSubject, visit: string, measure: string): ResultEntry | undefined =>
  s.results.find((r) => r.visit === visit && r.measure === measure);

/** The subject's disposition of `phase`, if any. */
export const dispositionOf = (s: RandomizedSubject, phase: string): DispositionEntry | undefined =>
  s.dispositions.find((d) => d.phase === phase);

/** The subject's latest election of `phase`, if any. */
export function electionOf(s: RandomizedSubject, phase: string): Reassignment | undefined {
  let latest: Reassignment | undefined;
  for (const r of s.reassignments) if (r.phase === phase && (!latest || latest.date <= r.date)) latest = r;
  return latest;
}

/** The input after the data cut, with the randomized subjects indexed: what the analyses read. */
export interface StudyData {
  readonly protocol: Protocol;
  readonly protocolVersion: number;
  readonly dataCut: string;
  /** Every screened subject; one randomized after the data cut counts as eligible, not randomized. */
  readonly screened: readonly ScreenedSubject[];
  /** Randomized by the data cut, ordered by screening number. */
  readonly randomized: readonly RandomizedSubject[];
  readonly warnings: readonly string[];
}

/** Groups items by a key in one pass, keeping their order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * Applies the data cut and indexes the data by subject (one pass over each list, no quadratic scans).
 * Throws a validation error for data that contradicts the protocol or itself (an unknown arm, a
 * duplicate subject, result or disposition); data of unknown subjects is left out with a warning.
 */
export function prepareStudy(input: AnalysisInput): StudyData {
  const { protocol, dataCut } = input;
  const warnings: string[] = [];
  const screened = input.subjects.map((s) => cutRandomization(s, dataCut));
  const lateRandomizations = screened.filter((s, i) => s !== input.subjects[i]).length;
  if (lateRandomizations > 0)
    warnings.push(
      `randomizations after the data cut ${dataCut}, counted as not randomized: ${lateRandomizations}`,
    );
  checkSubjects(protocol, screened);

  const isRandomized = new Map(screened.map((s) => [s.id, s.randomization !== null] as const));
  const bySubject = <T extends { readonly subjectId: string }>(
    items: readonly T[],
    date: (item: T) => string,
    what: string,
  ): Map<string, T[]> => {
    const { groups, late, unknown } = groupBySubject(items, date, dataCut, isRandomized);
    if (late > 0) warnings.push(`${what} dated after the data cut ${dataCut}, left out: ${late}`);
    if (unknown > 0) warnings.push(`${what} of subjects not in the input, left out: ${unknown}`);
    return groups;
  };
  const results = bySubject(input.results, (r) => r.collectedOn, 'results');
  const visits = bySubject(input.visits, (v) => v.date, 'visits');
  const adverseEvents = bySubject(input.adverseEvents, (a) => a.onsetDate, 'adverse events');
  const dispositions = bySubject(input.dispositions, (d) => d.date, 'dispositions');
  const reassignments = bySubject(input.reassignments, (r) => r.date, 're-assignments');

  const dayZeroVisit = protocol.visits.find((v) => v.day === 0)?.code;
  const randomized: RandomizedSubject[] = [];
  for (const s of screened) {
    if (s.randomization === null) continue;
    const own = <T>(map: Map<string, T[]>): T[] => map.get(s.id) ?? [];
    const ownResults = own(results);
    const ownDispositions = own(dispositions);
    refuseDuplicates(
      ownResults,
      (a, b) => a.visit === b.visit && a.measure === b.measure,
      (r) => `result of ${s.screeningNumber} at ${r.visit} (${r.measure})`,
    );
    refuseDuplicates(
      ownDispositions,
      (a, b) => a.phase === b.phase,
      (d) => `${d.phase} disposition of ${s.screeningNumber}`,
    );
    randomized.push({
      id: s.id,
      screeningNumber: s.screeningNumber,
      levels: s.levels,
      arm: s.randomization.arm,
      dayZero: own(visits).find((v) => v.visit === dayZeroVisit)?.date ?? s.randomization.date,
      results: ownResults,
      adverseEvents: own(adverseEvents),
      dispositions: ownDispositions,
      reassignments: own(reassignments),
    });
  }
  randomized.sort((a, b) => compareText(a.screeningNumber, b.screeningNumber) || compareText(a.id, b.id));
  return { protocol, protocolVersion: input.protocolVersion, dataCut, screened, randomized, warnings };
}

/**
 * One pass over a list: items dated after the cut and items of subjects not in the input are counted
 * and left out, items of screened subjects not randomized are not analysed, the rest is grouped by subject.
 */
function groupBySubject<T extends { readonly subjectId: string }>(
  items: readonly T[],
  date: (item: T) => string,
  dataCut: string,
  isRandomized: ReadonlyMap<string, boolean>,
): { groups: Map<string, T[]>; late: number; unknown: number } {
  const groups = new Map<string, T[]>();
  let late = 0;
  let unknown = 0;
  for (const item of items) {
    const randomized = isRandomized.get(item.subjectId);
    if (date(item) > dataCut) late += 1;
    else if (randomized === undefined) unknown += 1;
    else if (randomized) {
      const group = groups.get(item.subjectId);
      if (group) group.push(item);
      else groups.set(item.subjectId, [item]);
    }
  }
  return { groups, late, unknown };
}

/** A subject randomized after the data cut was, at the cut, eligible and not yet randomized. */
function cutRandomization(s: ScreenedSubject, dataCut: string): ScreenedSubject {
  if (s.randomization === null || s.randomization.date <= dataCut) return s;
  return { ...s, status: 'eligible', randomization: null };
}

function checkSubjects(protocol: Protocol, subjects: readonly ScreenedSubject[]): void {
  const arms = new Set(protocol.arms.map((a) => a.code));
  const ids = new Set<string>();
  for (const s of subjects) {
    if (ids.has(s.id)) throw validationError(`Subject ${s.id} appears twice in the analysis input`);
    ids.add(s.id);
    if ((s.status === 'randomized') !== (s.randomization !== null))
      throw validationError(
        `Subject ${s.screeningNumber} is ${s.status} but its randomization says otherwise`,
      );
    if (s.randomization && !arms.has(s.randomization.arm))
      throw validationError(
        `Subject ${s.screeningNumber} is on arm ${s.randomization.arm}, not an arm of the protocol`,
      );
  }
}

/**
 * Throws a validation error when two items are the same record (a subject's handful of results or
 * dispositions: the pairwise check costs less than building an index per subject).
 */
function refuseDuplicates<T>(
  items: readonly T[],
  same: (a: T, b: T) => boolean,
  what: (item: T) => string,
): void {
  for (let i = 1; i < items.length; i += 1)
    for (let j = 0; j < i; j += 1) {
      const a = items[j];
      const b = items[i];
      if (a !== undefined && b !== undefined && same(a, b)) throw validationError(`Duplicate ${what(b)}`);
    }
}

/** Code-point order, independent of the locale (so output never depends on the machine). */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
