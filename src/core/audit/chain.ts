import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { RowImage } from './row-image.js';

/** The hash that starts every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit entry that its hash covers: everything but the hash itself. */
export interface AuditEntryContent {
  readonly chain: string;
  readonly seq: number;
  readonly at: string; // ISO 8601, millisecond precision, UTC
  readonly studyId: string | null;
  readonly actorId: string | null;
  readonly actorName: string;
  readonly actorRole: string;
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string | null;
  readonly oldValue: unknown;
  readonly newValue: unknown;
  readonly reason: string | null;
  readonly blindSensitive: boolean;
  /** Images of the clinical rows the write left behind (absent on entries written before they existed). */
  readonly rows?: readonly RowImage[] | null;
  readonly prevHash: string;
}

export interface ChainedAuditEntry extends AuditEntryContent {
  readonly hash: string;
}

/** SHA-256 over the canonical JSON of the entry's content (including the previous entry's hash). */
export function hashAuditEntry(entry: AuditEntryContent): string {
  const content: Record<string, unknown> = {
    chain: entry.chain,
    seq: entry.seq,
    at: entry.at,
    studyId: entry.studyId,
    actorId: entry.actorId,
    actorName: entry.actorName,
    actorRole: entry.actorRole,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    oldValue: entry.oldValue ?? null,
    newValue: entry.newValue ?? null,
    reason: entry.reason,
    blindSensitive: entry.blindSensitive,
    prevHash: entry.prevHash,
  };
  // Covered only when present, so entries written before row images existed keep their hashes.
  if (entry.rows) content.rows = entry.rows;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

export type ChainBreak =
  | { readonly kind: 'sequence_gap'; readonly expectedSeq: number; readonly foundSeq: number }
  | { readonly kind: 'previous_hash_mismatch'; readonly seq: number }
  | { readonly kind: 'hash_mismatch'; readonly seq: number }
  | { readonly kind: 'head_mismatch'; readonly headSeq: number; readonly lastSeq: number };

/**
 * Incremental verifier: feed entries of one chain in `seq` order; the first break is kept.
 * Works in constant memory, so a chain of any length can be streamed through it.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private brokenAt: { readonly seq: number; readonly problem: ChainBreak } | null = null;
  count = 0;

  /** Returns false once the chain is known to be broken. */
  push(entry: ChainedAuditEntry): boolean {
    if (this.brokenAt) return false;
    this.count += 1;
    const fail = (problem: ChainBreak): boolean => {
      this.brokenAt = { seq: entry.seq, problem };
      return false;
    };
    if (entry.seq !== this.expectedSeq)
      return fail({ kind: 'sequence_gap', expectedSeq: this.expectedSeq, foundSeq: entry.seq });
    if (entry.prevHash !== this.prevHash) return fail({ kind: 'previous_hash_mismatch', seq: entry.seq });
    if (hashAuditEntry(entry) !== entry.hash) return fail({ kind: 'hash_mismatch', seq: entry.seq });
    this.expectedSeq += 1;
    this.prevHash = entry.hash;
    return true;
  }

  /** Compares the stored chain head with the last entry seen (catches removed trailing entries). */
  finish(head: { readonly lastSeq: number; readonly lastHash: string } | null): ChainBreak | null {
    if (this.brokenAt) return this.brokenAt.problem;
    const lastSeq = this.expectedSeq - 1;
    if (head && (head.lastSeq !== lastSeq || head.lastHash !== this.prevHash))
      return { kind: 'head_mismatch', headSeq: head.lastSeq, lastSeq };
    return null;
  }

  get firstBrokenSeq(): number | null {
    return this.brokenAt?.seq ?? null;
  }
}

/** A sentence a person can act on, for a chain break. */
export function describeChainBreak(chain: string, b: ChainBreak): string {
  switch (b.kind) {
    case 'sequence_gap':
      return `chain ${chain}: entry #${b.expectedSeq} is missing (found #${b.foundSeq} next); entries were deleted or renumbered`;
    case 'previous_hash_mismatch':
      return `chain ${chain}: entry #${b.seq} does not link to the entry before it; an earlier entry was altered or removed`;
    case 'hash_mismatch':
      return `chain ${chain}: entry #${b.seq} was altered after it was written (its content no longer matches its hash)`;
    case 'head_mismatch':
      return `chain ${chain}: the chain head records entry #${b.headSeq} but the log ends at #${b.lastSeq}; trailing entries were removed or the head altered`;
  }
}
