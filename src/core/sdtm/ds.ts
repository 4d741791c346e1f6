import type { DiscontinuationReason } from '../capture/vocabulary.js';
import type { Protocol } from '../protocol/schema.js';
import type { IssueList, SdtmRow } from './dataset.js';
import { dateOfDtc } from './dates.js';
import { skip, type Skipped } from './findings.js';
import { drugNamed, phaseOfEpoch } from './protocol-map.js';
import { dispositionOf, dsCategoryOf, MILESTONES, normalTerm, oneOf } from './terms.js';

/** A disposition event of DS: how the subject ended a phase (phase null: at screening). */
export interface DsDisposition {
  readonly kind: 'disposition';
  readonly file: string;
  readonly line: number;
  readonly usubjid: string;
  readonly seq: string;
  readonly phase: string | null;
  readonly epoch: string;
  readonly outcome: 'completed' | DiscontinuationReason | 'screen_failure';
  readonly term: string;
  readonly decod: string;
  readonly date: string;
}

/** A protocol milestone of DS the import reads. */
export interface DsMilestone {
  readonly kind: 'milestone';
  readonly file: string;
  readonly line: number;
  readonly usubjid: string;
  readonly milestone: 'consent' | 'randomized' | 'election';
  readonly term: string;
  readonly date: string;
}

const DSCAT_TERMS = ['DISPOSITION EVENT', 'PROTOCOL MILESTONE', 'OTHER EVENT'];

/**
 * Reads DS. Disposition events (DSCAT DISPOSITION EVENT or empty): DSDECOD COMPLETED or a reason for
 * non-completion, in the phase EPOCH names (SCREENING: a screening disposition, e.g. SCREEN FAILURE).
 * Protocol milestones: INFORMED CONSENT OBTAINED and RANDOMIZED give those dates; EXTENSION ELECTED
 * (our convention) records the extension election, its option in DSTERM. Other rows are not stored.
 */
export function readDs(
  protocol: Protocol,
  rows: readonly SdtmRow[],
  issues: IssueList,
  skipped: Skipped,
): { dispositions: DsDisposition[]; milestones: DsMilestone[]; refused: Set<string> } {
  const dispositions: DsDisposition[] = [];
  const milestones: DsMilestone[] = [];
  const refused = new Set<string>();
  const phases = protocol.phases.map((p) => p.code);
  for (const row of rows) {
    const problems: string[] = [];
    const category = dsCategoryOf(row.value('DSCAT'));
    if (category === undefined)
      problems.push(`DSCAT "${row.value('DSCAT')}" must be ${oneOf(DSCAT_TERMS)} (or empty)`);
    const decod = normalTerm(row.value('DSDECOD'));
    const term = row.value('DSTERM');
    if (decod === '') problems.push('DSDECOD is empty');
    if (term.length > 2000) problems.push('DSTERM must be at most 2000 characters');
    const date = dateOfDtc(row.value('DSSTDTC'), 'DSSTDTC');
    if ('reason' in date) problems.push(date.reason);
    const base = { file: row.file, line: row.line, usubjid: row.value('USUBJID'), term };
    if (category === 'other') {
      if (problems.length === 0) skip(skipped, `${row.file}: other events (DSCAT OTHER EVENT)`);
    } else if (category === 'milestone') {
      const milestone =
        decod === MILESTONES.consent
          ? 'consent'
          : decod === MILESTONES.randomized
            ? 'randomized'
            : decod === MILESTONES.election
              ? 'election'
              : null;
      if (problems.length === 0 && 'date' in date) {
        if (milestone) milestones.push({ kind: 'milestone', ...base, milestone, date: date.date });
        else
          skip(
            skipped,
            `${row.file}: protocol milestones other than ${MILESTONES.consent}, ${MILESTONES.randomized} and ${MILESTONES.election}`,
          );
      }
    } else if (category === 'disposition') {
      const epoch = normalTerm(row.value('EPOCH'));
      const phase = phaseOfEpoch(protocol, epoch);
      const outcome = decod === MILESTONES.screenFailure ? 'screen_failure' : dispositionOf(decod);
      if (decod !== '' && outcome === undefined)
        problems.push(
          `DSDECOD "${decod}" is not a disposition term (COMPLETED or a reason for non-completion such as ADVERSE EVENT)`,
        );
      if (outcome === 'screen_failure' && phase !== null)
        problems.push(`SCREEN FAILURE is a screening disposition, not one of the ${phase.code} phase`);
      if (!phase && epoch !== 'SCREENING')
        problems.push(
          `EPOCH "${epoch}" is not a phase of the protocol (${phases.join(', ')}; TREATMENT is the main phase, EXTENSION the extension; SCREENING for screening dispositions)`,
        );
      if (problems.length === 0 && outcome !== undefined && 'date' in date)
        dispositions.push({
          kind: 'disposition',
          ...base,
          seq: row.value('DSSEQ'),
          phase: phase?.code ?? null,
          epoch,
          outcome,
          decod,
          date: date.date,
        });
    }
    if (problems.length > 0) {
      issues.add(row.file, row.line, problems.join('; '));
      refused.add(`${row.value('USUBJID')}\u0000${row.value('DSSEQ')}`);
    }
  }
  return { dispositions, milestones, refused };
}

/**
 * The study drug a discontinuation for an adverse event is attributed to, from SUPPDS: QNAM RELDRUG,
 * QVAL a drug's code or name, linked by IDVAR DSSEQ and IDVARVAL. Other QNAMs are not stored.
 */
export function readSuppds(
  protocol: Protocol,
  rows: readonly SdtmRow[],
  dispositions: readonly DsDisposition[],
  refused: ReadonlySet<string>,
  issues: IssueList,
): { byDisposition: Map<DsDisposition, string>; ignored: Set<string> } {
  const bySeq = new Map(dispositions.map((d) => [`${d.usubjid}\u0000${d.seq}`, d]));
  const byDisposition = new Map<DsDisposition, string>();
  const ignored = new Set<string>();
  for (const row of rows) {
    const qnam = normalTerm(row.value('QNAM'));
    if (qnam !== 'RELDRUG') {
      ignored.add(qnam);
      continue;
    }
    const key = `${row.value('USUBJID')}\u0000${row.value('IDVARVAL')}`;
    if (refused.has(key)) continue;
    const problems: string[] = [];
    if (normalTerm(row.value('IDVAR')) !== 'DSSEQ')
      problems.push(`IDVAR must be DSSEQ, not "${row.value('IDVAR')}"`);
    const drug = drugNamed(protocol, row.value('QVAL'));
    if (!drug)
      problems.push(
        `QVAL "${row.value('QVAL')}" is not a study drug (${protocol.drugs.map((d) => d.code).join(', ')})`,
      );
    const disposition = bySeq.get(key);
    if (!disposition && problems.length === 0)
      problems.push(
        `no disposition event of ${row.value('USUBJID') || '(empty USUBJID)'} has DSSEQ ${row.value('IDVARVAL') || '(empty)'}`,
      );
    else if (disposition && disposition.outcome !== 'adverse_event')
      problems.push(`RELDRUG applies to a discontinuation for an ADVERSE EVENT, not to ${disposition.decod}`);
    else if (disposition && byDisposition.has(disposition))
      problems.push(`RELDRUG of DSSEQ ${disposition.seq} for ${disposition.usubjid} is given twice`);
    if (problems.length > 0 || !drug || !disposition) {
      issues.add(row.file, row.line, problems.join('; '));
      continue;
    }
    byDisposition.set(disposition, drug);
  }
  return { byDisposition, ignored };
}
