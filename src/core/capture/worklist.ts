import type { Protocol } from '../protocol/schema.js';
import { todayUtc } from './dates.js';
import { visitWindow, type VisitWindow } from './windows.js';

/** Where today stands against a visit's window. */
export type DueState = 'upcoming' | 'due' | 'overdue';

/** The visit a site should see a subject at next, with its window. */
export interface NextVisit {
  readonly code: string;
  readonly label: string;
  readonly phase: string;
  readonly window: VisitWindow;
  readonly state: DueState;
}

/** What the worklist needs to know of one subject (read in bulk by the service). */
export interface WorklistFacts {
  readonly randomized: boolean;
  /** Day 0: the recorded randomization visit, else the day of randomization; null if not randomized. */
  readonly day0: string | null;
  /** Codes of the visits whose date is recorded. */
  readonly recordedVisits: readonly string[];
  /** Phases the subject elected to enter (extension elections). */
  readonly electedPhases: readonly string[];
  /** Phases the subject ended, completed or discontinued. */
  readonly endedPhases: readonly string[];
  /** Whether the subject discontinued in any phase: they then have no visit to plan. */
  readonly discontinued: boolean;
}

/**
 * A subject's day 0: the date recorded for the randomization visit, else the UTC day they were
 * randomized (the visit may be entered later); null when not randomized.
 */
export function dayZero(allocatedAt: Date | null, randomizationVisitDate: string | null): string | null {
  if (!allocatedAt) return null;
  return randomizationVisitDate ?? todayUtc(allocatedAt);
}

/** `upcoming` before the window opens, `due` inside it (both ends included), `overdue` after it. */
export function dueState(window: VisitWindow, today: string): DueState {
  if (today < window.earliest) return 'upcoming';
  if (today > window.latest) return 'overdue';
  return 'due';
}

/**
 * The phase a subject is in: the last elected phase that the protocol offers by election, else the
 * main phase.
 */
export function currentPhase(
  protocol: Protocol,
  electedPhases: readonly string[],
): Protocol['phases'][number] | undefined {
  const elected = protocol.phases.filter((p) => p.election && electedPhases.includes(p.code));
  return elected.at(-1) ?? protocol.phases.find((p) => p.kind === 'main');
}

/**
 * The next visit due: the first visit of the subject's current phase, from day 0 on, whose date is
 * not recorded yet. Null when the subject is not randomized, completed the phase, discontinued (in
 * any phase), or has every visit of it recorded. Visits before day 0 (screening) precede
 * randomization: a missing one is missing data, not a visit to plan, so it is skipped.
 */
export function nextVisitDue(protocol: Protocol, facts: WorklistFacts, today: string): NextVisit | null {
  if (!facts.randomized || facts.day0 === null || facts.discontinued) return null;
  const phase = currentPhase(protocol, facts.electedPhases);
  if (!phase || facts.endedPhases.includes(phase.code)) return null;
  const visit = protocol.visits.find(
    (v) => v.phase === phase.code && v.day >= 0 && !facts.recordedVisits.includes(v.code),
  );
  if (!visit) return null;
  const window = visitWindow(protocol, visit.code, facts.day0);
  if (!window) return null;
  return { code: visit.code, label: visit.label, phase: phase.code, window, state: dueState(window, today) };
}
