import { rowImages, type RowImage } from '../../core/audit/row-image.js';
import { sql } from 'kysely';
import { pickKits, type KitContent, type KitNeed } from '../../core/supply/kits.js';
import type { RandomSource } from '../../core/supply/random.js';
import { Repository } from './repository.js';

export type KitStatus = 'depot' | 'in_transit' | 'at_site' | 'dispensed' | 'damaged';

/** A kit as stored. `content` is masked information for masked drugs: services decide who sees it. */
export interface KitRecord {
  readonly id: string;
  readonly kitNumber: string;
  readonly drug: string;
  readonly content: KitContent;
  readonly lot: string;
  readonly expiresOn: string;
  readonly status: KitStatus;
  readonly siteId: string | null;
  readonly shipmentId: string | null;
  readonly subjectId: string | null;
  readonly visitCode: string | null;
  readonly dispensedAt: Date | null;
}

export interface ShipmentRecord {
  readonly id: string;
  readonly studyId: string;
  readonly siteId: string;
  readonly status: 'in_transit' | 'received';
  readonly shippedAt: Date;
  readonly receivedAt: Date | null;
}

type KitRow = {
  id: string;
  kit_number: string;
  drug_code: string;
  content: KitContent;
  lot: string;
  expires_on: string;
  status: KitStatus;
  site_id: string | null;
  shipment_id: string | null;
  subject_id: string | null;
  visit_code: string | null;
  dispensed_at: Date | null;
};

const toKit = (r: KitRow): KitRecord => ({
  id: r.id,
  kitNumber: r.kit_number,
  drug: r.drug_code,
  content: r.content,
  lot: r.lot,
  expiresOn: r.expires_on,
  status: r.status,
  siteId: r.site_id,
  shipmentId: r.shipment_id,
  subjectId: r.subject_id,
  visitCode: r.visit_code,
  dispensedAt: r.dispensed_at,
});

const kitColumns = [
  'id',
  'kit_number',
  'drug_code',
  'content',
  'lot',
  'expires_on',
  'status',
  'site_id',
  'shipment_id',
  'subject_id',
  'visit_code',
  'dispensed_at',
] as const;

export interface KitFilter {
  readonly siteIds?: readonly string[] | undefined;
  readonly status?: KitStatus | undefined;
  readonly drug?: string | undefined;
  readonly subjectId?: string | undefined;
  readonly shipmentId?: string | undefined;
}

export class SupplyRepository extends Repository {
  async kitNumbers(studyId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('kits')
      .select('kit_number')
      .where('study_id', '=', studyId)
      .execute();
    return new Set(rows.map((r) => r.kit_number));
  }

  async kits(studyId: string, f: KitFilter = {}): Promise<KitRecord[]> {
    if (f.siteIds && f.siteIds.length === 0) return [];
    let q = this.db.selectFrom('kits').select(kitColumns).where('study_id', '=', studyId);
    if (f.siteIds) q = q.where('site_id', 'in', f.siteIds);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.drug) q = q.where('drug_code', '=', f.drug);
    if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
    if (f.shipmentId) q = q.where('shipment_id', '=', f.shipmentId);
    return (await q.orderBy('kit_number').execute()).map(toKit);
  }

  /** Adds a kit list to the depot. The audit entry lists each kit's content, so it is blind-sensitive. */
  async createKits(input: {
    studyId: string;
    drug: string;
    lot: string;
    expiresOn: string;
    kits: readonly { kitNumber: string; content: KitContent }[];
  }): Promise<number> {
    const created: Record<string, unknown>[] = [];
    for (let i = 0; i < input.kits.length; i += 1000) {
      const rows = await this.trx
        .insertInto('kits')
        .values(
          input.kits.slice(i, i + 1000).map((k) => ({
            study_id: input.studyId,
            kit_number: k.kitNumber,
            drug_code: input.drug,
            content: k.content,
            lot: input.lot,
            expires_on: input.expiresOn,
            status: 'depot' as const,
          })),
        )
        .returningAll()
        .execute();
      created.push(...rows);
    }
    await this.audit({
      studyId: input.studyId,
      action: 'kits.create',
      entityType: 'kit_list',
      entityId: input.lot,
      newValue: { drug: input.drug, lot: input.lot, expiresOn: input.expiresOn, kits: input.kits },
      blindSensitive: true,
      // With each kit's content: the one entry that records it (later entries leave it out).
      rows: rowImages('kits', created, { withMasked: true }),
    });
    return input.kits.length;
  }

  /**
   * Picks depot kits of a drug usable after `usableAfter`, `wanted` per content (see `pickKits`: earliest
   * expiry first, at random among equals, by draws that never depend on content), and locks the
   * drug's usable depot kits meanwhile; null, changing nothing, when the depot is short.
   */
  async pickFromDepot(input: {
    studyId: string;
    drug: string;
    wanted: ReadonlyMap<KitContent, number>;
    usableAfter: string;
    random: RandomSource;
  }): Promise<KitRecord[] | null> {
    const rows = await this.trx
      .selectFrom('kits')
      .select(kitColumns)
      .where('study_id', '=', input.studyId)
      .where('status', '=', 'depot')
      .where('drug_code', '=', input.drug)
      .where('expires_on', '>', input.usableAfter)
      .orderBy('expires_on')
      .orderBy('kit_number')
      .forUpdate()
      .execute();
    return pickKits(rows.map(toKit), input.wanted, input.random);
  }

  async createShipment(input: {
    studyId: string;
    siteId: string;
    kits: readonly KitRecord[];
    shippedBy: string | null;
  }): Promise<ShipmentRecord> {
    const row = await this.trx
      .insertInto('shipments')
      .values({
        study_id: input.studyId,
        site_id: input.siteId,
        status: 'in_transit',
        shipped_by: input.shippedBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const kits = await this.trx
      .updateTable('kits')
      .set({ status: 'in_transit', site_id: input.siteId, shipment_id: row.id })
      .where(
        'id',
        'in',
        input.kits.map((k) => k.id),
      )
      .returningAll()
      .execute();
    await this.audit({
      studyId: input.studyId,
      action: 'shipment.create',
      entityType: 'shipment',
      entityId: row.id,
      newValue: {
        siteId: input.siteId,
        // In kit-number order: the order kits were picked in could follow their content.
        kits: byNumber(input.kits).map((k) => ({ kitNumber: k.kitNumber, drug: k.drug })),
      },
      // Without the content, in key order (random ids): nothing here tells active from placebo.
      rows: [...rowImages('shipments', [row]), ...byKitNumber(rowImages('kits', kits))],
    });
    return toShipment(row);
  }

  async shipment(id: string): Promise<ShipmentRecord | undefined> {
    const row = await this.db.selectFrom('shipments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toShipment(row);
  }

  async shipments(studyId: string, siteIds?: readonly string[]): Promise<ShipmentRecord[]> {
    if (siteIds && siteIds.length === 0) return [];
    let q = this.db.selectFrom('shipments').selectAll().where('study_id', '=', studyId);
    if (siteIds) q = q.where('site_id', 'in', siteIds);
    return (await q.orderBy('shipped_at').execute()).map(toShipment);
  }

  /** Marks a shipment received (kits at the site, but those damaged); null if it was received already. */
  async receiveShipment(input: {
    shipment: ShipmentRecord;
    damaged: readonly string[];
    receivedBy: string | null;
  }): Promise<ShipmentRecord | null> {
    const row = await this.trx
      .updateTable('shipments')
      .set({ status: 'received', received_at: new Date(), received_by: input.receivedBy })
      .where('id', '=', input.shipment.id)
      .where('status', '=', 'in_transit')
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    const kits = await this.trx
      .updateTable('kits')
      .set({
        status: sql`case when kit_number = any(${sql.val([...input.damaged])}::text[]) then 'damaged' else 'at_site' end`,
      })
      .where('shipment_id', '=', input.shipment.id)
      .where('status', '=', 'in_transit')
      .returningAll()
      .execute();
    await this.audit({
      studyId: input.shipment.studyId,
      action: 'shipment.receive',
      entityType: 'shipment',
      entityId: input.shipment.id,
      oldValue: { status: 'in_transit' },
      newValue: { status: 'received', damagedKits: input.damaged },
      rows: [...rowImages('shipments', [row]), ...byKitNumber(rowImages('kits', kits))],
    });
    return toShipment(row);
  }

  /** Usable kits at a site (at the site, not expired by `usableAfter`) per drug and content. */
  async siteStock(studyId: string, siteId: string, usableAfter: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('kits')
      .select(['drug_code', 'content', (eb) => eb.fn.countAll<number>().as('n')])
      .where('study_id', '=', studyId)
      .where('site_id', '=', siteId)
      .where('status', '=', 'at_site')
      .where('expires_on', '>', usableAfter)
      .groupBy(['drug_code', 'content'])
      .execute();
    return new Map(rows.map((r) => [`${r.drug_code}:${r.content}`, Number(r.n)]));
  }

  /**
   * Takes one usable kit per need at the site (see `pickKits`: earliest expiry first, at random among
   * equals, by draws that never depend on content; the drug's usable kits at the site are locked
   * meanwhile) and dispenses them to the subject; returns null, changing nothing, if any need is unmet.
   * The kits come back, and are audited, by drug then kit number: never in pick or treatment order.
   */
  async dispense(input: {
    studyId: string;
    siteId: string;
    subjectId: string;
    visitCode: string;
    needs: readonly KitNeed[];
    usableAfter: string;
    random: RandomSource;
  }): Promise<KitRecord[] | null> {
    const perDrug = new Map<string, Map<KitContent, number>>();
    for (const need of input.needs) {
      const wanted = perDrug.get(need.drug) ?? new Map<KitContent, number>();
      wanted.set(need.content, (wanted.get(need.content) ?? 0) + 1);
      perDrug.set(need.drug, wanted);
    }
    const taken: KitRecord[] = [];
    for (const drug of [...perDrug.keys()].sort()) {
      const rows = await this.trx
        .selectFrom('kits')
        .select(kitColumns)
        .where('study_id', '=', input.studyId)
        .where('site_id', '=', input.siteId)
        .where('status', '=', 'at_site')
        .where('drug_code', '=', drug)
        .where('expires_on', '>', input.usableAfter)
        .orderBy('expires_on')
        .orderBy('kit_number')
        .forUpdate()
        .execute();
      const picked = pickKits(rows.map(toKit), perDrug.get(drug)!, input.random);
      if (!picked) return null;
      taken.push(...picked);
    }
    if (taken.length === 0) return [];
    const dispensedAt = new Date();
    const dispensed = await this.trx
      .updateTable('kits')
      .set({
        status: 'dispensed',
        subject_id: input.subjectId,
        visit_code: input.visitCode,
        dispensed_at: dispensedAt,
      })
      .where(
        'id',
        'in',
        taken.map((k) => k.id),
      )
      .returningAll()
      .execute();
    await this.audit({
      studyId: input.studyId,
      action: 'kits.dispense',
      entityType: 'subject',
      entityId: input.subjectId,
      newValue: {
        visit: input.visitCode,
        kits: taken.map((k) => ({ kitNumber: k.kitNumber, drug: k.drug })),
      },
      rows: byKitNumber(rowImages('kits', dispensed)),
    });
    return taken.map((k) => ({
      ...k,
      status: 'dispensed',
      subjectId: input.subjectId,
      visitCode: input.visitCode,
      dispensedAt,
    }));
  }
}

/** Kits in kit-number order: numbers are random, so this order says nothing of content. */
const byNumber = (kits: readonly KitRecord[]): KitRecord[] =>
  [...kits].sort((x, y) => (x.kitNumber < y.kitNumber ? -1 : x.kitNumber > y.kitNumber ? 1 : 0));

/**
 * Kit images in kit-number order: numbers are random, so this order says nothing of content or of
 * how the kits were picked (and, unlike the random row ids, it is the order the entry lists them in).
 */
const byKitNumber = (images: RowImage[]): RowImage[] =>
  images.sort((a, b) => {
    const x = String(a.v.kit_number);
    const y = String(b.v.kit_number);
    return x < y ? -1 : x > y ? 1 : 0;
  });

type ShipmentRow = {
  id: string;
  study_id: string;
  site_id: string;
  status: 'in_transit' | 'received';
  shipped_at: Date;
  received_at: Date | null;
};
const toShipment = (r: ShipmentRow): ShipmentRecord => ({
  id: r.id,
  studyId: r.study_id,
  siteId: r.site_id,
  status: r.status,
  shippedAt: r.shipped_at,
  receivedAt: r.received_at,
});
