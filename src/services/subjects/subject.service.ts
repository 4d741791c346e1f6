import { todayUtc } from '../../core/capture/dates.js';
import { checkAnswers } from '../../core/eligibility/answers.js';
import { evaluateEligibility } from '../../core/eligibility/evaluate.js';
import { DomainError, notFound, validationError } from '../../core/errors.js';
import type { Protocol } from '../../core/protocol/schema.js';
import type { SubjectRecord } from '../../store/repositories/subject.repository.js';
import type { Repositories, Store } from '../../store/store.js';
import { authorize, sitesAllowing, type Caller } from '../caller.js';
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
      const today = todayUtc();
      const consentedOn = input.consentedOn ?? today;
      if (consentedOn > today)
        throw validationError(`The consent date ${consentedOn} is in the future`, [
          { path: 'consentedOn', message: `is in the future (today is ${today})` },
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

  async get(caller: Caller, subjectId: string): Promise<SubjectRecord> {
    const subject = await this.store.read((r) => r.subjects.get(subjectId));
    if (!subject) throw notFound('Subject', subjectId);
    authorize(caller, 'subject.read', { studyId: subject.studyId, siteId: subject.siteId });
    return subject;
  }
}
