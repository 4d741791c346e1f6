import { rowImage } from '../../core/audit/row-image.js';
import { Repository } from './repository.js';

export interface AllocationRecord {
  readonly id: string;
  readonly studyId: string;
  readonly subjectId: string;
  readonly siteId: string;
  readonly randomizationNumber: number;
  readonly sequenceNumber: number;
  readonly stratumKey: string;
  readonly slotIndex: number | null;
  readonly armCode: string;
  readonly method: 'permuted-blocks' | 'minimization';
  readonly requestId: string;
  readonly protocolVersion: number;
  readonly allocatedAt: Date;
}

export interface ReassignmentRecord {
  readonly id: string;
  readonly subjectId: string;
  readonly phaseCode: string;
  readonly optionCode: string;
  readonly fromArm: string;
  readonly toArm: string;
  readonly createdAt: Date;
}

export interface UnblindingEventRecord {
  readonly id: string;
  readonly studyId: string;
  readonly subjectId: string;
  readonly siteId: string;
  readonly reason: string;
  readonly unblindedBy: string;
  readonly unblindedAt: Date;
}

type AllocationRow = {
  id: string;
  study_id: string;
  subject_id: string;
  site_id: string;
  randomization_number: number;
  sequence_number: number;
  stratum_key: string;
  slot_index: number | null;
  arm_code: string;
  method: 'permuted-blocks' | 'minimization';
  request_id: string;
  protocol_version: number;
  allocated_at: Date;
};

const toReassignment = (r: {
  id: string;
  subject_id: string;
  phase_code: string;
  option_code: string;
  from_arm: string;
  to_arm: string;
  created_at: Date;
}): ReassignmentRecord => ({
  id: r.id,
  subjectId: r.subject_id,
  phaseCode: r.phase_code,
  optionCode: r.option_code,
  fromArm: r.from_arm,
  toArm: r.to_arm,
  createdAt: r.created_at,
});

const toAllocation = (r: AllocationRow): AllocationRecord => ({
  id: r.id,
  studyId: r.study_id,
  subjectId: r.subject_id,
  siteId: r.site_id,
  randomizationNumber: r.randomization_number,
  sequenceNumber: r.sequence_number,
  stratumKey: r.stratum_key,
  slotIndex: r.slot_index,
  armCode: r.arm_code,
  method: r.method,
  requestId: r.request_id,
  protocolVersion: r.protocol_version,
  allocatedAt: r.allocated_at,
});

/** Randomization numbers start here, so they read as numbers, not as counts. */
export const FIRST_RANDOMIZATION_NUMBER = 1001;

export class RandomizationRepository extends Repository {
  /** The study's secret seed, created (and audited, without its value) on first use. */
  async secret(studyId: string, makeSeed: () => string): Promise<string> {
    const existing = await this.db
      .selectFrom('randomization_secrets')
      .select('seed')
      .where('study_id', '=', studyId)
      .executeTakeFirst();
    if (existing) return existing.seed;
    const inserted = await this.trx
      .insertInto('randomization_secrets')
      .values({ study_id: studyId, seed: makeSeed() })
      .onConflict((oc) => oc.column('study_id').doNothing())
      .returning('seed')
      .executeTakeFirst();
    if (inserted) {
      await this.audit({
        studyId,
        action: 'randomization.seed_created',
        entityType: 'study',
        entityId: studyId,
        newValue: { note: 'secret seed generated; its value is never logged' },
      });
      return inserted.seed;
    }
    const row = await this.trx
      .selectFrom('randomization_secrets')
      .select('seed')
      .where('study_id', '=', studyId)
      .executeTakeFirstOrThrow();
    return row.seed;
  }

  /** The seed, read-only: for verification by the unblinded statistician. */
  async seed(studyId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('randomization_secrets')
      .select('seed')
      .where('study_id', '=', studyId)
      .executeTakeFirst();
    return row?.seed;
  }

  /**
   * Takes the study's randomization lock for the rest of the transaction and returns how many subjects
   * are allocated. Every randomization of the study goes through here, one at a time.
   */
  async lockStudy(studyId: string): Promise<number> {
    const lock = () =>
      this.trx
        .selectFrom('randomization_state')
        .select('allocated')
        .where('study_id', '=', studyId)
        .forUpdate()
        .executeTakeFirst();
    const row = await lock();
    if (row) return row.allocated;
    // First randomization of the study: create the row (once, whoever wins), then lock it.
    await this.trx
      .insertInto('randomization_state')
      .values({ study_id: studyId })
      .onConflict((oc) => oc.column('study_id').doNothing())
      .execute();
    return (await lock())?.allocated ?? 0;
  }

  async armCounts(studyId: string): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('allocations')
      .select(['arm_code', (eb) => eb.fn.countAll<number>().as('n')])
      .where('study_id', '=', studyId)
      .groupBy('arm_code')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.arm_code, Number(r.n)]));
  }

  async nextSlot(studyId: string, stratumKey: string): Promise<number> {
    const row = await this.db
      .selectFrom('strata_state')
      .select('next_slot')
      .where('study_id', '=', studyId)
      .where('stratum_key', '=', stratumKey)
      .executeTakeFirst();
    return row?.next_slot ?? 0;
  }

  /** Every allocation of the study in the order made, with the subject's factor levels. */
  async inOrder(studyId: string): Promise<(AllocationRecord & { levels: Record<string, string> })[]> {
    const rows = await this.db
      .selectFrom('allocations as a')
      .innerJoin('subjects as s', 's.id', 'a.subject_id')
      .selectAll('a')
      .select('s.levels')
      .where('a.study_id', '=', studyId)
      .orderBy('a.sequence_number')
      .execute();
    return rows.map((r) => ({ ...toAllocation(r), levels: r.levels }));
  }

  async skips(studyId: string): Promise<{ stratumKey: string; slotIndex: number; armCode: string }[]> {
    const rows = await this.db
      .selectFrom('allocation_skips')
      .select(['stratum_key', 'slot_index', 'arm_code'])
      .where('study_id', '=', studyId)
      .orderBy('stratum_key')
      .orderBy('slot_index')
      .execute();
    return rows.map((r) => ({ stratumKey: r.stratum_key, slotIndex: r.slot_index, armCode: r.arm_code }));
  }

  async bySubject(subjectId: string): Promise<AllocationRecord | undefined> {
    const row = await this.db
      .selectFrom('allocations')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .executeTakeFirst();
    return row && toAllocation(row);
  }

  async byRequest(studyId: string, requestId: string): Promise<AllocationRecord | undefined> {
    const row = await this.db
      .selectFrom('allocations')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    return row && toAllocation(row);
  }

  async list(studyId: string, siteIds?: readonly string[]): Promise<AllocationRecord[]> {
    if (siteIds && siteIds.length === 0) return [];
    let q = this.db.selectFrom('allocations').selectAll().where('study_id', '=', studyId);
    if (siteIds) q = q.where('site_id', 'in', siteIds);
    return (await q.orderBy('randomization_number').execute()).map(toAllocation);
  }

  /**
   * Records an allocation (and the slots skipped to reach it), advances the stratum and the study
   * counters. The audit entry names the arm, so it is marked blind-sensitive.
   */
  async allocate(input: {
    studyId: string;
    subjectId: string;
    siteId: string;
    sequenceNumber: number;
    stratumKey: string;
    slotIndex: number | null;
    nextSlot: number | null;
    skipped: readonly { slotIndex: number; armCode: string }[];
    armCode: string;
    method: 'permuted-blocks' | 'minimization';
    requestId: string;
    protocolVersion: number;
    allocatedBy: string | null;
  }): Promise<AllocationRecord> {
    const row = await this.trx
      .insertInto('allocations')
      .values({
        study_id: input.studyId,
        subject_id: input.subjectId,
        site_id: input.siteId,
        randomization_number: FIRST_RANDOMIZATION_NUMBER + input.sequenceNumber,
        sequence_number: input.sequenceNumber,
        stratum_key: input.stratumKey,
        slot_index: input.slotIndex,
        arm_code: input.armCode,
        method: input.method,
        request_id: input.requestId,
        protocol_version: input.protocolVersion,
        allocated_by: input.allocatedBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (input.skipped.length > 0)
      await this.trx
        .insertInto('allocation_skips')
        .values(
          input.skipped.map((s) => ({
            study_id: input.studyId,
            stratum_key: input.stratumKey,
            slot_index: s.slotIndex,
            arm_code: s.armCode,
          })),
        )
        .execute();
    if (input.nextSlot !== null)
      await this.trx
        .insertInto('strata_state')
        .values({ study_id: input.studyId, stratum_key: input.stratumKey, next_slot: input.nextSlot })
        .onConflict((oc) =>
          oc.columns(['study_id', 'stratum_key']).doUpdateSet({ next_slot: input.nextSlot ?? 0 }),
        )
        .execute();
    await this.trx
      .updateTable('randomization_state')
      .set({ allocated: input.sequenceNumber + 1 })
      .where('study_id', '=', input.studyId)
      .execute();
    const allocation = toAllocation(row);
    await this.audit({
      studyId: input.studyId,
      action: 'randomization.allocate',
      entityType: 'subject',
      entityId: input.subjectId,
      newValue: {
        randomizationNumber: allocation.randomizationNumber,
        arm: allocation.armCode,
        stratum: allocation.stratumKey,
        slot: allocation.slotIndex,
        skippedSlots: input.skipped,
        requestId: input.requestId,
      },
      blindSensitive: true,
      rows: [rowImage('allocations', row, { withMasked: true })],
    });
    return allocation;
  }

  /** The subject's re-assignments (extension elections), oldest first. */
  async reassignments(subjectId: string): Promise<ReassignmentRecord[]> {
    const rows = await this.db
      .selectFrom('reassignments')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('created_at')
      .execute();
    return rows.map(toReassignment);
  }

  /** Every re-assignment of a study in one query, by subject then time. */
  async reassignmentsOfStudy(studyId: string): Promise<ReassignmentRecord[]> {
    const rows = await this.db
      .selectFrom('reassignments')
      .selectAll()
      .where('study_id', '=', studyId)
      .orderBy('subject_id')
      .orderBy('created_at')
      .execute();
    return rows.map(toReassignment);
  }

  async reassign(input: {
    studyId: string;
    subjectId: string;
    phaseCode: string;
    optionCode: string;
    fromArm: string;
    toArm: string;
    createdBy: string | null;
    /** When the election was made, for data imported from a completed study (default: now). */
    electedOn?: string;
  }): Promise<void> {
    await this.trx
      .insertInto('reassignments')
      .values({
        study_id: input.studyId,
        subject_id: input.subjectId,
        phase_code: input.phaseCode,
        option_code: input.optionCode,
        from_arm: input.fromArm,
        to_arm: input.toArm,
        created_by: input.createdBy,
        ...(input.electedOn === undefined ? {} : { created_at: `${input.electedOn}T12:00:00Z` }),
      })
      .execute();
    await this.audit({
      studyId: input.studyId,
      action: 'randomization.reassign',
      entityType: 'subject',
      entityId: input.subjectId,
      oldValue: { arm: input.fromArm },
      newValue: { phase: input.phaseCode, option: input.optionCode, arm: input.toArm },
      blindSensitive: true,
    });
  }

  async recordUnblinding(input: {
    studyId: string;
    subjectId: string;
    siteId: string;
    reason: string;
    unblindedBy: string;
    armCode: string;
  }): Promise<UnblindingEventRecord> {
    const row = await this.trx
      .insertInto('unblinding_events')
      .values({
        study_id: input.studyId,
        subject_id: input.subjectId,
        site_id: input.siteId,
        reason: input.reason,
        unblinded_by: input.unblindedBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId: input.studyId,
      action: 'subject.unblind',
      entityType: 'subject',
      entityId: input.subjectId,
      newValue: { arm: input.armCode, eventId: row.id },
      reason: input.reason,
      blindSensitive: true,
    });
    return {
      id: row.id,
      studyId: row.study_id,
      subjectId: row.subject_id,
      siteId: row.site_id,
      reason: row.reason,
      unblindedBy: row.unblinded_by,
      unblindedAt: row.unblinded_at,
    };
  }

  async unblindings(studyId: string): Promise<UnblindingEventRecord[]> {
    const rows = await this.db
      .selectFrom('unblinding_events')
      .selectAll()
      .where('study_id', '=', studyId)
      .orderBy('unblinded_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      studyId: r.study_id,
      subjectId: r.subject_id,
      siteId: r.site_id,
      reason: r.reason,
      unblindedBy: r.unblinded_by,
      unblindedAt: r.unblinded_at,
    }));
  }
}
