import type { Protocol } from '../protocol/schema.js';
import { countryOf } from './country.js';
import type { IssueList, SdtmRow } from './dataset.js';
import { optionalDateOfDtc } from './dates.js';
import { ACTUAL_ARM_FLAVORS, ARM_NULL_FLAVORS, normalTerm, oneOf } from './terms.js';

/** A subject as DM gives it. `arm` is set when ARMCD is an arm of the protocol. */
export interface DmSubject {
  readonly file: string;
  readonly line: number;
  readonly usubjid: string;
  readonly subjid: string;
  readonly siteCode: string;
  readonly status: 'screen_failed' | 'eligible' | 'randomized';
  readonly arm: string | null;
  readonly rfstdtc: string | null;
  readonly rficdtc: string | null;
  readonly country: string | null;
}

const SITE_CODE = /^[A-Z0-9][A-Z0-9-]{0,19}$/;

/**
 * Reads DM: one subject a row, each checked on its own (USUBJID unique, ARMCD an arm, dates). The
 * USUBJIDs of refused rows come back too, so that their other records are not reported again.
 */
export function readDm(
  protocol: Protocol,
  rows: readonly SdtmRow[],
  issues: IssueList,
): { subjects: DmSubject[]; refused: Set<string> } {
  const refused = new Set<string>();
  const arms = new Set(protocol.arms.map((a) => a.code));
  const armTerms = [...arms, ARM_NULL_FLAVORS.screenFailure, ARM_NULL_FLAVORS.notAssigned];
  const seen = new Map<string, number>();
  const subjects: DmSubject[] = [];
  for (const row of rows) {
    const problems: string[] = [];
    const usubjid = row.value('USUBJID');
    if (usubjid === '') problems.push('USUBJID is empty');
    else if (seen.has(usubjid)) problems.push(`USUBJID ${usubjid} is already on line ${seen.get(usubjid)}`);
    const siteCode = row.value('SITEID').toUpperCase();
    if (siteCode === '') problems.push('SITEID is empty');
    else if (!SITE_CODE.test(siteCode))
      problems.push(`SITEID "${siteCode}" must be 1 to 20 letters, digits or "-"`);
    const armcd = normalTerm(row.value('ARMCD'));
    let status: DmSubject['status'] = 'eligible';
    if (arms.has(armcd)) status = 'randomized';
    else if (armcd === ARM_NULL_FLAVORS.screenFailure) status = 'screen_failed';
    else if (armcd !== '' && armcd !== ARM_NULL_FLAVORS.notAssigned)
      problems.push(`ARMCD "${armcd}" is not an arm of the protocol (${oneOf(armTerms)}, or empty)`);
    const actarmcd = normalTerm(row.value('ACTARMCD'));
    if (
      actarmcd !== '' &&
      !arms.has(actarmcd) &&
      !(ACTUAL_ARM_FLAVORS as readonly string[]).includes(actarmcd)
    )
      problems.push(
        `ACTARMCD "${actarmcd}" is not an arm of the protocol (${oneOf([...arms, ...ACTUAL_ARM_FLAVORS])}, or empty)`,
      );
    const rfst = optionalDateOfDtc(row.value('RFSTDTC'), 'RFSTDTC');
    const rfic = optionalDateOfDtc(row.value('RFICDTC'), 'RFICDTC');
    if ('reason' in rfst) problems.push(rfst.reason);
    if ('reason' in rfic) problems.push(rfic.reason);
    if (problems.length > 0 || 'reason' in rfst || 'reason' in rfic) {
      issues.add(row.file, row.line, problems.join('; '));
      if (usubjid !== '' && !seen.has(usubjid)) {
        seen.set(usubjid, row.line);
        refused.add(usubjid);
      }
      continue;
    }
    seen.set(usubjid, row.line);
    subjects.push({
      file: row.file,
      line: row.line,
      usubjid,
      subjid: row.value('SUBJID'),
      siteCode,
      status,
      arm: status === 'randomized' ? armcd : null,
      rfstdtc: rfst.date,
      rficdtc: rfic.date,
      country: countryOf(row.value('COUNTRY')),
    });
  }
  return { subjects, refused };
}

/**
 * The screening number of each subject: SUBJID when every subject has one and no two share it
 * (SDTM allows SUBJID to repeat across sites), otherwise USUBJID.
 */
export function screeningNumbers(subjects: readonly DmSubject[]): Map<string, string> {
  const subjids = subjects.map((s) => s.subjid);
  const useSubjid = subjids.every((s) => s !== '') && new Set(subjids).size === subjids.length;
  return new Map(subjects.map((s) => [s.usubjid, useSubjid ? s.subjid : s.usubjid]));
}

/** The stratification levels SUPPDM gives: QNAM is the factor's code, QVAL a level's code or label. */
export function readSuppdm(
  protocol: Protocol,
  rows: readonly SdtmRow[],
  known: ReadonlyMap<string, DmSubject>,
  refused: ReadonlySet<string>,
  issues: IssueList,
): { levels: Map<string, Record<string, string>>; ignored: Set<string> } {
  const levels = new Map<string, Record<string, string>>();
  const lines = new Map<string, number>();
  const ignored = new Set<string>();
  for (const row of rows) {
    const usubjid = row.value('USUBJID');
    const qnam = normalTerm(row.value('QNAM'));
    const factor = protocol.stratification.factors.find((f) => f.code === qnam);
    if (!known.has(usubjid)) {
      if (!refused.has(usubjid))
        issues.add(row.file, row.line, `USUBJID ${usubjid || '(empty)'} is not a subject of DM`);
      continue;
    }
    if (!factor) {
      ignored.add(qnam);
      continue;
    }
    const qval = normalTerm(row.value('QVAL'));
    const level = factor.levels.find((l) => l.code === qval || normalTerm(l.label) === qval);
    const key = `${usubjid}\u0000${factor.code}`;
    if (!level)
      issues.add(
        row.file,
        row.line,
        `QVAL "${row.value('QVAL')}" is not a level of ${factor.code} (${oneOf(factor.levels.map((l) => l.code))})`,
      );
    else if (lines.has(key))
      issues.add(row.file, row.line, `${factor.code} of ${usubjid} is already on line ${lines.get(key)}`);
    else {
      lines.set(key, row.line);
      levels.set(usubjid, { ...levels.get(usubjid), [factor.code]: level.code });
    }
  }
  return { levels, ignored };
}
