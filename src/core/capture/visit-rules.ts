import type { Protocol, Visit } from '../protocol/schema.js';

/** What decides whether data may be recorded at a visit for a subject. */
export interface SubjectState {
  readonly status: 'screen_failed' | 'eligible' | 'randomized';
  /** The phases whose election the subject has made (e.g. the extension). */
  readonly electedPhases: readonly string[];
}

/** The visit of the protocol with this code, or undefined. */
export const findVisit = (protocol: Protocol, code: string): Visit | undefined =>
  protocol.visits.find((v) => v.code === code);

/**
 * Why data cannot be recorded at `visitCode` for this subject, or null when it can: screening visits
 * (before day 0) take data from any screened subject who did not fail; visits from day 0 on need a
 * randomized subject; visits of a phase with an election (the extension) need that election.
 */
export function visitRefusal(protocol: Protocol, visitCode: string, subject: SubjectState): string | null {
  const visit = findVisit(protocol, visitCode);
  if (!visit) return `${visitCode} is not a visit of the protocol`;
  if (subject.status === 'screen_failed') return 'the subject failed screening: no study data is recorded';
  if (visit.day >= 0 && subject.status !== 'randomized')
    return `the subject is not randomized: ${visit.code} is on or after day 0`;
  const phase = protocol.phases.find((p) => p.code === visit.phase);
  if (phase?.election && !subject.electedPhases.includes(phase.code))
    return `the subject has not elected the ${phase.label.toLowerCase()}: record the election first`;
  return null;
}

/** Why `measure` cannot be recorded at `visitCode`, or null. */
export function measureRefusal(protocol: Protocol, visitCode: string, measure: string): string | null {
  const visit = findVisit(protocol, visitCode);
  if (!visit) return `${visitCode} is not a visit of the protocol`;
  if (!protocol.measures.some((m) => m.code === measure))
    return `${measure} is not a measure of the protocol`;
  if (!visit.measures.includes(measure)) return `${measure} is not measured at ${visitCode}`;
  return null;
}
