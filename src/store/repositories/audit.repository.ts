import type { AuditEntryContent, ChainedAuditEntry } from '../../core/audit/chain.js';
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
}
