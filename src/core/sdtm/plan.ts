import type { AeAction, AeOutcome, DiscontinuationReason, Relatedness } from '../capture/vocabulary.js';
import type { EligibilityResult } from '../eligibility/evaluate.js';
import type { ReportedResult } from '../labs/result.js';

/** A soft edit-check finding on an imported record: it opens a query, as on captured data. */
export interface SoftFinding {
  readonly check: string;
  readonly path: string;
  readonly message: string;
}

export interface PlannedSite {
  readonly code: string;
  readonly name: string;
  /** ISO 3166-1 alpha-2, from DM COUNTRY; null when not given or not known. */
  readonly country: string | null;
}

export interface PlannedSubject {
  readonly usubjid: string;
  readonly line: number;
  readonly screeningNumber: string;
  readonly siteCode: string;
  readonly status: 'screen_failed' | 'eligible' | 'randomized';
  readonly consentedOn: string;
  /** Stratification levels by factor code, from SUPPDM. */
  readonly levels: Readonly<Record<string, string>>;
  /** The screening answers the levels stand for (each factor's `fromField`); nothing else is known. */
  readonly answers: Readonly<Record<string, string>>;
  /** Criteria are not imported (no IE domain): the result says only whether the subject qualified. */
  readonly eligibility: EligibilityResult;
}

export interface PlannedAllocation {
  readonly usubjid: string;
  /** 0-based, in order of randomization date (then DM line): the randomization number is 1001 + it. */
  readonly sequenceNumber: number;
  readonly arm: string;
  readonly stratumKey: string;
  readonly randomizedOn: string;
}

export interface PlannedElection {
  readonly usubjid: string;
  readonly line: number;
  readonly phase: string;
  readonly option: string;
  readonly fromArm: string;
  readonly toArm: string;
  readonly date: string;
}

export interface PlannedVisit {
  readonly usubjid: string;
  readonly visit: string;
  readonly date: string;
  /** Where the date comes from: SV, the LB sample date, or the randomization date (day 0 only). */
  readonly source: 'sv' | 'lb' | 'randomization';
  readonly findings: readonly SoftFinding[];
}

export interface PlannedResult extends ReportedResult {
  readonly usubjid: string;
  readonly line: number;
  readonly findings: readonly SoftFinding[];
}

export interface PlannedAdverseEvent {
  readonly usubjid: string;
  readonly line: number;
  readonly verbatimTerm: string;
  readonly codedTerm: string | null;
  readonly bodySystem: string | null;
  readonly grade: number;
  readonly serious: boolean;
  /** For every study drug of the protocol. */
  readonly relatedness: Readonly<Record<string, Relatedness>>;
  readonly onsetDate: string;
  readonly endDate: string | null;
  readonly outcome: AeOutcome;
  readonly actionTaken: AeAction;
  readonly findings: readonly SoftFinding[];
}

export interface PlannedDisposition {
  readonly usubjid: string;
  readonly line: number;
  readonly phase: string;
  readonly status: 'completed' | 'discontinued';
  readonly date: string;
  readonly reason: DiscontinuationReason | null;
  readonly relatedDrug: string | null;
  readonly detail: string | null;
  readonly findings: readonly SoftFinding[];
}

/** A study's SDTM data mapped onto the protocol, checked, ready to be written. */
export interface ImportPlan {
  readonly sites: readonly PlannedSite[];
  readonly subjects: readonly PlannedSubject[];
  readonly allocations: readonly PlannedAllocation[];
  readonly elections: readonly PlannedElection[];
  readonly visits: readonly PlannedVisit[];
  readonly results: readonly PlannedResult[];
  readonly adverseEvents: readonly PlannedAdverseEvent[];
  readonly dispositions: readonly PlannedDisposition[];
  /** Rows accepted but not stored, and dates derived, in words (e.g. tests the protocol does not measure). */
  readonly notes: readonly string[];
}
