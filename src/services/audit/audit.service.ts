import { ChainVerifier, describeChainBreak, type ChainBreak } from '../../core/audit/chain.js';
import { notFound } from '../../core/errors.js';
import type { AuditEntryRecord } from '../../store/repositories/audit.repository.js';
import type { Store } from '../../store/store.js';
import { authorize, seesArms, studiesAllowing, type Caller } from '../caller.js';
import type { AuditQuery, AuditVerifyInput } from './audit.schemas.js';

export interface ChainReport {
  readonly chain: string;
  readonly entries: number;
  readonly ok: boolean;
  /** The first broken entry, when the chain is broken. */
  readonly firstBroken?: {
    readonly seq: number;
    readonly id: number | null;
    readonly problem: ChainBreak;
    readonly message: string;
  };
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly chains: readonly ChainReport[];
}

/** What a blinded reader sees instead of a value that would reveal a masked allocation. */
const REDACTED = { redacted: 'masked: this entry reveals a blinded allocation' } as const;

export class AuditService {
  constructor(private readonly store: Store) {}

  /** A filtered page of one chain; blinded readers get masked values redacted by the server. */
  async list(caller: Caller, q: AuditQuery): Promise<AuditEntryRecord[]> {
    const chain = q.studyId ?? 'global';
    if (q.studyId) authorize(caller, 'audit.read', { studyId: q.studyId });
    else authorize(caller, 'user.manage');
    await this.store.seal([chain]);
    const entries = await this.store.read(async (r) => {
      if (q.studyId && !(await r.studies.get(q.studyId))) throw notFound('Study', q.studyId);
      return r.audit.list({
        chain,
        action: q.action,
        entityType: q.entityType,
        entityId: q.entityId,
        actorId: q.actorId,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        afterSeq: q.afterSeq,
        limit: q.limit,
      });
    });
    if (!q.studyId || seesArms(caller, q.studyId)) return entries;
    return entries.map((e) => (e.blindSensitive ? { ...e, oldValue: REDACTED, newValue: REDACTED } : e));
  }

  /**
   * Recomputes the hash chains: every chain for an admin, or one study's. Streams each chain, so
   * memory stays flat however long the trail is. Reports the first broken entry of each chain.
   */
  async verify(caller: Caller, input: AuditVerifyInput): Promise<VerifyReport> {
    let only: readonly string[] | undefined;
    if (input.studyId) {
      authorize(caller, 'audit.verify', { studyId: input.studyId });
      only = [input.studyId];
    } else {
      // Every chain for a global grant; otherwise the chains of the studies the caller may verify.
      const scope = studiesAllowing(caller, 'audit.verify');
      if (scope !== null && scope.length === 0) authorize(caller, 'audit.verify');
      only = scope ?? undefined;
    }
    return this.verifyChains(only);
  }

  private async verifyChains(only: readonly string[] | undefined): Promise<VerifyReport> {
    // Entries left unsealed by a stopped process are sealed first, so the verification covers them.
    await this.store.seal(only);
    return this.store.read(async (r) => {
      const heads = await r.audit.chains(only);
      const chains: ChainReport[] = [];
      for (const head of heads) {
        const verifier = new ChainVerifier();
        let brokenId: number | null = null;
        for await (const entry of r.audit.entries(head.chain, head.lastSeq)) {
          if (!verifier.push(entry)) {
            brokenId = entry.id;
            break;
          }
        }
        const problem = verifier.finish(head);
        if (!problem) {
          chains.push({ chain: head.chain, entries: verifier.count, ok: true });
          continue;
        }
        const seq = verifier.firstBrokenSeq ?? (problem.kind === 'head_mismatch' ? problem.lastSeq + 1 : 0);
        chains.push({
          chain: head.chain,
          entries: verifier.count,
          ok: false,
          firstBroken: { seq, id: brokenId, problem, message: describeChainBreak(head.chain, problem) },
        });
      }
      return { ok: chains.every((c) => c.ok), chains };
    });
  }
}
