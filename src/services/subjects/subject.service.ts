import { latestDateOnEarth, todayUtc } from '../../core/capture/dates.js';
import { checkAnswers } from '../../core/eligibility/answers.js';
import { evaluateEligibility } from '../../core/eligibility/evaluate.js';
import { DomainError, notFound, validationError } from '../../core/errors.js';
import type { Protocol } from '../../core/protocol/schema.js';
import type { SubjectRecord } from '../../store/repositories/subject.repository.js';
import type { Repositories, Store } from '../../store/store.js';
import { authorize, seesArms, sitesAllowing, type Caller } from '../caller.js';
import type { ScreenSubjectInput } from './subject.schemas.js';

/**
 * Protocol versions by study and version. A version never changes once written (a trigger refuses
 * it), so a parsed copy can be kept for every request that needs it.
 */
const protocolCache = new Map<string, Protocol>();

/**
 * The current protocol of a study, or 404. `forWrite` share-locks the study row, so that a database
 * lock cannot commit between this write's check of the status and its commit.
 */
export async function currentProtocol(
  r: Repositories,
  studyId: string,
  options: { forWrite?: boolean } = {},
): Promise<{ protocol: Protocol; version: number; status: string }> {
  const study = await (options.forWrite ? r.studies.getForWrite(studyId) : r.studies.get(studyId));
  if (!study) throw notFound('Study', studyId);
  const key = `${studyId}:${study.currentVersion}`;
  let protocol = protocolCache.get(key);
  if (!protocol) {
    const v = await r.studies.version(studyId, study.currentVersion);
    if (!v) throw new Error(`study ${studyId} has no version ${study.currentVersion}`);
    protocol = v.protocol as Protocol;
    if (protocolCache.size >= 500) protocolCache.clear();
    protocolCache.set(key, protocol);
  }
  return { protocol, version: study.currentVersion, status: study.status };
}

export const ensureOpen = (status: string): void => {
  if (status === 'locked')
    throw new DomainError('study_locked', 'The study database is locked: no changes are accepted');
};

/** The level of each factor that screening answers give (factors without `fromField` come later). */
function levelsFromAnswers(
  protocol: Protocol,
  answers: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const levels: Record<string, string> = {};
  for (const f of protocol.stratification.factors) {
    const v = f.fromField === undefined ? undefined : answers[f.fromField];
    if (typeof v === 'string' && f.levels.some((l) => l.code === v)) levels[f.code] = v;
  }
  return levels;
}

/** Counts of one group of subjects, by screening outcome. */
export interface EnrollmentCounts {
  readonly screened: number;
  readonly screenFailed: number;
  /** Eligible, not (yet) randomized. */
  readonly eligible: number;
  readonly randomized: number;
}

/** Enrollment of a study as the caller may see it: totals, by site and by stratum; by arm if unblinded. */
export interface Enrollment {
  readonly total: EnrollmentCounts;
  readonly bySite: readonly (EnrollmentCounts & { readonly siteId: string; readonly siteCode: string })[];
  /** By each stratification factor's level (e.g. PRIORRESP NR / PR), from the subjects' levels. */
  readonly byFactor: readonly {
    readonly factor: string;
    readonly level: string;
    readonly counts: EnrollmentCounts;
  }[];
  /** Randomized subjects per arm: only for the unblinded statistician, otherwise absent. */
  readonly byArm?: readonly { readonly arm: string; readonly randomized: number }[];
}

function countsOf(subjects: readonly SubjectRecord[]): EnrollmentCounts {
  const n = (status: SubjectRecord['status']): number => subjects.filter((s) => s.status === status).length;
  return {
    screened: subjects.length,
    screenFailed: n('screen_failed'),
    eligible: n('eligible'),
    randomized: n('randomized'),
  };
}

export class SubjectService {
  constructor(private readonly store: Store) {}

  /**
   * Screens a subject at a site: the answers are checked against the protocol's fields and every
   * eligibility criterion is evaluated and stored with its reason. Screen failures are kept.
   */
  async screen(caller: Caller, studyId: string, input: ScreenSubjectInput): Promise<SubjectRecord> {
    const actor = authorize(caller, 'subject.screen', { studyId, siteId: input.siteId });
    return this.store.write(actor, async (r) => {
      const { protocol, version, status } = await currentProtocol(r, studyId, { forWrite: true });
      ensureOpen(status);
      const site = await r.sites.get(input.siteId);
      if (!site || site.studyId !== studyId)
        throw validationError('The site is not a site of this study', [
          { path: 'siteId', message: 'not a site of the study' },
        ]);
      const consentedOn = input.consentedOn ?? todayUtc();
      const latest = latestDateOnEarth();
      if (consentedOn > latest)
        throw validationError(`The consent date ${consentedOn} is in the future`, [
          { path: 'consentedOn', message: `is in the future (today is ${latest})` },
        ]);
      const answers = checkAnswers(protocol, input.answers);
      const eligibility = evaluateEligibility(protocol, answers);
      await r.sites.lock(site.id);
      const n = (await r.subjects.countAtSite(studyId, site.id)) + 1;
      return r.subjects.create({
        studyId,
        siteId: site.id,
        screeningNumber: `${site.code}-S${String(n).padStart(3, '0')}`,
        status: eligibility.eligible ? 'eligible' : 'screen_failed',
        protocolVersion: version,
        answers,
        eligibility,
        levels: levelsFromAnswers(protocol, answers),
        consentedOn,
        createdBy: caller.userId,
      });
    });
  }

  async list(caller: Caller, studyId: string): Promise<SubjectRecord[]> {
    const sites = sitesAllowing(caller, 'subject.read', studyId);
    return this.store.read(async (r) => {
      if (!(await r.studies.get(studyId))) throw notFound('Study', studyId);
      return r.subjects.list(studyId, sites ?? undefined);
    });
  }

  /**
   * Screened, screen failures, eligible and randomized: in all, by site and by stratum (site roles:
   * their sites). Randomized per arm only for the unblinded statistician.
   */
  async enrollment(caller: Caller, studyId: string): Promise<Enrollment> {
    const sites = sitesAllowing(caller, 'subject.read', studyId);
    const unblinded = seesArms(caller, studyId);
    return this.store.read(async (r) => {
      const { protocol } = await currentProtocol(r, studyId);
      const subjects = await r.subjects.list(studyId, sites ?? undefined);
      const siteList = await r.sites.list(studyId, sites ?? undefined);
      const enrollment: Enrollment = {
        total: countsOf(subjects),
        bySite: siteList.map((site) => ({
          siteId: site.id,
          siteCode: site.code,
          ...countsOf(subjects.filter((x) => x.siteId === site.id)),
        })),
        byFactor: protocol.stratification.factors.flatMap((f) =>
          f.levels.map((l) => ({
            factor: f.code,
            level: l.code,
            counts: countsOf(subjects.filter((x) => x.levels[f.code] === l.code)),
          })),
        ),
      };
      if (!unblinded) return enrollment;
      const allocations = await r.randomization.list(studyId);
      return {
        ...enrollment,
        byArm: protocol.arms.map((a) => ({
          arm: a.code,
          randomized: allocations.filter((x) => x.armCode === a.code).length,
        })),
      };
    });
  }

  async get(caller: Caller, subjectId: string): Promise<SubjectRecord> {
    const subject = await this.store.read((r) => r.subjects.get(subjectId));
    if (!subject) throw notFound('Subject', subjectId);
    authorize(caller, 'subject.read', { studyId: subject.studyId, siteId: subject.siteId });
    return subject;
  }
}
