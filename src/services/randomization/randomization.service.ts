import { conflict, DomainError, notFound, validationError } from '../../core/errors.js';
import { electionOption, resolveElection } from '../../core/extension/election.js';
import { electionRefusal } from '../../core/extension/gate.js';
import type { Protocol } from '../../core/protocol/schema.js';
import {
  allocateWithCaps,
  blocksSpecOf,
  capsOf,
  generateSeed,
  minimizationSpecOf,
  minimize,
  sequenceForStratum,
  stratumKeyOf,
  subjectLevels,
  tallyAllocations,
  verifyAllocations,
  type Mismatch,
  type StratumSequence,
} from '../../core/randomization/index.js';
import { covers, kitsNeeded } from '../../core/supply/kits.js';
import { cryptoRandom, type RandomSource } from '../../core/supply/random.js';
import type {
  AllocationRecord,
  UnblindingEventRecord,
} from '../../store/repositories/randomization.repository.js';
import type { SubjectRecord } from '../../store/repositories/subject.repository.js';
import type { KitRecord } from '../../store/repositories/supply.repository.js';
import type { Repositories, Store } from '../../store/store.js';
import type { AuthService } from '../auth/auth.service.js';
import { authorize, seesArms, sitesAllowing, type Caller } from '../caller.js';
import { currentProtocol, ensureOpen } from '../subjects/subject.service.js';
import { allocationView, kitView, type BlindedAllocation, type KitView } from './allocation-view.js';
import type {
  DispenseInput,
  ElectExtensionInput,
  RandomizeInput,
  SequenceQuery,
  UnblindInput,
} from './randomization.schemas.js';

/** Today as YYYY-MM-DD (UTC): a kit expiring today or earlier is never dispensed or shipped. */
export const today = (): string => new Date().toISOString().slice(0, 10);

/** The visit at which subjects are randomized and get their first kits: the main phase's first. */
export function randomizationVisit(protocol: Protocol): string {
  return protocol.phases.find((p) => p.kind === 'main')?.startVisit ?? protocol.visits[0]?.code ?? '';
}

/** The arm the subject is treated on at a visit: the randomized arm, or the extension's re-assignment. */
async function armAtVisit(
  r: Repositories,
  protocol: Protocol,
  a: AllocationRecord,
  visitCode: string,
): Promise<string> {
  const phase = protocol.visits.find((v) => v.code === visitCode)?.phase;
  const reassigned = (await r.randomization.reassignments(a.subjectId))
    .filter((x) => x.phaseCode === phase)
    .at(-1);
  return reassigned?.toArm ?? a.armCode;
}

/**
 * The arm the subject is being treated on: the arm of their most recent dispensing visit (an
 * extension switch takes effect at the extension's first dispensing, not at the election).
 */
async function currentArm(r: Repositories, protocol: Protocol, a: AllocationRecord): Promise<string> {
  const kits = await r.supply.kits(a.studyId, { subjectId: a.subjectId });
  const order = new Map(protocol.visits.map((v, i) => [v.code, i]));
  const last = kits
    .map((k) => k.visitCode)
    .filter((v): v is string => v !== null)
    .sort((x, y) => (order.get(y) ?? 0) - (order.get(x) ?? 0))[0];
  return last ? armAtVisit(r, protocol, a, last) : a.armCode;
}

export interface VerifyRandomizationReport {
  readonly ok: boolean;
  readonly method: string;
  readonly allocations: number;
  readonly mismatches: readonly Mismatch[];
}

export class RandomizationService {
  constructor(
    private readonly store: Store,
    private readonly auth: AuthService,
    private readonly random: RandomSource = cryptoRandom,
  ) {}

  /**
   * Stratum sequences, kept between requests: a sequence is fixed by its seed and settings, and it
   * memoizes the blocks it has made, so the next slot costs no regeneration of the blocks before it.
   */
  private readonly sequences = new Map<string, StratumSequence>();

  private sequenceFor(
    studyId: string,
    version: number,
    protocol: Protocol,
    seed: string,
    stratum: string,
  ): StratumSequence {
    const key = `${studyId}|${version}|${stratum}`;
    let sequence = this.sequences.get(key);
    if (!sequence) {
      if (this.sequences.size >= 10_000) this.sequences.clear();
      sequence = sequenceForStratum(blocksSpecOf(protocol), seed, stratum);
      this.sequences.set(key, sequence);
    }
    return sequence;
  }

  private async subjectFor(caller: Caller, subjectId: string, action: Parameters<typeof authorize>[1]) {
    const subject = await this.store.read((r) => r.subjects.get(subjectId));
    if (!subject) throw notFound('Subject', subjectId);
    return {
      subject,
      actor: authorize(caller, action, { studyId: subject.studyId, siteId: subject.siteId }),
    };
  }

  /**
   * Randomizes an eligible subject. Idempotent on `requestId`: the same request returns the same
   * allocation. Allocations in a study happen one at a time under the study's lock; a full arm is never
   * assigned; a site that could not dispense for every arm still open is refused before anything is
   * allocated (a stock-out would otherwise unblind). The first kits are dispensed in the same transaction.
   */
  async randomize(caller: Caller, subjectId: string, input: RandomizeInput): Promise<BlindedAllocation> {
    const { actor } = await this.subjectFor(caller, subjectId, 'subject.randomize');
    return this.store.write(actor, async (r) => {
      const subject = await r.subjects.getForUpdate(subjectId);
      if (!subject) throw notFound('Subject', subjectId);
      // Read before the study's lock (no lock needed), so the locked section stays short.
      const { protocol, version, status } = await currentProtocol(r, subject.studyId, { forWrite: true });
      // The study's lock next: the requestId check and the allocation then see one consistent state.
      const allocated = await r.randomization.lockStudy(subject.studyId);
      const previous = await r.randomization.byRequest(subject.studyId, input.requestId);
      if (previous) {
        if (previous.subjectId !== subject.id)
          throw conflict('This requestId was already used to randomize another subject: use a new one', {
            field: 'requestId',
          });
        return { ...(await this.blindedView(r, previous)), replayed: true };
      }
      if (subject.status === 'randomized') {
        const existing = await r.randomization.bySubject(subject.id);
        throw conflict(
          `Subject ${subject.screeningNumber} is already randomized (number ${existing?.randomizationNumber ?? '?'})`,
          { randomizationNumber: existing?.randomizationNumber },
        );
      }
      if (subject.status !== 'eligible')
        throw conflict(
          `Subject ${subject.screeningNumber} is not eligible (screen failure): it cannot be randomized`,
        );
      ensureOpen(status);
      const levels = subjectLevels(protocol, subject.answers, input.levels);
      // The site's stock is checked and taken under its lock, so a visit dispensing cannot slip between.
      await r.sites.lockStock(subject.siteId);
      const counts = await r.randomization.armCounts(subject.studyId);
      const caps = capsOf(protocol);
      const open = protocol.arms.filter((a) => a.cap === undefined || (counts[a.code] ?? 0) < a.cap);
      if (open.length === 0) throw conflict('Every arm of the study is full: no subject can be randomized');
      await this.ensureSiteCanServe(
        r,
        protocol,
        subject,
        open.map((a) => a.code),
        randomizationVisit(protocol),
      );

      const seed = await r.randomization.secret(subject.studyId, generateSeed);
      let arm: string;
      let stratumKey: string;
      let slotIndex: number | null = null;
      let nextSlot: number | null = null;
      let skipped: { slotIndex: number; armCode: string }[] = [];
      if (protocol.randomization.method === 'permuted-blocks') {
        stratumKey = stratumKeyOf(protocol, levels);
        const outcome = allocateWithCaps({
          sequence: this.sequenceFor(subject.studyId, version, protocol, seed, stratumKey),
          nextSlot: await r.randomization.nextSlot(subject.studyId, stratumKey),
          counts,
          caps,
        });
        if (outcome.kind === 'all_arms_full')
          throw conflict('Every arm of the study is full: no subject can be randomized');
        arm = outcome.slot.arm;
        slotIndex = outcome.slot.index;
        nextSlot = outcome.nextSlot;
        skipped = outcome.skipped.map((s) => ({ slotIndex: s.index, armCode: s.arm }));
      } else {
        const spec = minimizationSpecOf(protocol);
        const prior = await r.randomization.inOrder(subject.studyId);
        const outcome = minimize({
          spec,
          seed,
          tally: tallyAllocations(
            spec,
            prior.map((p) => ({ arm: p.armCode, levels: p.levels })),
          ),
          subject: levels,
          caps,
        });
        if (outcome.kind === 'all_arms_full')
          throw conflict('Every arm of the study is full: no subject can be randomized');
        arm = outcome.arm;
        stratumKey = 'MINIMIZATION';
      }

      const allocation = await r.randomization.allocate({
        studyId: subject.studyId,
        subjectId: subject.id,
        siteId: subject.siteId,
        sequenceNumber: allocated,
        stratumKey,
        slotIndex,
        nextSlot,
        skipped,
        armCode: arm,
        method: protocol.randomization.method,
        requestId: input.requestId,
        protocolVersion: version,
        allocatedBy: caller.userId,
      });
      await r.subjects.setStatus(subject, 'randomized', levels);
      const visit = randomizationVisit(protocol);
      const kits = await r.supply.dispense({
        studyId: subject.studyId,
        siteId: subject.siteId,
        subjectId: subject.id,
        visitCode: visit,
        needs: kitsNeeded(protocol, arm, visit),
        usableAfter: today(),
        random: this.random,
      });
      // The stock check above holds the study lock, but a visit dispensing elsewhere may have just taken
      // the last kit: then nothing of this randomization is kept.
      if (!kits)
        throw conflict('The site’s stock changed during randomization: nothing was allocated; try again');
      return allocationView(allocation, kits, null);
    });
  }

  /**
   * Refuses, naming only drugs, when the site's stock cannot serve every one of `arms` at `visit`:
   * whether a request succeeds must never depend on the subject's own (masked) arm.
   */
  private async ensureSiteCanServe(
    r: Repositories,
    protocol: Protocol,
    subject: SubjectRecord,
    arms: readonly string[],
    visit: string,
  ): Promise<void> {
    const stock = await r.supply.siteStock(subject.studyId, subject.siteId, today());
    const short = new Set<string>();
    for (const arm of arms) {
      const needs = kitsNeeded(protocol, arm, visit);
      if (!covers(stock, needs))
        for (const n of needs) if ((stock.get(`${n.drug}:${n.content}`) ?? 0) < 1) short.add(n.drug);
    }
    if (short.size > 0)
      throw conflict(
        `The site cannot dispense kits for every arm at ${visit}: resupply ${[...short].sort().join(', ')}. Nothing was changed.`,
        { drugs: [...short].sort() },
      );
  }

  /** The answer to the randomization request: the allocation with the kits dispensed at randomization. */
  private async blindedView(r: Repositories, a: AllocationRecord): Promise<BlindedAllocation> {
    const visit = randomizationVisit((await currentProtocol(r, a.studyId)).protocol);
    const kits = await r.supply.kits(a.studyId, { subjectId: a.subjectId });
    return allocationView(
      a,
      kits.filter((k) => k.visitCode === visit),
      null,
    );
  }

  /** The study's allocations: randomization numbers and kits, and the arms for the unblinded statistician. */
  async allocations(caller: Caller, studyId: string): Promise<BlindedAllocation[]> {
    const sites = sitesAllowing(caller, 'allocation.read', studyId);
    const unblinded = seesArms(caller, studyId);
    return this.store.read(async (r) => {
      const { protocol } = await currentProtocol(r, studyId);
      const list = await r.randomization.list(studyId, sites ?? undefined);
      const kits = await r.supply.kits(studyId, { status: 'dispensed', siteIds: sites ?? undefined });
      const bySubject = new Map<string, KitRecord[]>();
      for (const k of kits)
        if (k.subjectId) bySubject.set(k.subjectId, [...(bySubject.get(k.subjectId) ?? []), k]);
      return Promise.all(
        list.map(async (a) =>
          allocationView(
            a,
            bySubject.get(a.subjectId) ?? [],
            unblinded ? { protocol, currentArm: await currentArm(r, protocol, a) } : null,
          ),
        ),
      );
    });
  }

  async allocation(caller: Caller, subjectId: string): Promise<BlindedAllocation> {
    const { subject } = await this.subjectFor(caller, subjectId, 'allocation.read');
    const unblinded = seesArms(caller, subject.studyId);
    return this.store.read(async (r) => {
      const a = await r.randomization.bySubject(subjectId);
      if (!a) throw notFound('Allocation of subject', subject.screeningNumber);
      const { protocol } = await currentProtocol(r, subject.studyId);
      const kits = await r.supply.kits(subject.studyId, { subjectId });
      return allocationView(
        a,
        kits,
        unblinded ? { protocol, currentArm: await currentArm(r, protocol, a) } : null,
      );
    });
  }

  /**
   * Emergency unblinding of one subject by their investigator: a reason, the password again, an
   * event the sponsor sees, and an audit entry. Returns the subject's treatment, to the caller only.
   */
  async unblind(
    caller: Caller,
    subjectId: string,
    input: UnblindInput,
  ): Promise<{
    arm: string;
    armName: string;
    treatments: { drug: string; placebo: boolean }[];
    event: UnblindingEventRecord;
  }> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'subject.unblind');
    await this.auth.reauthenticate(caller, input.password);
    return this.store.write(actor, async (r) => {
      const a = await r.randomization.bySubject(subjectId);
      if (!a)
        throw conflict(`Subject ${subject.screeningNumber} is not randomized: there is nothing to unblind`);
      const { protocol } = await currentProtocol(r, subject.studyId);
      const arm = await currentArm(r, protocol, a);
      const event = await r.randomization.recordUnblinding({
        studyId: subject.studyId,
        subjectId,
        siteId: subject.siteId,
        reason: input.reason,
        unblindedBy: caller.userId,
        armCode: arm,
      });
      const def = protocol.arms.find((x) => x.code === arm);
      return {
        arm,
        armName: def?.name ?? arm,
        treatments: def?.treatments.map((t) => ({ drug: t.drug, placebo: t.placebo })) ?? [],
        event,
      };
    });
  }

  /** Emergency unblindings of a study, for the sponsor: who, when, why; never the arm. */
  async unblindings(caller: Caller, studyId: string): Promise<UnblindingEventRecord[]> {
    const sites = sitesAllowing(caller, 'unblinding.read', studyId);
    const events = await this.store.read(async (r) => {
      if (!(await r.studies.get(studyId))) throw notFound('Study', studyId);
      return r.randomization.unblindings(studyId);
    });
    return sites === null ? events : events.filter((e) => sites.includes(e.siteId));
  }

  /**
   * Records the subject's extension election: a re-assignment (continue, or switch per the protocol),
   * never a second randomization. The answer says nothing of the arm.
   */
  async electExtension(
    caller: Caller,
    subjectId: string,
    input: ElectExtensionInput,
  ): Promise<{ phase: string; option: string }> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'subject.elect_extension');
    return this.store.write(actor, async (r) => {
      // The subject's row lock orders this against a concurrent change of the main disposition.
      await r.subjects.getForUpdate(subjectId);
      const { protocol, status } = await currentProtocol(r, subject.studyId, { forWrite: true });
      ensureOpen(status);
      // The input first (400 naming the options), then the subject's state (409 naming the rule).
      electionOption(protocol, input.option);
      const a = await r.randomization.bySubject(subjectId);
      const refusal = electionRefusal(protocol, {
        randomized: a !== undefined,
        dispositions: await r.capture.dispositions(subjectId),
        electedPhases: (await r.randomization.reassignments(subjectId)).map((x) => x.phaseCode),
      });
      if (refusal) throw conflict(`No extension election for ${subject.screeningNumber}: ${refusal}`);
      if (!a) throw conflict(`Subject ${subject.screeningNumber} is not randomized: no extension to elect`);
      const election = resolveElection(protocol, a.armCode, input.option);
      await r.randomization.reassign({
        studyId: subject.studyId,
        subjectId,
        phaseCode: election.phase,
        optionCode: election.option,
        fromArm: election.fromArm,
        toArm: election.toArm,
        createdBy: caller.userId,
      });
      return { phase: election.phase, option: election.option };
    });
  }

  /** Dispenses the kits a scheduled visit calls for, following the subject's arm at that visit. */
  async dispense(caller: Caller, subjectId: string, input: DispenseInput): Promise<KitView[]> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'subject.dispense');
    return this.store.write(actor, async (r) => {
      await r.subjects.getForUpdate(subjectId);
      const { protocol, status } = await currentProtocol(r, subject.studyId, { forWrite: true });
      ensureOpen(status);
      const a = await r.randomization.bySubject(subjectId);
      if (!a) throw conflict(`Subject ${subject.screeningNumber} is not randomized: nothing to dispense`);
      if (!protocol.visits.some((v) => v.code === input.visit))
        throw validationError(`Unknown visit ${input.visit}`, [
          { path: 'visit', message: 'not a visit of the protocol' },
        ]);
      if (input.visit === randomizationVisit(protocol))
        throw conflict(`Kits for ${input.visit} are dispensed at randomization`);
      if (!protocol.drugs.some((d) => d.supply?.dispenseAt.includes(input.visit)))
        throw validationError(`No kits are dispensed at ${input.visit}`, [
          { path: 'visit', message: 'not a dispensing visit' },
        ]);
      const already = await r.supply.kits(subject.studyId, { subjectId });
      if (already.some((k) => k.visitCode === input.visit))
        throw conflict(`Kits for ${input.visit} were already dispensed to ${subject.screeningNumber}`);
      const phase = protocol.phases.find(
        (p) => p.code === protocol.visits.find((v) => v.code === input.visit)?.phase,
      );
      if (
        phase?.election &&
        !(await r.randomization.reassignments(subjectId)).some((x) => x.phaseCode === phase.code)
      )
        throw conflict(
          `Subject ${subject.screeningNumber} has not elected the ${phase.label.toLowerCase()}: record the election first`,
        );
      await r.sites.lockStock(subject.siteId);
      await this.ensureSiteCanServe(
        r,
        protocol,
        subject,
        protocol.arms.map((x) => x.code),
        input.visit,
      );
      const arm = await armAtVisit(r, protocol, a, input.visit);
      const kits = await r.supply.dispense({
        studyId: subject.studyId,
        siteId: subject.siteId,
        subjectId,
        visitCode: input.visit,
        needs: kitsNeeded(protocol, arm, input.visit),
        usableAfter: today(),
        random: this.random,
      });
      if (!kits)
        throw conflict(
          'The site has no usable kit for this dispensing: resupply the site. Nothing was dispensed.',
        );
      return kits.map(kitView);
    });
  }

  /** Recomputes the study's sequence from its seed and compares it with every allocation made. */
  async verify(caller: Caller, studyId: string): Promise<VerifyRandomizationReport> {
    authorize(caller, 'allocation.unblinded', { studyId });
    return this.store.read(async (r) => {
      const { protocol } = await currentProtocol(r, studyId);
      const made = await r.randomization.inOrder(studyId);
      const seed = await r.randomization.seed(studyId);
      if (!seed)
        return {
          ok: made.length === 0,
          method: protocol.randomization.method,
          allocations: 0,
          mismatches: [],
        };
      const caps = capsOf(protocol);
      const mismatches =
        protocol.randomization.method === 'permuted-blocks'
          ? verifyAllocations({
              method: 'permuted_blocks',
              spec: blocksSpecOf(protocol),
              seed,
              caps,
              allocations: made.map((a) => ({
                stratumKey: a.stratumKey,
                slotIndex: a.slotIndex ?? -1,
                arm: a.armCode,
              })),
            })
          : verifyAllocations({
              method: 'minimization',
              spec: minimizationSpecOf(protocol),
              seed,
              caps,
              allocations: made.map((a) => ({ levels: a.levels, arm: a.armCode })),
            });
      return {
        ok: mismatches.length === 0,
        method: protocol.randomization.method,
        allocations: made.length,
        mismatches,
      };
    });
  }

  /** The planned sequence of every stratum (permuted blocks): the allocation list, for the unblinded. */
  async sequence(
    caller: Caller,
    studyId: string,
    q: SequenceQuery,
  ): Promise<{ stratum: string; slots: { slot: number; arm: string; block: number }[] }[]> {
    authorize(caller, 'allocation.unblinded', { studyId });
    return this.store.write(
      { userId: caller.userId, name: caller.username, role: 'unblinded_statistician' },
      async (r) => {
        const { protocol } = await currentProtocol(r, studyId);
        if (protocol.randomization.method !== 'permuted-blocks')
          throw new DomainError(
            'conflict',
            'Minimization has no list fixed in advance: each allocation depends on the ones before',
          );
        const seed = await r.randomization.secret(studyId, generateSeed);
        const strata = strataOf(protocol);
        const spec = blocksSpecOf(protocol);
        return strata.map((levels) => {
          const stratum = stratumKeyOf(protocol, levels);
          const seq = sequenceForStratum(spec, seed, stratum);
          return {
            stratum,
            slots: seq.take(q.count).map((s) => ({ slot: s.index, arm: s.arm, block: s.block })),
          };
        });
      },
    );
  }
}

/** Every combination of the levels of the stratification factors. */
function strataOf(protocol: Protocol): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}];
  for (const code of protocol.randomization.stratifyBy) {
    const f = protocol.stratification.factors.find((x) => x.code === code);
    combos = combos.flatMap((c) => (f?.levels ?? []).map((l) => ({ ...c, [code]: l.code })));
  }
  return combos;
}
