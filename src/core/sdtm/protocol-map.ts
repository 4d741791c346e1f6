import type { Protocol, Visit } from '../protocol/schema.js';
import { normalTerm } from './terms.js';

/**
 * How SDTM's VISIT/VISITNUM name a visit of the protocol: VISIT is matched, case-insensitively, to a
 * visit's code (`W12`), its label (`Week 12`), its label without a parenthesis (`WEEK 16` for
 * "Week 16 (extension)"), or as `DAY n` / `WEEK n` to the visit on that study day. Unscheduled visits
 * (VISIT starting UNSCHEDULED, or a VISITNUM with a fraction) are not visits of the schedule.
 * VISITNUM must be a number, the same for every record of a visit, and different between visits.
 */
export type VisitMatch =
  | { readonly kind: 'visit'; readonly visit: Visit }
  | { readonly kind: 'unscheduled' }
  | { readonly kind: 'error'; readonly reason: string };

const withoutParenthesis = (label: string): string => normalTerm(label.replace(/\([^)]*\)/g, ' '));

export function visitMatcher(protocol: Protocol) {
  const byName = new Map<string, Visit>();
  // Codes first, then labels: a code wins over another visit's label of the same text.
  for (const v of protocol.visits) byName.set(normalTerm(v.code), v);
  for (const v of protocol.visits) if (!byName.has(normalTerm(v.label))) byName.set(normalTerm(v.label), v);
  for (const v of protocol.visits) {
    const short = withoutParenthesis(v.label);
    if (!byName.has(short)) byName.set(short, v);
  }
  const byDay = new Map<number, Visit>(protocol.visits.map((v) => [v.day, v]));
  const numbers = new Map<string, { num: number; where: string }>();
  const visitsOfNumber = new Map<number, { code: string; where: string }>();
  const known = protocol.visits.map((v) => v.code).join(', ');

  return (visitText: string, visitNumText: string, where: string): VisitMatch => {
    const name = normalTerm(visitText);
    const num = Number(visitNumText.trim());
    if (visitNumText.trim() === '' || !Number.isFinite(num))
      return { kind: 'error', reason: `VISITNUM "${visitNumText.trim()}" is not a number` };
    if (name.startsWith('UNSCHEDULED') || !Number.isInteger(num)) return { kind: 'unscheduled' };
    let visit = byName.get(name);
    if (!visit) {
      const m = /^(DAY|WEEK) ?(-?\d+)$/.exec(name);
      if (m) visit = byDay.get(Number(m[2]) * (m[1] === 'WEEK' ? 7 : 1));
    }
    if (!visit)
      return {
        kind: 'error',
        reason: `VISIT "${visitText.trim()}" is not a visit of the protocol (known: ${known})`,
      };
    const seen = numbers.get(visit.code);
    if (seen && seen.num !== num)
      return {
        kind: 'error',
        reason: `VISITNUM ${num} for ${visit.code}, where ${seen.where} gives it VISITNUM ${seen.num}`,
      };
    const other = visitsOfNumber.get(num);
    if (other && other.code !== visit.code)
      return {
        kind: 'error',
        reason: `VISITNUM ${num} is ${other.code} at ${other.where}, not ${visit.code}`,
      };
    if (!seen) numbers.set(visit.code, { num, where });
    if (!other) visitsOfNumber.set(num, { code: visit.code, where });
    return { kind: 'visit', visit };
  };
}

/**
 * The protocol phase an EPOCH names: the phase's code or label (case-insensitive); otherwise
 * TREATMENT (or BLINDED TREATMENT, MAIN TREATMENT) is the main phase, and EXTENSION (or OPEN LABEL
 * EXTENSION, OPEN LABEL TREATMENT, CONTINUATION TREATMENT) the extension phase when there is one.
 * SCREENING and FOLLOW-UP are no phase: null.
 */
export function phaseOfEpoch(protocol: Protocol, epoch: string): Protocol['phases'][number] | null {
  const e = normalTerm(epoch);
  const direct = protocol.phases.find((p) => normalTerm(p.code) === e || normalTerm(p.label) === e);
  if (direct) return direct;
  const main = ['TREATMENT', 'BLINDED TREATMENT', 'MAIN TREATMENT', 'MAIN'];
  const extension = [
    'EXTENSION',
    'OPEN LABEL EXTENSION',
    'OPEN LABEL TREATMENT',
    'CONTINUATION TREATMENT',
    'TREATMENT EXTENSION',
  ];
  const ofKind = (kind: 'main' | 'extension') => {
    const phases = protocol.phases.filter((p) => p.kind === kind);
    return phases.length === 1 ? (phases[0] ?? null) : null;
  };
  if (main.includes(e)) return ofKind('main');
  if (extension.includes(e)) return ofKind('extension');
  return null;
}

/** The study drug a text names: its code or its name (case-insensitive), or undefined. */
export function drugNamed(protocol: Protocol, text: string): string | undefined {
  const t = normalTerm(text);
  return protocol.drugs.find((d) => normalTerm(d.code) === t || normalTerm(d.name) === t)?.code;
}

/** The study drugs whose code appears as a word in a text (e.g. DSTERM "Depression due to PEGIFN"). */
export function drugsMentioned(protocol: Protocol, text: string): string[] {
  const words = new Set(normalTerm(text).split(/[^A-Z0-9_]+/));
  return protocol.drugs.filter((d) => words.has(d.code)).map((d) => d.code);
}
