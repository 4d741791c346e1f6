import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import { z } from 'zod';
import { validationError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';

export const CHECKPOINT_FORMAT = 'trialdesk-audit-checkpoint/1';

/** The head of one chain when the checkpoint was taken. */
export interface CheckpointHead {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
  /** When the head entry was written (ISO 8601). */
  readonly at: string;
}

export interface CheckpointBody {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly createdAt: string;
  /** SHA-256 of the public key (DER), so a verifier can tell which key signed. */
  readonly keyId: string;
  readonly chains: readonly CheckpointHead[];
}

export interface SignedCheckpoint extends CheckpointBody {
  /** Ed25519 over the canonical JSON of the body (every field but this one), base64. */
  readonly signature: string;
}

const checkpointSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT, { error: `must be "${CHECKPOINT_FORMAT}"` }),
  createdAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
  keyId: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'),
  chains: z.array(
    z.strictObject({
      chain: z.string().min(1).max(100),
      seq: z.number().int().min(0),
      hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'),
      at: z.string().max(40),
    }),
  ),
  signature: z.string().min(1).max(200),
});

/** A new Ed25519 key pair as PEM (PKCS#8 private, SPKI public). */
export function generateCheckpointKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** SHA-256 (hex) of a public key's DER encoding. */
export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

const bodyOf = (cp: CheckpointBody): CheckpointBody => ({
  format: cp.format,
  createdAt: cp.createdAt,
  keyId: cp.keyId,
  chains: cp.chains.map((c) => ({ chain: c.chain, seq: c.seq, hash: c.hash, at: c.at })),
});

/** Signs the chain heads with an Ed25519 private key (PEM). */
export function signCheckpoint(
  heads: readonly CheckpointHead[],
  privateKeyPem: string,
  createdAt: Date,
): SignedCheckpoint {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519')
    throw validationError('The key is not an Ed25519 private key', [
      {
        path: 'key',
        message: `is a ${key.asymmetricKeyType ?? 'symmetric'} key; use trialdesk audit keygen`,
      },
    ]);
  const publicKeyPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  const body = bodyOf({
    format: CHECKPOINT_FORMAT,
    createdAt: createdAt.toISOString(),
    keyId: keyIdOf(publicKeyPem),
    chains: heads,
  });
  const signature = sign(null, Buffer.from(canonicalJson(body)), key).toString('base64');
  return { ...body, signature };
}

/** Reads a checkpoint file's JSON, naming the field that is wrong. */
export function parseCheckpoint(json: unknown): SignedCheckpoint {
  const parsed = checkpointSchema.safeParse(json);
  if (!parsed.success)
    throw validationError(
      'The checkpoint file is not a trialdesk audit checkpoint',
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'checkpoint', message: i.message })),
    );
  return parsed.data;
}

/** Why a checkpoint's signature does not hold, or null when it does. */
export function checkpointSignatureProblem(cp: SignedCheckpoint, publicKeyPem: string): string | null {
  const key = createPublicKey(publicKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') return 'the public key is not an Ed25519 key';
  if (keyIdOf(publicKeyPem) !== cp.keyId) return 'the checkpoint was signed with another key';
  const ok = verify(null, Buffer.from(canonicalJson(bodyOf(cp))), key, Buffer.from(cp.signature, 'base64'));
  return ok ? null : 'the signature does not match the checkpoint’s content (the file was altered)';
}

export type CheckpointBreak =
  | { readonly kind: 'chain_missing'; readonly chain: string; readonly seq: number }
  | { readonly kind: 'chain_shorter'; readonly chain: string; readonly seq: number; readonly lastSeq: number }
  | { readonly kind: 'entry_differs'; readonly chain: string; readonly seq: number };

/**
 * Whether the current chain still extends the checkpointed head: the entry at the head's seq must
 * exist with the same hash (the hash covers every earlier entry through the previous-hash links).
 */
export function checkHead(
  head: CheckpointHead,
  current: { readonly lastSeq: number; readonly hashAtSeq: string | null } | null,
): CheckpointBreak | null {
  if (!current) return head.seq === 0 ? null : { kind: 'chain_missing', chain: head.chain, seq: head.seq };
  if (current.lastSeq < head.seq || current.hashAtSeq === null)
    return { kind: 'chain_shorter', chain: head.chain, seq: head.seq, lastSeq: current.lastSeq };
  if (current.hashAtSeq !== head.hash) return { kind: 'entry_differs', chain: head.chain, seq: head.seq };
  return null;
}

/** A sentence a person can act on, for a checkpoint the chain no longer extends. */
export function describeCheckpointBreak(b: CheckpointBreak): string {
  switch (b.kind) {
    case 'chain_missing':
      return `chain ${b.chain}: the checkpoint records entry #${b.seq} but the chain is gone`;
    case 'chain_shorter':
      return `chain ${b.chain}: the checkpoint records entry #${b.seq} but the chain ends at #${b.lastSeq}; entries were removed`;
    case 'entry_differs':
      return `chain ${b.chain}: entry #${b.seq} no longer has the hash the checkpoint recorded; an entry at or before #${b.seq} was rewritten`;
  }
}
