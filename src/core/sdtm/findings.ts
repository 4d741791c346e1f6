import { isDomainError } from '../errors.js';
import { parseResult, type MeasureResult, type ReportedResult } from '../labs/result.js';
import type { Protocol } from '../protocol/schema.js';
import type { IssueList, SdtmRow } from './dataset.js';
import { dateOfDtc } from './dates.js';
import type { visitMatcher } from './protocol-map.js';
import { normalTerm } from './terms.js';

type VisitMatcher = ReturnType<typeof visitMatcher>;

/** A visit's date, as SV gives it. */
export interface SvVisit {
  readonly file: string;
  readonly line: number;
  readonly usubjid: string;
  readonly visit: string;
  readonly date: string;
}

/** A result, as LB gives it. */
export interface LbResult extends ReportedResult {
  readonly file: string;
  readonly line: number;
  readonly usubjid: string;
}

/** Counts of rows accepted but not stored, by why. */
export type Skipped = Map<string, number>;
/** Counts a row accepted and not stored. */
export const skip = (skipped: Skipped, why: string): void => {
  skipped.set(why, (skipped.get(why) ?? 0) + 1);
};

/** Reads SV: one visit date a row; visits that did not occur (SVOCCUR N) and unscheduled ones are skipped. */
export function readSv(
  rows: readonly SdtmRow[],
  matchVisit: VisitMatcher,
  issues: IssueList,
  skipped: Skipped,
): SvVisit[] {
  const visits: SvVisit[] = [];
  for (const row of rows) {
    if (normalTerm(row.value('SVOCCUR')) === 'N') {
      skip(skipped, `${row.file}: visits that did not occur (SVOCCUR N)`);
      continue;
    }
    const match = matchVisit(row.value('VISIT'), row.value('VISITNUM'), `${row.file} line ${row.line}`);
    const date = dateOfDtc(row.value('SVSTDTC'), 'SVSTDTC');
    const problems = [
      ...(match.kind === 'error' ? [match.reason] : []),
      ...('reason' in date ? [date.reason] : []),
    ];
    if (problems.length > 0) issues.add(row.file, row.line, problems.join('; '));
    else if (match.kind === 'unscheduled') skip(skipped, `${row.file}: unscheduled visits`);
    else if (match.kind === 'visit' && 'date' in date)
      visits.push({
        file: row.file,
        line: row.line,
        usubjid: row.value('USUBJID'),
        visit: match.visit.code,
        date: date.date,
      });
  }
  return visits;
}

const POSITIVE_NUMBER = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The baseline visit of each measure: its change-from-baseline endpoint's, else the day-0 visit. */
export function baselineVisits(protocol: Protocol): Map<string, string> {
  const dayZero = protocol.visits.find((v) => v.day === 0)?.code;
  const map = new Map<string, string>();
  for (const m of protocol.measures) {
    const endpoint = protocol.endpoints.find(
      (e) => e.kind === 'change-from-baseline' && e.measure === m.code,
    );
    const visit = endpoint?.kind === 'change-from-baseline' ? endpoint.baselineVisit : dayZero;
    if (visit) map.set(m.code, visit);
  }
  return map;
}

/**
 * Reads LB: one result a row. LBTESTCD is a measure of the protocol (rows of other tests are
 * skipped, as are tests not done, LBSTAT NOT DONE); LBORRES is read as sites and labs write it
 * (a number, `<15`, `<LLOQ` with LBLLOQ, `TND`) in LBORRESU; LBLLOQ is the assay's limit (default:
 * the protocol's), LBMETHOD the assay; LBBLFL (or LBLOBXFL) may be Y only on the baseline visit.
 */
export function readLb(
  protocol: Protocol,
  rows: readonly SdtmRow[],
  matchVisit: VisitMatcher,
  issues: IssueList,
  skipped: Skipped,
): LbResult[] {
  const measures = new Map(protocol.measures.map((m) => [m.code, m]));
  const baseline = baselineVisits(protocol);
  const results: LbResult[] = [];
  for (const row of rows) {
    const testcd = normalTerm(row.value('LBTESTCD'));
    const measure = measures.get(testcd);
    if (!measure) {
      skip(skipped, `${row.file}: tests the protocol does not measure (${testcd || 'empty LBTESTCD'})`);
      continue;
    }
    if (normalTerm(row.value('LBSTAT')) === 'NOT DONE' && row.value('LBORRES') === '') {
      skip(skipped, `${row.file}: tests not done (LBSTAT NOT DONE)`);
      continue;
    }
    const problems: string[] = [];
    const match = matchVisit(row.value('VISIT'), row.value('VISITNUM'), `${row.file} line ${row.line}`);
    if (match.kind === 'error') problems.push(match.reason);
    const date = dateOfDtc(row.value('LBDTC'), 'LBDTC');
    if ('reason' in date) problems.push(date.reason);
    const reported = row.value('LBORRES');
    const unit = row.value('LBORRESU');
    if (reported === '') problems.push('LBORRES is empty');
    else if (reported.length > 40) problems.push('LBORRES must be at most 40 characters');
    if (unit === '') problems.push('LBORRESU is empty');
    const lloqText = row.value('LBLLOQ');
    const lloq = lloqText === '' ? undefined : Number(lloqText);
    if (lloq !== undefined && !(POSITIVE_NUMBER.test(lloqText) && lloq > 0))
      problems.push(`LBLLOQ "${lloqText}" must be a number above 0 (or empty)`);
    const flag = normalTerm(row.value('LBBLFL') || row.value('LBLOBXFL'));
    if (flag !== '' && flag !== 'Y') problems.push(`LBBLFL "${flag}" must be Y or empty`);
    else if (flag === 'Y' && match.kind === 'visit' && match.visit.code !== baseline.get(measure.code))
      problems.push(
        `LBBLFL is Y at ${match.visit.code}, but the baseline of ${measure.code} is ${baseline.get(measure.code) ?? 'not defined'}`,
      );
    const assay = row.value('LBMETHOD');
    if (assay.length > 120) problems.push('LBMETHOD must be at most 120 characters');
    let result: MeasureResult | undefined;
    if (reported !== '' && unit !== '' && problems.every((p) => !p.startsWith('LBLLOQ')))
      try {
        result = parseResult(reported, {
          unit,
          measureUnit: measure.unit,
          lloq: lloq ?? measure.lloq,
          field: 'LBORRES',
        });
      } catch (e) {
        if (!isDomainError(e)) throw e;
        problems.push(e.message.replace(/^Unit /, 'LBORRESU: unit '));
      }
    if (problems.length > 0 || !result || !('date' in date)) {
      issues.add(row.file, row.line, problems.join('; '));
      continue;
    }
    if (match.kind === 'unscheduled') {
      skip(skipped, `${row.file}: results at unscheduled visits`);
      continue;
    }
    if (match.kind !== 'visit') continue;
    results.push({
      file: row.file,
      line: row.line,
      usubjid: row.value('USUBJID'),
      visit: match.visit.code,
      measure: measure.code,
      collectedOn: date.date,
      result,
      reported,
      unit,
      assay: assay === '' ? null : assay,
    });
  }
  return results;
}
