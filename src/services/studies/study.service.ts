import { createHash } from 'node:crypto';
import { canonicalJson } from '../../core/audit/canonical-json.js';
import { conflict, notFound, validationError } from '../../core/errors.js';
import { parseProtocol, validateProtocol, type Protocol } from '../../core/protocol/index.js';
import type { SiteRecord } from '../../store/repositories/site.repository.js';
import type { ProtocolVersionRecord, StudyRecord } from '../../store/repositories/study.repository.js';
import type { AuditActor, Store } from '../../store/store.js';
import { authorize, visibleStudyIds, type Caller } from '../caller.js';
import type { AmendStudyInput, CreateSiteInput, CreateStudyInput, ProtocolSource } from './study.schemas.js';

export interface StudyDetail extends StudyRecord {
  readonly protocol: Protocol;
  readonly versions: readonly Omit<ProtocolVersionRecord, 'protocol'>[];
}

/** Parses a protocol from file text or an object; the hash identifies exactly what was submitted. */
export function readProtocolSource(input: ProtocolSource): { protocol: Protocol; sha256: string } {
  if ('source' in input) {
    return {
      protocol: parseProtocol(input.source, input.fileName),
      sha256: createHash('sha256').update(input.source).digest('hex'),
    };
  }
  return {
    protocol: validateProtocol(input.protocol, 'request body'),
    sha256: createHash('sha256').update(canonicalJson(input.protocol)).digest('hex'),
  };
}

/**
 * The parts of a protocol that allocations depend on: once a subject is randomized, changing them
 * would alter the meaning of an allocation, its verification, or what a kit reveals.
 */
function frozenChanges(before: Protocol, after: Protocol): string[] {
  const parts: [string, (p: Protocol) => unknown][] = [
    [
      'the arms',
      (p) =>
        p.arms.map((a) => ({ code: a.code, ratio: a.ratio, treatments: a.treatments, control: a.control })),
    ],
    ['which drugs are masked', (p) => p.drugs.map((d) => ({ code: d.code, masked: d.masked }))],
    ['the randomization', (p) => p.randomization],
    ['the stratification factors', (p) => p.stratification],
  ];
  return parts
    .filter(([, part]) => canonicalJson(part(before)) !== canonicalJson(part(after)))
    .map(([name]) => name);
}

export class StudyService {
  constructor(private readonly store: Store) {}

  async create(caller: Caller, input: CreateStudyInput): Promise<StudyRecord> {
    return this.createAs(authorize(caller, 'study.create'), input);
  }

  /** Creates a study as the given actor (the start-up loader uses the system actor). */
  async createAs(actor: AuditActor, input: CreateStudyInput): Promise<StudyRecord> {
    const { protocol, sha256 } = readProtocolSource(input);
    return this.store.write(actor, async (r) => {
      if (await r.studies.getByCode(protocol.code))
        throw conflict(`A study with code "${protocol.code}" already exists: amend it instead`, {
          field: 'code',
        });
      return r.studies.create({
        code: protocol.code,
        title: protocol.title,
        protocol,
        sourceSha256: sha256,
        createdBy: actor.userId,
      });
    });
  }

  async list(caller: Caller): Promise<StudyRecord[]> {
    const ids = visibleStudyIds(caller);
    return this.store.read((r) => r.studies.list(ids ?? undefined));
  }

  async get(caller: Caller, studyId: string): Promise<StudyDetail> {
    authorize(caller, 'study.read', { studyId });
    return this.store.read(async (r) => {
      const study = await r.studies.get(studyId);
      if (!study) throw notFound('Study', studyId);
      const versions = await r.studies.versions(studyId);
      const current = versions.find((v) => v.version === study.currentVersion);
      if (!current) throw new Error(`study ${studyId} has no version ${study.currentVersion}`);
      return {
        ...study,
        protocol: current.protocol as Protocol,
        versions: versions.map(({ protocol: _p, ...v }) => v),
      };
    });
  }

  async version(caller: Caller, studyId: string, version: number): Promise<ProtocolVersionRecord> {
    authorize(caller, 'study.read', { studyId });
    const v = await this.store.read((r) => r.studies.version(studyId, version));
    if (!v) throw notFound('Protocol version', `${studyId}/${version}`);
    return v;
  }

  /** An amendment: a new protocol version for the same study code; every earlier version is kept. */
  async amend(caller: Caller, studyId: string, input: AmendStudyInput): Promise<StudyRecord> {
    const actor = authorize(caller, 'study.amend', { studyId });
    const { protocol, sha256 } = readProtocolSource(input);
    return this.store.write(actor, async (r) => {
      const study = await r.studies.get(studyId);
      if (!study) throw notFound('Study', studyId);
      if (study.status === 'locked')
        throw conflict('The study database is locked: unlock it before amending');
      if (protocol.code !== study.code)
        throw validationError(`An amendment must keep the study code "${study.code}"`, [
          { path: 'code', message: `must be "${study.code}", not "${protocol.code}"` },
        ]);
      const current = await r.studies.version(studyId, study.currentVersion);
      if (current && canonicalJson(current.protocol) === canonicalJson(protocol))
        throw conflict('The amendment is identical to the current protocol version');
      if (current && (await r.randomization.list(studyId)).length > 0) {
        const frozen = frozenChanges(current.protocol as Protocol, protocol);
        if (frozen.length > 0)
          throw conflict(
            `Subjects are randomized: an amendment cannot change ${frozen.join(', ')} (it would change or reveal their allocation)`,
            { frozen },
          );
      }
      return r.studies.amend({
        study,
        title: protocol.title,
        protocol,
        sourceSha256: sha256,
        reason: input.reason,
        createdBy: caller.userId,
      });
    });
  }

  async sites(caller: Caller, studyId: string): Promise<SiteRecord[]> {
    authorize(caller, 'study.read', { studyId });
    return this.store.read(async (r) => {
      if (!(await r.studies.get(studyId))) throw notFound('Study', studyId);
      return r.sites.list(studyId);
    });
  }

  async createSite(caller: Caller, studyId: string, input: CreateSiteInput): Promise<SiteRecord> {
    const actor = authorize(caller, 'site.manage', { studyId });
    return this.store.write(actor, async (r) => {
      if (!(await r.studies.get(studyId))) throw notFound('Study', studyId);
      if (await r.sites.getByCode(studyId, input.code))
        throw conflict(`The study already has a site with code "${input.code}"`, { field: 'code' });
      return r.sites.create({ studyId, code: input.code, name: input.name, country: input.country ?? null });
    });
  }
}
