import { ChainVerifier, describeChainBreak, type ChainBreak } from '../../core/audit/chain.js';
import {
  checkHead,
  checkpointSignatureProblem,
  describeCheckpointBreak,
  type CheckpointBreak,
  type CheckpointHead,
  type SignedCheckpoint,
} from '../../core/audit/checkpoint.js';
import { compareRow, describeRowFinding, type RowFinding } from '../../core/audit/row-image.js';
import { notFound } from '../../core/errors.js';
import type { AuditEntryRecord } from '../../store/repositories/audit.repository.js';
import type { Store } from '../../store/store.js';
import { authorize, seesArms, studiesAllowing, type Caller } from '../caller.js';
import type { AuditQuery, AuditVerifyInput } from './audit.schemas.js';

export interface ChainReport {
  readonly chain: string;
  readonly entries: number;
  /** The chain is intact and, for a study, every clinical row is what the trail says. */
  readonly ok: boolean;
  /** A study chain's row check (the global chain holds no clinical rows). */
  readonly rows?: RowCheck;
  /** The first broken entry, when the chain is broken. */
  readonly firstBroken?: {
    readonly seq: number;
    readonly id: number | null;
    readonly problem: ChainBreak;
    readonly message: string;
  };
}

/** A row that is not what the audit trail says, with a sentence naming table, key, column and values. */
export type RowReportFinding = RowFinding & { readonly message: string };

/** The row check of a study chain: every clinical row against its latest audit entries. */
export interface RowCheck {
  readonly ok: boolean;
  /** Rows and trail rows compared. */
  readonly checked: number;
  /** The first MAX_ROW_FINDINGS findings; `more` counts the rest. */
  readonly findings: readonly RowReportFinding[];
  readonly more: number;
}

export interface CheckpointReport {
  readonly ok: boolean;
  readonly createdAt: string;
  /** Why the file cannot be trusted (bad signature, another key); nothing else is checked then. */
  readonly signatureProblem?: string;
  /** Chains of the checkpoint checked, and those outside this verification's scope. */
  readonly checked: readonly string[];
  readonly skipped: readonly string[];
  readonly breaks: readonly (CheckpointBreak & { readonly message: string })[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly chains: readonly ChainReport[];
  readonly checkpoint?: CheckpointReport;
}

/** A checkpoint file and the public key of whoever signed it (read by the caller, not from the database). */
export interface CheckpointInput {
  readonly checkpoint: SignedCheckpoint;
  readonly publicKeyPem: string;
}

/** Findings listed per chain; more are counted, not listed, so a report stays readable and small. */
const MAX_ROW_FINDINGS = 200;
const MASKED = 'masked';

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
    return entries.map((e) =>
      e.blindSensitive ? { ...e, oldValue: REDACTED, newValue: REDACTED, rows: null } : e,
    );
  }

  /**
   * Recomputes the hash chains: every chain for an admin, or one study's. Streams each chain, so
   * memory stays flat however long the trail is. Reports the first broken entry of each chain.
   */
  async verify(
    caller: Caller,
    input: AuditVerifyInput,
    options: { checkpoint?: CheckpointInput } = {},
  ): Promise<VerifyReport> {
    const only = this.scope(caller, input);
    const report = await this.verifyChains(only, caller);
    if (!options.checkpoint) return report;
    const checkpoint = await this.checkCheckpoint(options.checkpoint, only);
    return { ok: report.ok && checkpoint.ok, chains: report.chains, checkpoint };
  }

  /**
   * The head of every chain in scope (sealed first), for a signed checkpoint. The signing happens
   * where the key is, outside the server: the key never reaches the database.
   */
  async heads(caller: Caller, input: AuditVerifyInput): Promise<CheckpointHead[]> {
    const only = this.scope(caller, input);
    await this.store.seal(only);
    return this.store.read(async (r) => {
      const heads = await r.audit.chains(only);
      const out: CheckpointHead[] = [];
      for (const h of heads) {
        const entry = await r.audit.entryAt(h.chain, h.lastSeq);
        out.push({ chain: h.chain, seq: h.lastSeq, hash: h.lastHash, at: entry?.at.toISOString() ?? '' });
      }
      return out;
    });
  }

  /** The chains a call covers: one study's, or all the caller may verify (undefined: every chain). */
  private scope(caller: Caller, input: AuditVerifyInput): readonly string[] | undefined {
    if (input.studyId) {
      authorize(caller, 'audit.verify', { studyId: input.studyId });
      return [input.studyId];
    }
    // Every chain for a global grant; otherwise the chains of the studies the caller may verify.
    const scope = studiesAllowing(caller, 'audit.verify');
    if (scope !== null && scope.length === 0) authorize(caller, 'audit.verify');
    return scope ?? undefined;
  }

  /** Whether each chain of a signed checkpoint is still extended by the chain in the database. */
  private async checkCheckpoint(
    input: CheckpointInput,
    only: readonly string[] | undefined,
  ): Promise<CheckpointReport> {
    const cp = input.checkpoint;
    const signatureProblem = checkpointSignatureProblem(cp, input.publicKeyPem);
    if (signatureProblem)
      return { ok: false, createdAt: cp.createdAt, signatureProblem, checked: [], skipped: [], breaks: [] };
    const inScope = cp.chains.filter((h) => !only || only.includes(h.chain));
    const skipped = cp.chains.filter((h) => !inScope.includes(h)).map((h) => h.chain);
    const breaks = await this.store.read(async (r) => {
      const heads = new Map((await r.audit.chains(inScope.map((h) => h.chain))).map((h) => [h.chain, h]));
      const found: (CheckpointBreak & { message: string })[] = [];
      for (const h of inScope) {
        const head = heads.get(h.chain);
        const entry = head ? await r.audit.entryAt(h.chain, h.seq) : undefined;
        // The last entry actually there, not the head row: an attacker may have moved the head back.
        const lastSeq = head ? await r.audit.lastSeq(h.chain) : 0;
        const problem = checkHead(h, head ? { lastSeq, hashAtSeq: entry?.hash ?? null } : null);
        if (problem) found.push({ ...problem, message: describeCheckpointBreak(problem) });
      }
      return found;
    });
    return {
      ok: breaks.length === 0,
      createdAt: cp.createdAt,
      checked: inScope.map((h) => h.chain),
      skipped,
      breaks,
    };
  }

  /** Every clinical row of a study against the trail; masked values hidden from blinded callers. */
  private async checkRows(studyId: string, caller: Caller): Promise<RowCheck> {
    const unmask = seesArms(caller, studyId);
    let checked = 0;
    let more = 0;
    const findings: RowReportFinding[] = [];
    await this.store.read((r) =>
      r.audit.rowsBesideTrail(studyId, (pairs) => {
        for (const p of pairs) {
          checked += 1;
          for (const f of compareRow(p.table, p.key, p.row, p.audited)) {
            if (findings.length >= MAX_ROW_FINDINGS) {
              more += 1;
              continue;
            }
            const shown: RowFinding =
              unmask || !('masked' in f) || !f.masked
                ? f
                : f.kind === 'value_differs'
                  ? { ...f, rowValue: MASKED, auditedValue: MASKED }
                  : { ...f, rowValue: MASKED };
            findings.push({ ...shown, message: describeRowFinding(shown) });
          }
        }
      }),
    );
    return { ok: findings.length === 0, checked, findings, more };
  }

  private async verifyChains(only: readonly string[] | undefined, caller: Caller): Promise<VerifyReport> {
    // Entries left unsealed by a stopped process are sealed first, so the verification covers them.
    await this.store.seal(only);
    const report = await this.store.read(async (r) => {
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
    // Then the rows of each study chain (its own snapshot: rows and their entries commit together).
    const chains: ChainReport[] = [];
    for (const c of report.chains) {
      if (c.chain === 'global') {
        chains.push(c);
        continue;
      }
      const rows = await this.checkRows(c.chain, caller);
      chains.push({ ...c, ok: c.ok && rows.ok, rows });
    }
    return { ok: chains.every((c) => c.ok), chains };
  }
}
