import type { Protocol } from '../protocol/schema.js';
import { addDays, daysBetween } from './dates.js';

/** When a visit should happen: its nominal date and the first and last day of its window. */
export interface VisitWindow {
  readonly nominal: string;
  readonly earliest: string;
  readonly latest: string;
}

/** The window of a visit for a subject randomized on `day0`, or null for a visit the protocol lacks. */
export function visitWindow(protocol: Protocol, visitCode: string, day0: string): VisitWindow | null {
  const visit = protocol.visits.find((v) => v.code === visitCode);
  if (!visit) return null;
  const nominal = addDays(day0, visit.day);
  return {
    nominal,
    earliest: addDays(nominal, -visit.window.before),
    latest: addDays(nominal, visit.window.after),
  };
}

/** Days outside the window: negative when early, positive when late, 0 inside it. */
export function daysOutOfWindow(window: VisitWindow, date: string): number {
  if (date < window.earliest) return daysBetween(window.earliest, date);
  if (date > window.latest) return daysBetween(window.latest, date);
  return 0;
}
