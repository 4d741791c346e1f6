import { todayUtc } from '../../core/capture/dates.js';
import {
  DISCONTINUATION_REASONS,
  RELATEDNESS,
  type DiscontinuationReason,
  type Relatedness,
} from '../../core/capture/vocabulary.js';
import { DomainError } from '../../core/errors.js';
import type {
  AdverseEventEntry,
  AnalysisInput,
  DispositionEntry,
  ScreenedSubject,
} from '../../core/analysis/index.js';
import type { Protocol } from '../../core/protocol/schema.js';
import type { AdverseEventRecord, DispositionRecord } from '../../store/repositories/capture.repository.js';
import type { AllocationRecord } from '../../store/repositories/randomization.repository.js';
import type { SubjectSummary } from '../../store/repositories/subject.repository.js';
import type { Repositories } from '../../store/store.js';
import { currentProtocol } from '../subjects/subject.service.js';

/**
 * The analysis input of a study at a data cut, from the live database in a fixed number of set-based
 * reads (subjects, sites, allocations, visits, re-assignments, one per measure of the protocol for
 * results, adverse events, dispositions), never a query per subject. Analysed against the study's
 * current protocol version. The rules:
 *
 * - Subjects: every subject screened (consented) by the data cut, with status, site code and
 *   stratification levels. A subject who consented after the cut was not yet screened at it and is
 *   left out (their data, all dated after consent, is then left out by the engine as after the cut).
 * - Randomization: set exactly when the subject has an allocation (the allocation decides, so a subject
 *   randomized between two reads still reads consistently): `arm` is the allocation's arm (the arm
 *   randomized to, never a later re-assignment); `date` is the recorded date of the protocol's
 *   randomization visit (the main phase's `startVisit`, e.g. D0) if any, else the UTC date of
 *   `allocatedAt`: the same day-0 rule as data capture. A randomization dated after the cut is
 *   counted by the engine as eligible, not randomized.
 * - Re-assignments (extension elections): dated on the UTC date they were recorded (`createdAt`).
 * - Visits, results (a `MeasureResult` as stored), adverse events (dated by onset) and dispositions
 *   as recorded; the engine leaves out whatever is dated after the cut and says how much in its
 *   warnings.
 * - Stored vocabulary (relatedness, discontinuation reasons) is checked, not cast: a value outside the
 *   vocabulary is an internal error naming the record, never silently analysed.
 */
export async function loadAnalysisInput(
  r: Repositories,
  studyId: string,
  dataCut: string,
): Promise<AnalysisInput> {
  const { protocol, version } = await currentProtocol(r, studyId);
  // Subjects first: every row read after them that names a subject read here is consistent with it
  // (rows of subjects screened meanwhile are left out by the engine with a warning).
  const subjects = await r.subjects.summaries(studyId);
  const [sites, allocations, visits, reassignments, results, adverseEvents, dispositions] = await Promise.all(
    [
      r.sites.list(studyId),
      r.randomization.list(studyId),
      r.capture.visitsOfStudy(studyId),
      r.randomization.reassignmentsOfStudy(studyId),
      Promise.all(protocol.measures.map((m) => r.capture.resultsOfStudy(studyId, m.code))),
      r.capture.adverseEventsOfStudy(studyId),
      r.capture.dispositionsOfStudy(studyId),
    ],
  );

  const numbers = new Map(subjects.map((s) => [s.id, s.screeningNumber]));
  const who = (subjectId: string): string => numbers.get(subjectId) ?? `subject ${subjectId}`;
  const randomizationVisit = randomizationVisitOf(protocol);
  const randomizationVisitDates = new Map(
    visits.filter((v) => v.visitCode === randomizationVisit).map((v) => [v.subjectId, v.visitDate]),
  );
  const siteCodes = new Map(sites.map((s) => [s.id, s.code]));
  const allocationOf = new Map(allocations.map((a) => [a.subjectId, a]));

  return {
    protocol,
    protocolVersion: version,
    dataCut,
    subjects: subjects
      .filter((s) => s.consentedOn <= dataCut)
      .map((s) => screenedSubject(s, siteCodes, allocationOf.get(s.id), randomizationVisitDates)),
    reassignments: reassignments.map((x) => ({
      subjectId: x.subjectId,
      phase: x.phaseCode,
      option: x.optionCode,
      fromArm: x.fromArm,
      toArm: x.toArm,
      date: todayUtc(x.createdAt),
    })),
    visits: visits.map((v) => ({ subjectId: v.subjectId, visit: v.visitCode, date: v.visitDate })),
    results: results.flat().map((x) => ({
      subjectId: x.subjectId,
      visit: x.visitCode,
      measure: x.measure,
      collectedOn: x.collectedOn,
      result: x.result,
    })),
    adverseEvents: adverseEvents.map((ae) => adverseEventEntry(ae, who)),
    dispositions: dispositions.map((d) => dispositionEntry(d, who)),
  };
}

/** The visit whose date is day 0: the main phase's start visit (as data capture reads it). */
function randomizationVisitOf(protocol: Protocol): string | undefined {
  return protocol.phases.find((p) => p.kind === 'main')?.startVisit;
}

/** Stored data that contradicts the store's own rules: a server error, never analysed. */
const storedDataError = (message: string): DomainError =>
  new DomainError('internal', `Cannot analyse the stored data: ${message}`);

function screenedSubject(
  s: SubjectSummary,
  siteCodes: ReadonlyMap<string, string>,
  allocation: AllocationRecord | undefined,
  randomizationVisitDates: ReadonlyMap<string, string>,
): ScreenedSubject {
  const siteCode = siteCodes.get(s.siteId);
  if (siteCode === undefined)
    throw storedDataError(`subject ${s.screeningNumber} is at a site that is not a site of the study`);
  if (!allocation && s.status === 'randomized')
    throw storedDataError(`subject ${s.screeningNumber} is randomized but has no allocation`);
  return {
    id: s.id,
    screeningNumber: s.screeningNumber,
    siteCode,
    status: allocation ? 'randomized' : s.status,
    levels: s.levels,
    randomization: allocation
      ? {
          arm: allocation.armCode,
          date: randomizationVisitDates.get(s.id) ?? todayUtc(allocation.allocatedAt),
        }
      : null,
  };
}

const isRelatedness = (value: string): value is Relatedness =>
  (RELATEDNESS as readonly string[]).includes(value);

const isDiscontinuationReason = (value: string): value is DiscontinuationReason =>
  (DISCONTINUATION_REASONS as readonly string[]).includes(value);

function adverseEventEntry(ae: AdverseEventRecord, who: (subjectId: string) => string): AdverseEventEntry {
  const relatedness: Record<string, Relatedness> = {};
  for (const [drug, value] of Object.entries(ae.relatedness)) {
    if (!isRelatedness(value))
      throw storedDataError(
        `adverse event ${ae.number} of ${who(ae.subjectId)} gives "${value}" as its relatedness to ${drug}, ` +
          `not one of ${RELATEDNESS.join(', ')}`,
      );
    relatedness[drug] = value;
  }
  return {
    subjectId: ae.subjectId,
    verbatimTerm: ae.verbatimTerm,
    codedTerm: ae.codedTerm,
    bodySystem: ae.bodySystem,
    grade: ae.grade,
    serious: ae.serious,
    relatedness,
    onsetDate: ae.onsetDate,
  };
}

function dispositionEntry(d: DispositionRecord, who: (subjectId: string) => string): DispositionEntry {
  const { reason } = d;
  if (reason !== null && !isDiscontinuationReason(reason))
    throw storedDataError(
      `the ${d.phase} disposition of ${who(d.subjectId)} gives "${reason}" as its reason, ` +
        `not one of ${DISCONTINUATION_REASONS.join(', ')}`,
    );
  return {
    subjectId: d.subjectId,
    phase: d.phase,
    status: d.status,
    date: d.date,
    reason,
    relatedDrug: d.relatedDrug,
  };
}
