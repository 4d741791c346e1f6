import type { AeAction, AeOutcome, DiscontinuationReason, Relatedness } from '../capture/vocabulary.js';

/** Upper case, single spaces, no surrounding space: how terms are compared. */
export const normalTerm = (text: string): string => text.trim().toUpperCase().replace(/\s+/g, ' ');

const lookup = <T>(table: Readonly<Record<string, T>>) => {
  const map = new Map(Object.entries(table).map(([k, v]) => [normalTerm(k), v] as const));
  return (text: string): T | undefined => map.get(normalTerm(text));
};

/**
 * AEREL (sponsor-defined in SDTM) to our causality scale. A binary "RELATED" / "Y" becomes
 * `possible`, the weakest judgement that still counts as related; our own codes are accepted too.
 */
export const relatednessOf = lookup<Relatedness>({
  'NOT RELATED': 'not_related',
  UNRELATED: 'not_related',
  NONE: 'not_related',
  N: 'not_related',
  NO: 'not_related',
  NOT_RELATED: 'not_related',
  'UNLIKELY RELATED': 'unlikely',
  UNLIKELY: 'unlikely',
  'REMOTELY RELATED': 'unlikely',
  REMOTE: 'unlikely',
  DOUBTFUL: 'unlikely',
  'POSSIBLY RELATED': 'possible',
  POSSIBLE: 'possible',
  RELATED: 'possible',
  Y: 'possible',
  YES: 'possible',
  'PROBABLY RELATED': 'probable',
  PROBABLE: 'probable',
  'DEFINITELY RELATED': 'definite',
  DEFINITE: 'definite',
  CERTAIN: 'definite',
});

/** AEOUT (CDISC codelist OUT, C66768) to our outcome codes. */
export const outcomeOf = lookup<AeOutcome>({
  'RECOVERED/RESOLVED': 'recovered',
  'RECOVERING/RESOLVING': 'recovering',
  'NOT RECOVERED/NOT RESOLVED': 'not_recovered',
  'RECOVERED/RESOLVED WITH SEQUELAE': 'recovered_with_sequelae',
  FATAL: 'fatal',
  UNKNOWN: 'unknown',
  recovered: 'recovered',
  recovering: 'recovering',
  not_recovered: 'not_recovered',
  recovered_with_sequelae: 'recovered_with_sequelae',
});

/** AEACN (CDISC codelist ACN, C66767) to our action codes. */
export const actionOf = lookup<AeAction>({
  'DOSE NOT CHANGED': 'none',
  'DOSE REDUCED': 'dose_reduced',
  'DOSE RATE REDUCED': 'dose_reduced',
  'DRUG INTERRUPTED': 'drug_interrupted',
  'DRUG WITHDRAWN': 'drug_withdrawn',
  'NOT APPLICABLE': 'not_applicable',
  UNKNOWN: 'unknown',
  none: 'none',
  dose_reduced: 'dose_reduced',
  drug_interrupted: 'drug_interrupted',
  drug_withdrawn: 'drug_withdrawn',
  not_applicable: 'not_applicable',
});

/** AESEV (CDISC codelist AESEV) as a grade, when AETOXGR is not given. */
export const gradeOfSeverity = lookup<number>({ MILD: 1, MODERATE: 2, SEVERE: 3 });

/** AESER and other NY codelist values. */
export const yesNo = lookup<boolean>({ Y: true, N: false });

/**
 * DSDECOD of a disposition event (CDISC codelist NCOMPLT, C66727) to completed or a discontinuation
 * reason. Reasons our vocabulary lacks become `other`, with DSTERM kept as the detail.
 */
export const dispositionOf = lookup<'completed' | DiscontinuationReason>({
  COMPLETED: 'completed',
  'ADVERSE EVENT': 'adverse_event',
  'LACK OF EFFICACY': 'lack_of_efficacy',
  'WITHDRAWAL BY SUBJECT': 'withdrawal_by_subject',
  'WITHDRAWAL BY PARENT/GUARDIAN': 'withdrawal_by_subject',
  'LOST TO FOLLOW-UP': 'lost_to_follow_up',
  'PROTOCOL DEVIATION': 'protocol_deviation',
  'PROTOCOL VIOLATION': 'protocol_deviation',
  'PHYSICIAN DECISION': 'physician_decision',
  DEATH: 'death',
  OTHER: 'other',
  'NON-COMPLIANCE WITH STUDY DRUG': 'other',
  PREGNANCY: 'other',
  'PROGRESSIVE DISEASE': 'other',
  RECOVERY: 'other',
  'SITE TERMINATED BY SPONSOR': 'other',
  'STUDY TERMINATED BY SPONSOR': 'other',
  'TECHNICAL PROBLEMS': 'other',
});

/** DSCAT: what kind of record a DS row is (an empty DSCAT is a disposition event). */
export type DsCategory = 'disposition' | 'milestone' | 'other';
export const dsCategoryOf = lookup<DsCategory>({
  '': 'disposition',
  'DISPOSITION EVENT': 'disposition',
  'PROTOCOL MILESTONE': 'milestone',
  'OTHER EVENT': 'other',
});

/** The protocol milestones the import reads (others are accepted and not stored). */
export const MILESTONES = {
  consent: 'INFORMED CONSENT OBTAINED',
  randomized: 'RANDOMIZED',
  /** Our convention for the extension election: DSTERM gives the option (code or label). */
  election: 'EXTENSION ELECTED',
  screenFailure: 'SCREEN FAILURE',
} as const;

/** ARMCD values that are not arms (SDTMIG 3.3: screen failure, not assigned). */
export const ARM_NULL_FLAVORS = { screenFailure: 'SCRNFAIL', notAssigned: 'NOTASSGN' } as const;

/** ACTARMCD values besides arm codes. */
export const ACTUAL_ARM_FLAVORS = ['SCRNFAIL', 'NOTASSGN', 'NOTTRT', 'UNPLAN'] as const;

/** How a term list is named in a reason: `one of A, B or C`. */
export const oneOf = (terms: readonly string[]): string =>
  terms.length <= 1
    ? (terms[0] ?? '')
    : `one of ${terms.slice(0, -1).join(', ')} or ${terms[terms.length - 1] ?? ''}`;
