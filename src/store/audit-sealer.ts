import { sql, type Kysely } from 'kysely';
import { GENESIS_HASH, hashAuditEntry } from '../core/audit/chain.js';
import { auditContentOf } from './repositories/audit.repository.js';
import type { DB } from './schema.js';

/** Entries sealed per transaction; a longer backlog takes several. */
const BATCH = 2000;

/**
 * Seals the unsealed entries of each chain, oldest first: each gets the next seq, the previous entry's
 * hash and its own hash, and the chain's head moves on. An advisory lock per chain makes sealers take
 * turns; a sealer that waited finds the entries of the one before it sealed, and seals whatever has
 * committed since, so under load one sealing covers many writes. Idempotent: sealing an already
 * sealed chain changes nothing.
 */
export async function sealChains(db: Kysely<DB>, chains: Iterable<string>): Promise<void> {
  for (const chain of chains) {
    for (;;) {
      const sealed = await db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtextextended(${`audit:${chain}`}, 0))`.execute(trx);
        const rows = await trx
          .selectFrom('audit_log')
          .selectAll()
          .where('chain', '=', chain)
          .where('hash', 'is', null)
          .orderBy('id')
          .limit(BATCH)
          .execute();
        if (rows.length === 0) return 0;
        const head = await trx
          .selectFrom('audit_chains')
          .select(['last_seq', 'last_hash'])
          .where('chain', '=', chain)
          .executeTakeFirst();
        let seq = Number(head?.last_seq ?? 0);
        let prev = head?.last_hash ?? GENESIS_HASH;
        const seals = rows.map((row) => {
          seq += 1;
          const hash = hashAuditEntry({ ...auditContentOf(row), seq, prevHash: prev });
          const seal = { id: Number(row.id), seq, prev_hash: prev, hash };
          prev = hash;
          return seal;
        });
        // The entries and the chain's head in one statement.
        await sql`
          with sealed as (
            update audit_log as a set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
            from jsonb_to_recordset(${JSON.stringify(seals)}::jsonb)
              as v(id bigint, seq bigint, prev_hash text, hash text)
            where a.id = v.id
            returning a.id)
          insert into audit_chains (chain, last_seq, last_hash) values (${chain}, ${seq}, ${prev})
          on conflict (chain) do update set last_seq = excluded.last_seq, last_hash = excluded.last_hash`.execute(
          trx,
        );
        return rows.length;
      });
      if (sealed < BATCH) break;
    }
  }
}

/** Every chain with unsealed entries (left by a process that stopped between a commit and its sealing). */
export async function unsealedChains(db: Kysely<DB>): Promise<string[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select('chain')
    .where('hash', 'is', null)
    .distinct()
    .execute();
  return rows.map((r) => r.chain);
}
