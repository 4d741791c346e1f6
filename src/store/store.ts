import { sql, type Kysely, type Transaction } from 'kysely';
import { sealChains, unsealedChains } from './audit-sealer.js';
import { AuditWriter, type AuditActor } from './audit-writer.js';
import type { Database } from './database.js';
import { AuditRepository } from './repositories/audit.repository.js';
import { CaptureRepository } from './repositories/capture.repository.js';
import { GrantRepository } from './repositories/grant.repository.js';
import { LabImportRepository } from './repositories/lab-import.repository.js';
import { QueryRepository } from './repositories/query.repository.js';
import { RandomizationRepository } from './repositories/randomization.repository.js';
import { SessionRepository } from './repositories/session.repository.js';
import { SiteRepository } from './repositories/site.repository.js';
import { StudyRepository } from './repositories/study.repository.js';
import { SubjectRepository } from './repositories/subject.repository.js';
import { SupplyRepository } from './repositories/supply.repository.js';
import { UserRepository } from './repositories/user.repository.js';
import type { DB } from './schema.js';

/** The repositories, bound to one connection or transaction. */
export class Repositories {
  readonly studies: StudyRepository;
  readonly sites: SiteRepository;
  readonly users: UserRepository;
  readonly grants: GrantRepository;
  readonly sessions: SessionRepository;
  readonly audit: AuditRepository;
  readonly subjects: SubjectRepository;
  readonly randomization: RandomizationRepository;
  readonly supply: SupplyRepository;
  readonly capture: CaptureRepository;
  readonly queries: QueryRepository;
  readonly labImports: LabImportRepository;

  constructor(db: Kysely<DB> | Transaction<DB>, writer: AuditWriter | null) {
    this.studies = new StudyRepository(db, writer);
    this.sites = new SiteRepository(db, writer);
    this.users = new UserRepository(db, writer);
    this.grants = new GrantRepository(db, writer);
    this.sessions = new SessionRepository(db, writer);
    this.audit = new AuditRepository(db, writer);
    this.subjects = new SubjectRepository(db, writer);
    this.randomization = new RandomizationRepository(db, writer);
    this.supply = new SupplyRepository(db, writer);
    this.capture = new CaptureRepository(db, writer);
    this.queries = new QueryRepository(db, writer);
    this.labImports = new LabImportRepository(db, writer);
  }
}

/**
 * The services' only door to the database. `read` runs queries; `write` runs a unit of work in one
 * transaction in which every repository write appends its audit entry: all of it commits, or none.
 */
export class Store {
  constructor(readonly database: Database) {}

  get engine(): Database['engine'] {
    return this.database.engine;
  }

  read<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return work(new Repositories(this.database.db, null));
  }

  async write<T>(
    actor: AuditActor,
    work: (repos: Repositories) => Promise<T>,
    options: { reason?: string } = {},
  ): Promise<T> {
    let writer: AuditWriter | undefined;
    const result = await this.database.db.transaction().execute(async (trx) => {
      const w = new AuditWriter(trx, actor, options.reason ?? null);
      writer = w;
      const out = await work(new Repositories(trx, w));
      await w.flush();
      return out;
    });
    // Committed: link the new entries into their chains. Should this fail, they stay unsealed (still
    // stored, with their write) and the next sealing of the chain, or an audit read, seals them.
    if (writer && writer.chains.size > 0) await this.seal(writer.chains).catch(() => undefined);
    return result;
  }

  /** Seals the unsealed audit entries of the given chains, or of every chain that has any. */
  async seal(chains?: Iterable<string>): Promise<void> {
    await sealChains(this.database.db, chains ?? (await unsealedChains(this.database.db)));
  }

  /** Round trip to the database, for health checks. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.database.db);
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

export type { AuditActor, AuditRecord } from './audit-writer.js';
