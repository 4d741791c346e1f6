import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { GENESIS_HASH, hashAuditEntry, type AuditEntryContent } from '../core/audit/chain.js';
import type { DB } from './schema.js';

/** Who is writing: recorded on every audit entry. */
export interface AuditActor {
  readonly userId: string | null;
  readonly name: string;
  /** The role under which the action was authorized ('system' for start-up tasks). */
  readonly role: string;
}

/** What one write did, as the audit trail records it. */
export interface AuditRecord {
  readonly studyId: string | null;
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string | null;
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
  readonly reason?: string | null;
  /** The entry reveals a masked allocation: blinded readers get it redacted. */
  readonly blindSensitive?: boolean;
}

/** JSON as jsonb will give it back (dates to strings, undefined dropped), so the hash verifies. */
const normalize = (v: unknown): unknown =>
  v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);

/**
 * Appends audit entries inside the caller's transaction: the entry commits or rolls back with the
 * write it describes. Each study has its own chain ('global' for accounts and roles); the chain's
 * head row is locked while appending, so concurrent writers queue instead of forking the chain.
 */
export class AuditWriter {
  /** Chain heads this transaction holds locked, so further entries skip the lock-and-read. */
  private readonly heads = new Map<string, { last_seq: number; last_hash: string }>();

  constructor(
    private readonly trx: Transaction<DB>,
    readonly actor: AuditActor,
    private readonly defaultReason: string | null = null,
  ) {}

  async record(r: AuditRecord): Promise<void> {
    const chain = r.studyId ?? 'global';
    // One round trip: create the chain on first use, lock its head row, and read it.
    const head =
      this.heads.get(chain) ??
      (await this.trx
        .insertInto('audit_chains')
        .values({ chain, last_seq: 0, last_hash: GENESIS_HASH })
        .onConflict((oc) => oc.column('chain').doUpdateSet({ chain }))
        .returning(['last_seq', 'last_hash'])
        .executeTakeFirstOrThrow());
    const content: AuditEntryContent = {
      chain,
      seq: Number(head.last_seq) + 1,
      at: new Date().toISOString(),
      studyId: r.studyId,
      actorId: this.actor.userId,
      actorName: this.actor.name,
      actorRole: this.actor.role,
      action: r.action,
      entityType: r.entityType,
      entityId: r.entityId,
      oldValue: normalize(r.oldValue),
      // A blind-sensitive entry carries a random nonce in its (redacted) value: without it, a blinded
      // reader could recover the arm by hashing the few possible values against the visible hash.
      newValue: r.blindSensitive
        ? normalize({ ...(r.newValue as object | undefined), nonce: randomBytes(16).toString('hex') })
        : normalize(r.newValue),
      reason: r.reason ?? this.defaultReason,
      blindSensitive: r.blindSensitive ?? false,
      prevHash: head.last_hash,
    };
    const hash = hashAuditEntry(content);
    // A second round trip: the entry and the new head in one statement.
    await this.trx
      .with('entry', (db) =>
        db
          .insertInto('audit_log')
          .values({
            chain,
            seq: content.seq,
            at: content.at,
            study_id: content.studyId,
            actor_id: content.actorId,
            actor_name: content.actorName,
            actor_role: content.actorRole,
            action: content.action,
            entity_type: content.entityType,
            entity_id: content.entityId,
            old_value: content.oldValue === null ? null : JSON.stringify(content.oldValue),
            new_value: content.newValue === null ? null : JSON.stringify(content.newValue),
            reason: content.reason,
            blind_sensitive: content.blindSensitive,
            prev_hash: content.prevHash,
            hash,
          })
          .returning('id'),
      )
      .updateTable('audit_chains')
      .set({ last_seq: content.seq, last_hash: hash })
      .where('chain', '=', chain)
      .execute();
    this.heads.set(chain, { last_seq: content.seq, last_hash: hash });
  }
}
