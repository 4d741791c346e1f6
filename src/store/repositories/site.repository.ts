import { Repository } from './repository.js';

export interface SiteRecord {
  readonly id: string;
  readonly studyId: string;
  readonly code: string;
  readonly name: string;
  readonly country: string | null;
  readonly createdAt: Date;
}

type SiteRow = {
  id: string;
  study_id: string;
  code: string;
  name: string;
  country: string | null;
  created_at: Date;
};
const toSite = (r: SiteRow): SiteRecord => ({
  id: r.id,
  studyId: r.study_id,
  code: r.code,
  name: r.name,
  country: r.country,
  createdAt: r.created_at,
});

export class SiteRepository extends Repository {
  async list(studyId: string, siteIds?: readonly string[]): Promise<SiteRecord[]> {
    if (siteIds && siteIds.length === 0) return [];
    let q = this.db.selectFrom('sites').selectAll().where('study_id', '=', studyId).orderBy('code');
    if (siteIds) q = q.where('id', 'in', siteIds);
    return (await q.execute()).map(toSite);
  }

  async get(id: string): Promise<SiteRecord | undefined> {
    const row = await this.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSite(row);
  }

  async getByCode(studyId: string, code: string): Promise<SiteRecord | undefined> {
    const row = await this.db
      .selectFrom('sites')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('code', '=', code)
      .executeTakeFirst();
    return row && toSite(row);
  }

  /** Locks the site's row for the rest of the transaction (serializes screening numbers per site). */
  async lock(id: string): Promise<void> {
    await this.trx.selectFrom('sites').select('id').where('id', '=', id).forUpdate().execute();
  }

  /**
   * Locks the site's kit stock for the rest of the transaction (randomization and visit dispensing check
   * and take kits under it). FOR NO KEY UPDATE, so screening, which only references the site, still runs.
   */
  async lockStock(id: string): Promise<void> {
    await this.trx.selectFrom('sites').select('id').where('id', '=', id).forNoKeyUpdate().execute();
  }

  async create(input: {
    studyId: string;
    code: string;
    name: string;
    country: string | null;
  }): Promise<SiteRecord> {
    const row = await this.trx
      .insertInto('sites')
      .values({ study_id: input.studyId, code: input.code, name: input.name, country: input.country })
      .returningAll()
      .executeTakeFirstOrThrow();
    const site = toSite(row);
    await this.audit({
      studyId: input.studyId,
      action: 'site.create',
      entityType: 'site',
      entityId: site.id,
      newValue: { code: site.code, name: site.name, country: site.country },
    });
    return site;
  }
}
