import { sql } from 'kysely';
import type { AuditEntryContent, ChainedAuditEntry } from '../../core/audit/chain.js';
import {
  CLINICAL_TABLES,
  type AuditedValue,
  type ClinicalTable,
  type RowImage,
} from '../../core/audit/row-image.js';
import { Repository } from './repository.js';

export interface AuditEntryRecord extends ChainedAuditEntry {
  readonly id: number;
}

export interface AuditFilter {
  /** A study's id, or 'global' for accounts and roles. */
  readonly chain: string;
  readonly action?: string | undefined;
  readonly entityType?: string | undefined;
  readonly entityId?: string | undefined;
  readonly actorId?: string | undefined;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  /** Entries after this seq (keyset paging). */
  readonly afterSeq?: number | undefined;
  readonly limit: number;
}

type Row = {
  id: number;
  chain: string;
  seq: number | null;
  at: Date;
  study_id: string | null;
  actor_id: string | null;
  actor_name: string;
  actor_role: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  old_value: unknown;
  new_value: unknown;
  reason: string | null;
  blind_sensitive: boolean;
  row_images: unknown;
  prev_hash: string | null;
  hash: string | null;
};

/** What an entry's hash covers, as stored (seq and previous hash come from its place in the chain). */
export const auditContentOf = (r: Row): Omit<AuditEntryContent, 'seq' | 'prevHash'> => ({
  chain: r.chain,
  at: r.at.toISOString(),
  studyId: r.study_id,
  actorId: r.actor_id,
  actorName: r.actor_name,
  actorRole: r.actor_role,
  action: r.action,
  entityType: r.entity_type,
  entityId: r.entity_id,
  oldValue: r.old_value ?? null,
  newValue: r.new_value ?? null,
  reason: r.reason,
  blindSensitive: r.blind_sensitive,
  rows: (r.row_images as RowImage[] | null) ?? null,
});

/** A sealed entry (the reads below return sealed entries only). */
const toEntry = (r: Row): AuditEntryRecord => ({
  id: Number(r.id),
  ...auditContentOf(r),
  seq: Number(r.seq),
  prevHash: r.prev_hash ?? '',
  hash: r.hash ?? '',
});

/** Reads of the audit trail; appends go through AuditWriter only. */
export class AuditRepository extends Repository {
  async list(f: AuditFilter): Promise<AuditEntryRecord[]> {
    let q = this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('chain', '=', f.chain)
      .where('hash', 'is not', null);
    if (f.action) q = q.where('action', '=', f.action);
    if (f.entityType) q = q.where('entity_type', '=', f.entityType);
    if (f.entityId) q = q.where('entity_id', '=', f.entityId);
    if (f.actorId) q = q.where('actor_id', '=', f.actorId);
    if (f.from) q = q.where('at', '>=', f.from);
    if (f.to) q = q.where('at', '<', f.to);
    if (f.afterSeq !== undefined) q = q.where('seq', '>', f.afterSeq);
    const rows = await q.orderBy('seq').limit(f.limit).execute();
    return rows.map(toEntry);
  }

  async chains(only?: readonly string[]): Promise<{ chain: string; lastSeq: number; lastHash: string }[]> {
    if (only && only.length === 0) return [];
    let q = this.db.selectFrom('audit_chains').selectAll().orderBy('chain');
    if (only) q = q.where('chain', 'in', only);
    return (await q.execute()).map((r) => ({
      chain: r.chain,
      lastSeq: Number(r.last_seq),
      lastHash: r.last_hash,
    }));
  }

  /**
   * The entries of a chain up to `upToSeq`, in order, a page at a time so memory stays bounded.
   * Bounding by the head read beforehand keeps entries appended meanwhile out of a verification.
   */
  async *entries(chain: string, upToSeq: number, pageSize = 2000): AsyncGenerator<AuditEntryRecord> {
    let after = 0;
    for (;;) {
      const page = await this.db
        .selectFrom('audit_log')
        .selectAll()
        .where('chain', '=', chain)
        .where('seq', '>', after)
        .where('seq', '<=', upToSeq)
        .orderBy('seq')
        .limit(pageSize)
        .execute();
      for (const r of page) yield toEntry(r);
      const last = page.at(-1);
      if (!last || page.length < pageSize) return;
      after = Number(last.seq);
    }
  }

  /** A chain's entry at `seq`, if there is one (for checking a checkpoint). */
  async entryAt(chain: string, seq: number): Promise<{ hash: string; at: Date } | undefined> {
    const row = await this.db
      .selectFrom('audit_log')
      .select(['hash', 'at'])
      .where('chain', '=', chain)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return row?.hash ? { hash: row.hash, at: row.at } : undefined;
  }

  /** The highest sealed seq of a chain's entries (0 when it has none). */
  async lastSeq(chain: string): Promise<number> {
    const row = await this.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('seq').as('last'))
      .where('chain', '=', chain)
      .executeTakeFirst();
    return Number(row?.last ?? 0);
  }

  /**
   * Every clinical row of a study beside what the study's audit trail last recorded of it, column by
   * column, one table after the other; `onPage` gets them a page at a time. The pairing is done by the
   * database (a full outer join, so rows the trail never mentions and trail rows that are gone both
   * appear) and read through a cursor, so memory stays flat however many rows there are. One
   * repeatable-read snapshot: a row and the entry written in its transaction are seen together.
   */
  async rowsBesideTrail(
    studyId: string,
    onPage: (pairs: readonly RowBesideTrail[]) => Promise<void> | void,
    pageSize = 1000,
  ): Promise<void> {
    if (!UUID.test(studyId)) throw new Error(`rowsBesideTrail: not a study id: ${studyId}`);
    await this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        for (const table of CLINICAL_TABLES) {
          const key = table === 'forms' ? sql`x.subject_id::text || '/' || x.form_key` : sql`x.id::text`;
          const scope =
            table === 'query_messages'
              ? sql`x.query_id in (select id from queries where study_id = ${sql.lit(studyId)}::uuid)`
              : sql`x.study_id = ${sql.lit(studyId)}::uuid`;
          // Literals, not parameters: DECLARE takes none. The table is one of ours, the id checked.
          await sql`
            declare row_check no scroll cursor for
            with img as (
              select r->>'k' as k, c.key as col, c.value as val, a.seq, a.id
              from audit_log a
              cross join lateral jsonb_array_elements(a.row_images) r
              cross join lateral jsonb_each(r->'v') c
              where a.chain = ${sql.lit(studyId)} and a.row_images is not null and r->>'t' = ${sql.lit(table)}
            ),
            latest as (
              select distinct on (k, col) k, col, val, seq from img
              order by k, col, coalesce(seq, 9223372036854775807) desc, id desc
            ),
            audited as (
              select k, jsonb_object_agg(col, jsonb_build_object('value', val, 'seq', seq)) as audited
              from latest group by k
            )
            select a.k as "$audit_key", a.audited as "$audited", t.*
            from audited a
            full outer join (select ${key} as "$row_key", x.* from ${sql.table(table)} x where ${scope}) t
              on t."$row_key" = a.k
          `.execute(trx);
          for (;;) {
            const { rows } = await sql<Record<string, unknown>>`
              fetch forward ${sql.lit(pageSize)} from row_check`.execute(trx);
            if (rows.length === 0) break;
            await onPage(rows.map((r) => besideTrail(table, r)));
            if (rows.length < pageSize) break;
          }
          await sql`close row_check`.execute(trx);
        }
      });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A clinical row and what the audit trail last recorded of it; either may be missing. */
export interface RowBesideTrail {
  readonly table: ClinicalTable;
  readonly key: string;
  readonly row: Readonly<Record<string, unknown>> | null;
  readonly audited: Readonly<Record<string, AuditedValue>> | null;
}

function besideTrail(table: ClinicalTable, r: Record<string, unknown>): RowBesideTrail {
  const { $audit_key: auditKey, $audited: audited, $row_key: rowKey, ...row } = r;
  const raw = audited as Record<string, { value: unknown; seq: number | string | null }> | null;
  return {
    table,
    key: String(rowKey ?? auditKey),
    row: rowKey === null || rowKey === undefined ? null : row,
    audited: raw
      ? Object.fromEntries(
          Object.entries(raw).map(([c, v]) => [
            c,
            { value: v.value, seq: v.seq === null ? null : Number(v.seq) },
          ]),
        )
      : null,
  };
}
