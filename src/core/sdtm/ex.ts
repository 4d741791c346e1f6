import type { Protocol } from '../protocol/schema.js';
import type { IssueList, SdtmRow } from './dataset.js';
import { dateOfDtc, optionalDateOfDtc } from './dates.js';
import { drugNamed } from './protocol-map.js';
import { normalTerm } from './terms.js';

/** An exposure record of EX: checked, not stored (trialdesk keeps kits, not doses). */
export interface ExRecord {
  readonly file: string;
  readonly line: number;
  readonly usubjid: string;
  readonly drug: string;
  readonly start: string;
}

/**
 * The study drug EXTRT names: a drug's code or name, or its placebo (`PLACEBO` alone for the only
 * masked drug, `<DRUG> PLACEBO` or `PLACEBO <DRUG>` otherwise).
 */
function drugOfTreatment(protocol: Protocol, text: string): string | undefined {
  const t = normalTerm(text);
  const direct = drugNamed(protocol, t);
  if (direct) return direct;
  const masked = protocol.drugs.filter((d) => d.masked);
  if (t === 'PLACEBO') return masked.length === 1 ? masked[0]?.code : undefined;
  const m = /^(.+) PLACEBO$/.exec(t) ?? /^PLACEBO (.+)$/.exec(t);
  const drug = m ? drugNamed(protocol, m[1] ?? '') : undefined;
  return drug && masked.some((d) => d.code === drug) ? drug : undefined;
}

/** Reads EX: EXTRT a study drug (or its placebo), EXSTDTC and EXENDTC complete dates, end not before start. */
export function readEx(protocol: Protocol, rows: readonly SdtmRow[], issues: IssueList): ExRecord[] {
  const records: ExRecord[] = [];
  for (const row of rows) {
    const problems: string[] = [];
    const drug = drugOfTreatment(protocol, row.value('EXTRT'));
    if (!drug)
      problems.push(
        `EXTRT "${row.value('EXTRT')}" is not a study drug (${protocol.drugs.map((d) => d.code).join(', ')}, or a masked drug's PLACEBO)`,
      );
    const start = dateOfDtc(row.value('EXSTDTC'), 'EXSTDTC');
    const end = optionalDateOfDtc(row.value('EXENDTC'), 'EXENDTC');
    if ('reason' in start) problems.push(start.reason);
    if ('reason' in end) problems.push(end.reason);
    if ('date' in start && 'date' in end && end.date !== null && end.date < start.date)
      problems.push(`EXENDTC ${end.date} is before EXSTDTC ${start.date}`);
    if (problems.length > 0 || !drug || !('date' in start)) {
      issues.add(row.file, row.line, problems.join('; '));
      continue;
    }
    records.push({ file: row.file, line: row.line, usubjid: row.value('USUBJID'), drug, start: start.date });
  }
  return records;
}
