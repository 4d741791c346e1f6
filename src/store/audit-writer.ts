import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { RowImage } from '../core/audit/row-image.js';
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
  /**
   * The clinical rows the write left behind, column by column (`rowImage`): what `audit verify`
   * compares each row with. Masked columns only in a blind-sensitive entry.
   */
  readonly rows?: readonly RowImage[];
}

/** JSON as jsonb will give it back (dates to strings, undefined dropped), so the hash verifies. */
const normalize = (v: unknown): unknown =>
  v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);

/**
 * Appends audit entries inside the caller's transaction: the entry commits or rolls back with the
 * write it describes. Entries are written unsealed (no seq, no hash); `sealChains` links them into
 * their chain (a study's id, or 'global' for accounts and roles) right after the commit, so writers
 * never queue on a chain's head for the length of their transactions. The writer notes the chains it
 * touched for the sealing.
 *
 * The latest entry is held back until the next one or `flush` (which `Store.write` calls before the
 * commit), so a row the same write changes as a side effect (`touch`) joins the entry that explains it.
 */
export class AuditWriter {
  /** The chains this transaction appended to. */
  readonly chains = new Set<string>();
  private held: { record: AuditRecord; at: string; rows: RowImage[] } | null = null;
  /** Touched rows no entry of their chain has taken yet. */
  private readonly loose = new Map<string, RowImage[]>();

  constructor(
    private readonly trx: Transaction<DB>,
    readonly actor: AuditActor,
    private readonly defaultReason: string | null = null,
  ) {}

  async record(r: AuditRecord): Promise<void> {
    await this.release();
    const chain = r.studyId ?? 'global';
    const rows = [...(this.loose.get(chain) ?? []), ...(r.rows ?? [])];
    this.loose.delete(chain);
    this.held = { record: r, at: new Date().toISOString(), rows };
  }

  /**
   * Rows a write changed beside the row its entry is about (a form's change time, say): recorded with
   * the entry of the same study just written, or else the next one, or else an entry of their own.
   */
  touch(studyId: string, rows: readonly RowImage[]): void {
    if (this.held && (this.held.record.studyId ?? 'global') === studyId) this.held.rows.push(...rows);
    else this.loose.set(studyId, [...(this.loose.get(studyId) ?? []), ...rows]);
  }

  /** Writes what is held; call before the transaction commits. */
  async flush(): Promise<void> {
    await this.release();
    for (const [studyId, rows] of this.loose) {
      this.loose.delete(studyId);
      this.held = {
        record: {
          studyId,
          action: 'rows.touch',
          entityType: rows[0]?.t ?? 'row',
          entityId: rows[0]?.k ?? null,
        },
        at: new Date().toISOString(),
        rows,
      };
      await this.release();
    }
  }

  private async release(): Promise<void> {
    if (!this.held) return;
    const { record: r, at, rows } = this.held;
    this.held = null;
    const chain = r.studyId ?? 'global';
    const oldValue = normalize(r.oldValue);
    // A blind-sensitive entry carries a random nonce in its (redacted) value: without it, a blinded
    // reader could recover the arm by hashing the few possible values against the visible hash.
    const newValue = r.blindSensitive
      ? normalize({ ...(r.newValue as object | undefined), nonce: randomBytes(16).toString('hex') })
      : normalize(r.newValue);
    await this.trx
      .insertInto('audit_log')
      .values({
        chain,
        seq: null,
        at,
        study_id: r.studyId,
        actor_id: this.actor.userId,
        actor_name: this.actor.name,
        actor_role: this.actor.role,
        action: r.action,
        entity_type: r.entityType,
        entity_id: r.entityId,
        old_value: oldValue === null ? null : JSON.stringify(oldValue),
        new_value: newValue === null ? null : JSON.stringify(newValue),
        reason: r.reason ?? this.defaultReason,
        blind_sensitive: r.blindSensitive ?? false,
        row_images: rows.length > 0 ? JSON.stringify(normalize(rows)) : null,
        prev_hash: null,
        hash: null,
      })
      .execute();
    this.chains.add(chain);
  }
}
