import { RELATEDNESS, type AeAction, type AeOutcome, type Relatedness } from '../capture/vocabulary.js';
import type { Protocol } from '../protocol/schema.js';
import type { IssueList, SdtmRow } from './dataset.js';
import { dateOfDtc, optionalDateOfDtc } from './dates.js';
import { drugsMentioned } from './protocol-map.js';
import { actionOf, gradeOfSeverity, normalTerm, oneOf, outcomeOf, relatednessOf, yesNo } from './terms.js';

/** An adverse event as AE gives it; `relatedness` is AEREL's judgement (null when AEREL is empty). */
export interface AeEvent {
  readonly file: string;
  readonly line: number;
  readonly usubjid: string;
  readonly seq: string;
  readonly verbatimTerm: string;
  readonly codedTerm: string | null;
  readonly bodySystem: string | null;
  readonly grade: number;
  readonly serious: boolean;
  readonly relatedness: Relatedness | null;
  readonly onsetDate: string;
  readonly endDate: string | null;
  readonly outcome: AeOutcome;
  readonly actionTaken: AeAction;
}

const AEREL_TERMS = [
  'NOT RELATED',
  'UNLIKELY RELATED',
  'POSSIBLY RELATED',
  'PROBABLY RELATED',
  'DEFINITELY RELATED',
];
const AEOUT_TERMS = [
  'RECOVERED/RESOLVED',
  'RECOVERING/RESOLVING',
  'NOT RECOVERED/NOT RESOLVED',
  'RECOVERED/RESOLVED WITH SEQUELAE',
  'FATAL',
  'UNKNOWN',
];
const AEACN_TERMS = [
  'DOSE NOT CHANGED',
  'DOSE REDUCED',
  'DRUG INTERRUPTED',
  'DRUG WITHDRAWN',
  'NOT APPLICABLE',
  'UNKNOWN',
];

const text = (row: SdtmRow, variable: string, max: number, problems: string[]): string | null => {
  const v = row.value(variable);
  if (v.length > max) {
    problems.push(`${variable} must be at most ${max} characters`);
    return null;
  }
  return v === '' ? null : v;
};

/**
 * Reads AE: AETERM verbatim, AEDECOD coded, AEBODSYS body system; the grade from AETOXGR (1 to 5),
 * else AESEV (MILD 1, MODERATE 2, SEVERE 3); AESER Y/N; AEREL, AEOUT and AEACN by their terms;
 * AESTDTC and AEENDTC complete dates. Grade 5 if and only if the outcome is FATAL.
 */
export function readAe(
  rows: readonly SdtmRow[],
  issues: IssueList,
): { events: AeEvent[]; refused: Set<string> } {
  const events: AeEvent[] = [];
  /** USUBJID and AESEQ of the refused rows: their SUPPAE records are not reported again. */
  const refused = new Set<string>();
  const seqLines = new Map<string, number>();
  for (const row of rows) {
    const problems: string[] = [];
    const seqKey = `${row.value('USUBJID')}\u0000${row.value('AESEQ')}`;
    if (row.value('AESEQ') !== '') {
      const first = seqLines.get(seqKey);
      if (first !== undefined)
        problems.push(`AESEQ ${row.value('AESEQ')} of ${row.value('USUBJID')} is already on line ${first}`);
      else seqLines.set(seqKey, row.line);
    }
    const verbatimTerm = text(row, 'AETERM', 200, problems);
    if (verbatimTerm === null && !problems.some((p) => p.startsWith('AETERM')))
      problems.push('AETERM is empty');
    const codedTerm = text(row, 'AEDECOD', 200, problems);
    const bodySystem = text(row, 'AEBODSYS', 200, problems);

    let grade: number | undefined;
    const toxgr = row.value('AETOXGR');
    const sev = row.value('AESEV');
    if (toxgr !== '') {
      grade = /^[1-5]$/.test(toxgr) ? Number(toxgr) : undefined;
      if (grade === undefined) problems.push(`AETOXGR "${toxgr}" must be a grade from 1 to 5`);
    } else if (sev !== '') {
      grade = gradeOfSeverity(sev);
      if (grade === undefined) problems.push(`AESEV "${sev}" must be MILD, MODERATE or SEVERE`);
    } else problems.push('AETOXGR and AESEV are both empty: the grade is required');

    const serious = yesNo(row.value('AESER'));
    if (serious === undefined) problems.push(`AESER "${row.value('AESER')}" must be Y or N`);
    const relText = row.value('AEREL');
    const relatedness = relText === '' ? null : relatednessOf(relText);
    if (relatedness === undefined)
      problems.push(
        `AEREL "${relText}" is not a causality term (${oneOf(AEREL_TERMS)}; or our ${RELATEDNESS.join(', ')})`,
      );
    const outcome = outcomeOf(row.value('AEOUT'));
    if (outcome === undefined)
      problems.push(
        row.value('AEOUT') === ''
          ? `AEOUT is empty: the outcome is required (${oneOf(AEOUT_TERMS)})`
          : `AEOUT "${row.value('AEOUT')}" is not an outcome term (${oneOf(AEOUT_TERMS)})`,
      );
    const actionText = row.value('AEACN');
    const actionTaken = actionOf(actionText);
    if (actionTaken === undefined)
      problems.push(
        normalTerm(actionText) === 'MULTIPLE'
          ? 'AEACN MULTIPLE is not imported: give the action taken with study treatment as one term'
          : `AEACN "${actionText}" is not an action term (${oneOf(AEACN_TERMS)})`,
      );
    const onset = dateOfDtc(row.value('AESTDTC'), 'AESTDTC');
    const end = optionalDateOfDtc(row.value('AEENDTC'), 'AEENDTC');
    if ('reason' in onset) problems.push(onset.reason);
    if ('reason' in end) problems.push(end.reason);
    if (grade !== undefined && outcome !== undefined && (grade === 5) !== (outcome === 'fatal'))
      problems.push(
        grade === 5 ? 'AEOUT must be FATAL for a grade 5 event' : 'AEOUT FATAL needs grade 5 (AETOXGR 5)',
      );

    if (
      problems.length > 0 ||
      verbatimTerm === null ||
      grade === undefined ||
      serious === undefined ||
      relatedness === undefined ||
      outcome === undefined ||
      actionTaken === undefined ||
      !('date' in onset) ||
      !('date' in end)
    ) {
      issues.add(row.file, row.line, problems.join('; '));
      if (!problems.some((p) => p.startsWith('AESEQ'))) refused.add(seqKey);
      continue;
    }
    events.push({
      file: row.file,
      line: row.line,
      usubjid: row.value('USUBJID'),
      seq: row.value('AESEQ'),
      verbatimTerm,
      codedTerm,
      bodySystem,
      grade,
      serious,
      relatedness,
      onsetDate: onset.date,
      endDate: end.date,
      outcome,
      actionTaken,
    });
  }
  return { events, refused };
}

/**
 * Relatedness per study drug from SUPPAE: QNAM `AERELn` is the causality to the protocol's n-th drug
 * (1-based, in the order of `drugs`), linked to its event by IDVAR AESEQ and IDVARVAL. When QLABEL
 * names a study drug by code it must be that drug. Other QNAMs are accepted and not stored.
 */
export function readSuppae(
  protocol: Protocol,
  rows: readonly SdtmRow[],
  events: readonly AeEvent[],
  refused: ReadonlySet<string>,
  issues: IssueList,
): { byEvent: Map<AeEvent, Record<string, Relatedness>>; ignored: Set<string> } {
  const bySeq = new Map(events.map((e) => [`${e.usubjid}\u0000${e.seq}`, e]));
  const byEvent = new Map<AeEvent, Record<string, Relatedness>>();
  const ignored = new Set<string>();
  for (const row of rows) {
    const qnam = normalTerm(row.value('QNAM'));
    const m = /^AEREL(\d)$/.exec(qnam);
    if (!m) {
      ignored.add(qnam);
      continue;
    }
    const problems: string[] = [];
    const drug = protocol.drugs[Number(m[1]) - 1];
    if (!drug)
      problems.push(
        `QNAM ${qnam} names drug ${m[1]}, but the protocol has ${protocol.drugs.length} (${protocol.drugs.map((d, i) => `AEREL${i + 1} ${d.code}`).join(', ')})`,
      );
    const labelled = drugsMentioned(protocol, row.value('QLABEL'));
    if (drug && labelled.length > 0 && !labelled.includes(drug.code))
      problems.push(
        `QLABEL names ${labelled.join(', ')}, but ${qnam} is ${drug.code} (the protocol's drug ${m[1]})`,
      );
    const rel = relatednessOf(row.value('QVAL'));
    if (rel === undefined)
      problems.push(`QVAL "${row.value('QVAL')}" is not a causality term (${oneOf(AEREL_TERMS)})`);
    if (normalTerm(row.value('IDVAR')) !== 'AESEQ')
      problems.push(`IDVAR must be AESEQ, not "${row.value('IDVAR')}"`);
    const key = `${row.value('USUBJID')}\u0000${row.value('IDVARVAL')}`;
    if (refused.has(key)) continue;
    const event = bySeq.get(key);
    if (!event && problems.length === 0)
      problems.push(
        `no AE of ${row.value('USUBJID') || '(empty USUBJID)'} has AESEQ ${row.value('IDVARVAL') || '(empty)'}`,
      );
    if (problems.length > 0 || !drug || !event || rel === undefined) {
      issues.add(row.file, row.line, problems.join('; '));
      continue;
    }
    const given = byEvent.get(event) ?? {};
    if (given[drug.code] !== undefined) {
      issues.add(row.file, row.line, `${qnam} of AESEQ ${event.seq} for ${event.usubjid} is given twice`);
      continue;
    }
    byEvent.set(event, { ...given, [drug.code]: rel });
  }
  return { byEvent, ignored };
}
