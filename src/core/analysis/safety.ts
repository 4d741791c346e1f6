import { isRelated } from '../capture/vocabulary.js';
import type { Protocol } from '../protocol/schema.js';
import { compareText, type RandomizedSubject, type StudyData } from './input.js';
import type { CountRow, SafetyTables } from './result-schema.js';

const GRADES = [1, 2, 3, 4, 5] as const;
const UNCODED_SYSTEM = 'Body system not coded';

/**
 * Subjects counted per row and arm: each subject at most once per row, however many events they had.
 * Rows are keyed by strings ("any", "grade:3", "term:…"); counts are kept by arm code.
 */
export class SubjectTally {
  private readonly rows = new Map<string, Map<string, number>>();

  /** Counts the subject once in each of `rowKeys` (duplicates among the keys are ignored). */
  add(arm: string, rowKeys: Iterable<string>): void {
    for (const key of new Set(rowKeys)) {
      let row = this.rows.get(key);
      if (!row) this.rows.set(key, (row = new Map<string, number>()));
      row.set(arm, (row.get(arm) ?? 0) + 1);
    }
  }

  /** The row's counts per arm (protocol order), with proportions of each arm's total. */
  row(key: string, arms: readonly string[], armTotals: ReadonlyMap<string, number>): CountRow {
    const row = this.rows.get(key);
    const counts = arms.map((arm) => {
      const subjects = row?.get(arm) ?? 0;
      const n = armTotals.get(arm) ?? 0;
      return { arm, subjects, proportion: n === 0 ? null : subjects / n };
    });
    return { total: counts.reduce((sum, c) => sum + c.subjects, 0), counts };
  }

  /** Whether any subject was counted in the row. */
  has(key: string): boolean {
    return this.rows.has(key);
  }

  /** The keys of the rows that start with `prefix`. */
  keys(prefix: string): string[] {
    return [...this.rows.keys()].filter((k) => k.startsWith(prefix));
  }
}

const SEPARATOR = '\u0000';
const systemKey = (system: string): string => `system:${system}`;
const termKey = (system: string, term: string): string => `term:${system}${SEPARATOR}${term}`;

/** The row keys one subject's adverse events fall in. */
function safetyRowsOf(protocol: Protocol, s: RandomizedSubject): string[] {
  const events = s.adverseEvents;
  if (events.length === 0) return [];
  const keys = ['any', `grade:${Math.max(...events.map((e) => e.grade))}`];
  for (const e of events) {
    const system = e.bodySystem ?? UNCODED_SYSTEM;
    keys.push(systemKey(system), termKey(system, e.codedTerm ?? e.verbatimTerm));
    if (e.serious) keys.push('serious');
    for (const drug of protocol.drugs) {
      const r = e.relatedness[drug.code];
      if (r !== undefined && isRelated(r)) keys.push('related', `related:${drug.code}`);
    }
  }
  return keys;
}

/** Rows ordered by most subjects first, then by name (code-point order). */
const byFrequency =
  <T extends { total: number }>(name: (row: T) => string) =>
  (a: T, b: T) =>
    b.total - a.total || compareText(name(a), name(b));

/**
 * Safety tables by randomized arm: subjects with at least one adverse event, serious, related to each
 * drug (possible, probable or definite: `isRelated`), by maximum grade, and by body system and term.
 */
export function analyseSafety(data: StudyData): SafetyTables {
  const { protocol } = data;
  const arms = protocol.arms.map((a) => a.code);
  const armTotals = new Map<string, number>(arms.map((a) => [a, 0]));
  const tally = new SubjectTally();
  for (const s of data.randomized) {
    armTotals.set(s.arm, (armTotals.get(s.arm) ?? 0) + 1);
    tally.add(s.arm, safetyRowsOf(protocol, s));
  }
  const row = (key: string): CountRow => tally.row(key, arms, armTotals);
  const bySystemAndTerm = tally
    .keys('system:')
    .map((key) => {
      const bodySystem = key.slice('system:'.length);
      const terms = tally
        .keys(termKey(bodySystem, ''))
        .map((k) => ({ term: k.slice(termKey(bodySystem, '').length), ...row(k) }))
        .sort(byFrequency((t) => t.term));
      return { bodySystem, ...row(key), terms };
    })
    .sort(byFrequency((s) => s.bodySystem));
  return {
    basis:
      'Randomized subjects by randomized arm. Subjects, not events: a subject counts once per row, ' +
      'in the maximum-grade table at the highest grade of their events. Adverse events of all phases ' +
      'with onset on or before the data cut. Related: possible, probable or definite.',
    armTotals: arms.map((arm) => ({ arm, n: armTotals.get(arm) ?? 0 })),
    anyEvent: row('any'),
    serious: row('serious'),
    relatedToAnyDrug: row('related'),
    relatedTo: protocol.drugs.map((d) => ({ drug: d.code, ...row(`related:${d.code}`) })),
    maximumGrade: GRADES.map((grade) => ({ grade, ...row(`grade:${grade}`) })),
    bySystemAndTerm,
  };
}
