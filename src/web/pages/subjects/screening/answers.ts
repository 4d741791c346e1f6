import type { Protocol } from '../../../../core/protocol/schema.js';
import type { Answer } from '../../../api/subjects.js';
import type { StudyDetail } from '../../../api/types.js';

export type ScreeningField = Protocol['eligibility']['fields'][number];

/** What the form holds for each field: the control's text, '' for not answered yet. */
export type Draft = Readonly<Record<string, string>>;

/**
 * The study's protocol as the core functions take it. It is the JSON of the protocol the server
 * validated: it has no dates, so its wire form differs only in tuples being plain arrays.
 */
export const protocolOf = (study: StudyDetail): Protocol => study.protocol as unknown as Protocol;

/**
 * The answers to send and to evaluate: only the answered fields (an unanswered one stays missing, as
 * the server treats it), each as its type. A number is typed as text (not an <input type=number>,
 * which hides what it cannot read): what does not read as a number is sent as typed, so the server
 * names it at its field.
 */
export function answersOf(fields: readonly ScreeningField[], draft: Draft): Record<string, Answer> {
  const out: Record<string, Answer> = {};
  for (const f of fields) {
    const raw = (draft[f.code] ?? '').trim();
    if (raw === '') continue;
    switch (f.type) {
      case 'number': {
        const n = Number(raw);
        out[f.code] = Number.isFinite(n) ? n : raw;
        break;
      }
      case 'boolean':
        out[f.code] = raw === 'true';
        break;
      case 'choice':
      case 'date':
      case 'text':
        out[f.code] = raw;
        break;
    }
  }
  return out;
}

/** Today's date where the user is (the consent is signed in the clinic's day, not UTC's). */
export function localToday(now: Date = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
