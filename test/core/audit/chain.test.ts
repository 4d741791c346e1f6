import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/audit/canonical-json.js';
import {
  ChainVerifier,
  GENESIS_HASH,
  describeChainBreak,
  hashAuditEntry,
  type ChainedAuditEntry,
} from '../../../src/core/audit/chain.js';

function chainOf(n: number): ChainedAuditEntry[] {
  const out: ChainedAuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const content = {
      chain: 'study-1',
      seq,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      studyId: 'study-1',
      actorId: null,
      actorName: 'coordinator',
      actorRole: 'site_coordinator',
      action: 'result.create',
      entityType: 'lab_result',
      entityId: String(seq),
      oldValue: null,
      newValue: { value: seq * 1000, unit: 'IU/mL' },
      reason: null,
      blindSensitive: false,
      prevHash: prev,
    };
    const hash = hashAuditEntry(content);
    out.push({ ...content, hash });
    prev = hash;
  }
  return out;
}

function verify(entries: readonly ChainedAuditEntry[], head?: { lastSeq: number; lastHash: string }) {
  const v = new ChainVerifier();
  for (const e of entries) if (!v.push(e)) break;
  return { problem: v.finish(head ?? null), seq: v.firstBrokenSeq };
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('refuses non-finite numbers rather than hashing them as null', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('audit hash chain', () => {
  it('verifies an intact chain, including its head', () => {
    const entries = chainOf(5);
    expect(verify(entries, { lastSeq: 5, lastHash: entries[4]!.hash })).toEqual({ problem: null, seq: null });
  });

  it('detects an altered value at the entry that was altered', () => {
    const entries = chainOf(5);
    entries[2] = { ...entries[2]!, newValue: { value: 1, unit: 'IU/mL' } };
    expect(verify(entries)).toEqual({ problem: { kind: 'hash_mismatch', seq: 3 }, seq: 3 });
  });

  it('detects a re-hashed alteration at the next entry, whose link no longer matches', () => {
    const entries = chainOf(5);
    const forged = { ...entries[1]!, actorName: 'someone else' };
    entries[1] = { ...forged, hash: hashAuditEntry(forged) };
    expect(verify(entries)).toEqual({ problem: { kind: 'previous_hash_mismatch', seq: 3 }, seq: 3 });
  });

  it('detects a deleted entry as a gap', () => {
    const entries = chainOf(5);
    entries.splice(1, 1);
    expect(verify(entries).problem).toEqual({ kind: 'sequence_gap', expectedSeq: 2, foundSeq: 3 });
  });

  it('detects removed trailing entries against the chain head', () => {
    const entries = chainOf(5);
    const problem = verify(entries.slice(0, 3), { lastSeq: 5, lastHash: entries[4]!.hash }).problem;
    expect(problem).toEqual({ kind: 'head_mismatch', headSeq: 5, lastSeq: 3 });
    expect(describeChainBreak('study-1', problem!)).toMatch(/head records entry #5 but the log ends at #3/);
  });

  it('changes the hash when any covered field changes', () => {
    const [e] = chainOf(1);
    const { hash: _h, ...content } = e!;
    const base = hashAuditEntry(content);
    for (const change of [
      { reason: 'x' },
      { at: '2030-01-01T00:00:00.000Z' },
      { blindSensitive: true },
      { actorRole: 'monitor' },
    ])
      expect(hashAuditEntry({ ...content, ...change })).not.toBe(base);
  });
});
