import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayUtc } from '../../src/core/capture/dates.js';
import { SIGNATURE_MEANINGS } from '../../src/core/capture/vocabulary.js';
import { unlockSchema } from '../../src/services/capture/capture.schemas.js';
import type { Caller } from '../../src/services/index.js';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { PASSWORD, world, type World } from '../support/fixtures.js';
import { eligibleNr, nrTrial, type Trial } from '../support/trial.js';

const ago = (days: number): string => addDays(todayUtc(), -days);
const ASSAY = 'COBAS TaqMan HCV v2';
const AE = {
  verbatimTerm: 'Loose stools',
  codedTerm: 'Diarrhoea',
  bodySystem: 'Gastrointestinal disorders',
  grade: 1,
  serious: false,
  relatedness: { CELGOSIVIR: 'possible', PEGIFN: 'not_related', RBV: 'not_related' },
  onsetDate: ago(60),
  endDate: ago(55),
  outcome: 'recovered',
  actionTaken: 'none',
} as const;

/** Review of the casebook: source-data verification, the investigator's signature, the database lock. */
describe.each(engines())('casebook review on $name', (engine) => {
  let database: Database;
  let w: World;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
  });
  afterAll(() => database.close());

  /** A randomized subject at the trial's first site with day 0, week 12 and its result recorded. */
  async function subjectWithData(t: Trial): Promise<string> {
    const crc = t.coordinators[0]!;
    const subject = await w.services.subjects.screen(crc, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr(),
      consentedOn: ago(130),
    });
    await w.services.randomization.randomize(crc, subject.id, { requestId: randomUUID(), levels: {} });
    await w.services.capture.recordVisit(crc, subject.id, { visit: 'D0', date: ago(100) });
    await w.services.capture.recordVisit(crc, subject.id, { visit: 'W12', date: ago(16) });
    await w.services.capture.recordResult(crc, subject.id, {
      visit: 'W12',
      collectedOn: ago(16),
      result: '35,000',
      assay: ASSAY,
    });
    return subject.id;
  }

  const auditOf = (t: Trial, action: string, entityId?: string) =>
    w.services.audit.list(t.dm, { studyId: t.studyId, action, entityId, limit: 1000 });
  const chainLength = (t: Trial) =>
    w.store.read(async (r) => (await r.audit.chains([t.studyId]))[0]?.lastSeq);

  describe('source-data verification and signature', () => {
    let t: Trial;
    let monitor: Caller;
    let crc: Caller;
    let pi: Caller;
    beforeAll(async () => {
      t = await nrTrial(w, { sites: 2, kitsPerDrug: 20 });
      [crc, pi] = [t.coordinators[0]!, t.investigators[0]!];
      monitor = await w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[0]! }]);
    });

    const changeResult = async (subjectId: string, result: string) => {
      const book = await w.services.capture.casebook(crc, subjectId);
      const w12 = book.results.find((r) => r.visitCode === 'W12')!;
      return w.services.capture.changeResult(crc, w12.id, {
        collectedOn: ago(16),
        result,
        assay: ASSAY,
        reasonForChange: 'The lab re-issued its report',
      });
    };
    const formOf = async (subjectId: string, key: string) =>
      (await w.services.capture.casebook(crc, subjectId)).forms.find((f) => f.formKey === key);

    it('lets the monitor verify a form once; a later change of its data clears it, audited', async () => {
      const id = await subjectWithData(t);
      const verified = await w.services.capture.verifySource(monitor, id, {
        form: 'visit:W12',
        verified: true,
      });
      expect(verified).toMatchObject({
        subjectId: id,
        formKey: 'visit:W12',
        sdvAt: expect.any(Date),
        sdvBy: monitor.userId,
      });
      await w.services.capture.verifySource(monitor, id, { form: 'visit:D0', verified: true });
      expect((await auditOf(t, 'sdv.verify', `${id}/visit:W12`))[0]).toMatchObject({
        actorRole: 'monitor',
        newValue: { subjectId: id, form: 'visit:W12', verified: true },
      });
      await expect(
        w.services.capture.verifySource(monitor, id, { form: 'visit:W12', verified: true }),
      ).rejects.toMatchObject({ code: 'conflict', message: 'visit:W12 is already verified' });

      await changeResult(id, '36,000');
      expect(await formOf(id, 'visit:W12')).toMatchObject({ sdvAt: null, sdvBy: null });
      // Only the changed form loses its verification.
      expect((await formOf(id, 'visit:D0'))?.sdvBy).toBe(monitor.userId);
      const [reset, ...more] = await auditOf(t, 'sdv.reset', `${id}/visit:W12`);
      expect(more).toEqual([]);
      expect(reset).toMatchObject({
        actorId: crc.userId,
        oldValue: { subjectId: id, form: 'visit:W12', sdvBy: monitor.userId },
        newValue: { subjectId: id, form: 'visit:W12', sdvAt: null },
        reason: 'the form’s data changed',
      });
      // Verified again after the change.
      expect(
        (await w.services.capture.verifySource(monitor, id, { form: 'visit:W12', verified: true })).sdvBy,
      ).toBe(monitor.userId);
    });

    it('lets the monitor withdraw a verification made in error', async () => {
      const id = await subjectWithData(t);
      await expect(
        w.services.capture.verifySource(monitor, id, { form: 'visit:W12', verified: false }),
      ).rejects.toMatchObject({ code: 'conflict', message: 'visit:W12 is already unverified' });
      await w.services.capture.verifySource(monitor, id, { form: 'visit:W12', verified: true });
      const withdrawn = await w.services.capture.verifySource(monitor, id, {
        form: 'visit:W12',
        verified: false,
      });
      expect(withdrawn).toMatchObject({ sdvAt: null, sdvBy: null });
      expect(await auditOf(t, 'sdv.unverify', `${id}/visit:W12`)).toHaveLength(1);
    });

    it('refuses verification to anyone but the site’s monitor, and of a form without data', async () => {
      const id = await subjectWithData(t);
      const otherMonitor = await w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[1]! }]);
      const before = [await chainLength(t), await formOf(id, 'visit:W12')];
      for (const caller of [crc, pi, t.dm, t.stat, otherMonitor])
        await expect(
          w.services.capture.verifySource(caller, id, { form: 'visit:W12', verified: true }),
        ).rejects.toMatchObject({ code: 'forbidden', details: { action: 'sdv.verify' } });
      await expect(
        w.services.capture.verifySource(monitor, id, { form: 'visit:W16', verified: true }),
      ).rejects.toMatchObject({ code: 'not_found' });
      expect([await chainLength(t), await formOf(id, 'visit:W12')]).toEqual(before);
    });

    it('lets the investigator sign with their password, stating the meaning; twice is refused', async () => {
      const id = await subjectWithData(t);
      const signature = await w.services.capture.sign(pi, id, { password: PASSWORD, meaning: 'approval' });
      expect(signature).toMatchObject({
        subjectId: id,
        signedBy: pi.userId,
        signerName: pi.displayName,
        meaning: 'approval',
        statement: `${pi.displayName} (${pi.username}), investigator: ${SIGNATURE_MEANINGS.approval}`,
        signedAt: expect.any(Date),
        invalidatedAt: null,
        invalidatedReason: null,
      });
      const book = await w.services.capture.casebook(monitor, id);
      expect(book.signature).toEqual(signature);
      expect((await auditOf(t, 'signature.sign', signature.id))[0]).toMatchObject({
        actorId: pi.userId,
        actorRole: 'investigator',
        newValue: { subjectId: id, meaning: 'approval', statement: signature.statement },
      });
      await expect(
        w.services.capture.sign(pi, id, { password: PASSWORD, meaning: 'review' }),
      ).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/is already signed and unchanged since$/),
      });
    });

    it('refuses a wrong password, and anyone but the subject’s investigator, signing nothing', async () => {
      const id = await subjectWithData(t);
      const before = await chainLength(t);
      await expect(
        w.services.capture.sign(pi, id, { password: 'not the password', meaning: 'approval' }),
      ).rejects.toMatchObject({ code: 'unauthenticated' });
      for (const caller of [crc, monitor, t.dm, t.investigators[1]!])
        await expect(
          w.services.capture.sign(caller, id, { password: PASSWORD, meaning: 'approval' }),
        ).rejects.toMatchObject({ code: 'forbidden', details: { action: 'casebook.sign' } });
      const book = await w.services.capture.casebook(crc, id);
      expect([book.signature, book.signatures]).toEqual([null, []]);
      expect(await chainLength(t)).toBe(before);
    });

    it('invalidates the signature on a later change, audited, and lets it be signed again', async () => {
      const id = await subjectWithData(t);
      const first = await w.services.capture.sign(pi, id, { password: PASSWORD, meaning: 'approval' });
      const { record: event } = await w.services.capture.recordAdverseEvent(crc, id, AE);
      let book = await w.services.capture.casebook(crc, id);
      expect(book.signature).toBeNull();
      expect(book.signatures).toEqual([
        expect.objectContaining({
          id: first.id,
          invalidatedAt: expect.any(Date),
          invalidatedReason: `the casebook changed (ae:${event.number})`,
        }),
      ]);
      expect(await auditOf(t, 'signature.invalidate', first.id)).toEqual([
        expect.objectContaining({
          actorId: crc.userId,
          oldValue: expect.objectContaining({ subjectId: id, signer: pi.displayName, valid: true }),
          newValue: { subjectId: id, valid: false },
          reason: `the casebook changed (ae:${event.number})`,
        }),
      ]);
      const second = await w.services.capture.sign(pi, id, { password: PASSWORD, meaning: 'review' });
      expect(second.statement).toContain(SIGNATURE_MEANINGS.review);
      // A change with a reason invalidates it as well.
      await w.services.capture.changeAdverseEvent(crc, event.id, {
        ...AE,
        endDate: ago(50),
        reasonForChange: 'The event lasted longer',
      });
      book = await w.services.capture.casebook(crc, id);
      expect(book.signature).toBeNull();
      expect(book.signatures.map((s) => [s.id, s.invalidatedAt !== null])).toEqual([
        [first.id, true],
        [second.id, true],
      ]);
    });

    it('has no casebook to sign for a screen failure', async () => {
      const failed = await w.services.subjects.screen(crc, t.studyId, {
        siteId: t.siteIds[0]!,
        answers: { ...eligibleNr(), hcvGenotype: '3' },
      });
      await expect(
        w.services.capture.sign(pi, failed.id, { password: PASSWORD, meaning: 'approval' }),
      ).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/no casebook to sign$/) });
    });
  });

  describe('database lock', () => {
    let t: Trial;
    let monitor: Caller;
    let crc: Caller;
    let pi: Caller;
    beforeAll(async () => {
      t = await nrTrial(w, { kitsPerDrug: 6 });
      [crc, pi] = [t.coordinators[0]!, t.investigators[0]!];
      monitor = await w.user([{ role: 'monitor', studyId: t.studyId }]);
    });

    it('is for the data manager only', async () => {
      for (const caller of [crc, pi, monitor, t.stat, t.supply]) {
        await expect(w.services.capture.lock(caller, t.studyId, { reason: 'done' })).rejects.toMatchObject({
          code: 'forbidden',
          details: { action: 'study.lock' },
        });
        await expect(
          w.services.capture.unlock(caller, t.studyId, { reason: 'a correction is needed' }),
        ).rejects.toMatchObject({ code: 'forbidden' });
      }
      await expect(
        w.services.capture.unlock(t.dm, t.studyId, { reason: 'a correction is needed' }),
      ).rejects.toMatchObject({ code: 'conflict', message: 'The study database is not locked' });
    });

    it('refuses every write after the lock, writing nothing, until an unlock with a reason', async () => {
      const id = await subjectWithData(t);
      const eligible = await w.services.subjects.screen(crc, t.studyId, {
        siteId: t.siteIds[0]!,
        answers: eligibleNr(),
        consentedOn: ago(130),
      });
      const { record: event } = await w.services.capture.recordAdverseEvent(crc, id, AE);
      await w.services.capture.recordDisposition(crc, id, {
        phase: 'MAIN',
        status: 'completed',
        date: ago(16),
      });
      const query = await w.services.queries.open(monitor, id, {
        form: 'visit:W12',
        field: 'HCVRNA.result',
        text: 'Please confirm',
      });
      const w12 = (await w.services.capture.casebook(crc, id)).results[0]!;

      const locked = await w.services.capture.lock(t.dm, t.studyId, { reason: 'Week-12 analysis' });
      expect(locked).toEqual({ status: 'locked' });
      expect((await auditOf(t, 'study.lock'))[0]).toMatchObject({
        actorId: t.dm.userId,
        actorRole: 'data_manager',
        oldValue: { status: 'active' },
        newValue: { status: 'locked' },
        reason: 'Week-12 analysis',
      });
      await expect(w.services.capture.lock(t.dm, t.studyId, {})).rejects.toMatchObject({
        code: 'conflict',
        message: 'The study database is already locked',
      });

      const before = [
        await chainLength(t),
        await w.services.capture.casebook(crc, id),
        await w.services.queries.list(t.dm, t.studyId),
        await w.services.subjects.list(t.dm, t.studyId),
      ];
      const writes: [string, () => Promise<unknown>][] = [
        ['visit', () => w.services.capture.recordVisit(crc, id, { visit: 'W4', date: ago(72) })],
        [
          'visit change',
          () =>
            w.services.capture.changeVisit(crc, id, 'W12', { date: ago(15), reasonForChange: 'correction' }),
        ],
        [
          'result',
          () =>
            w.services.capture.recordResult(crc, id, {
              visit: 'W4',
              collectedOn: ago(72),
              result: '<15',
              assay: ASSAY,
            }),
        ],
        [
          'result change',
          () =>
            w.services.capture.changeResult(crc, w12.id, {
              collectedOn: ago(16),
              result: '40000',
              assay: ASSAY,
              reasonForChange: 'correction',
            }),
        ],
        ['adverse event', () => w.services.capture.recordAdverseEvent(crc, id, AE)],
        [
          'adverse event change',
          () =>
            w.services.capture.changeAdverseEvent(crc, event.id, {
              ...AE,
              grade: 2,
              reasonForChange: 'correction',
            }),
        ],
        [
          'disposition',
          () =>
            w.services.capture.recordDisposition(crc, id, {
              phase: 'EXT',
              status: 'completed',
              date: ago(1),
            }),
        ],
        [
          'disposition change',
          () =>
            w.services.capture.changeDisposition(crc, id, 'MAIN', {
              status: 'completed',
              date: ago(15),
              reasonForChange: 'correction',
            }),
        ],
        [
          'query open',
          () => w.services.queries.open(monitor, id, { form: 'visit:D0', field: 'visitDate', text: 'Check' }),
        ],
        ['query answer', () => w.services.queries.answer(crc, query.id, { text: 'Confirmed' })],
        ['query close', () => w.services.queries.close(monitor, query.id, { text: 'Fine' })],
        ['sdv', () => w.services.capture.verifySource(monitor, id, { form: 'visit:W12', verified: true })],
        ['signature', () => w.services.capture.sign(pi, id, { password: PASSWORD, meaning: 'approval' })],
        [
          'screening',
          () => w.services.subjects.screen(crc, t.studyId, { siteId: t.siteIds[0]!, answers: eligibleNr() }),
        ],
        [
          'randomization',
          () => w.services.randomization.randomize(crc, eligible.id, { requestId: randomUUID(), levels: {} }),
        ],
        [
          'extension election',
          () => w.services.randomization.electExtension(crc, id, { option: 'CONTINUE' }),
        ],
        ['dispensing', () => w.services.randomization.dispense(crc, id, { visit: 'W4' })],
      ];
      for (const [what, write] of writes)
        await expect(write(), what).rejects.toMatchObject({
          code: 'study_locked',
          message: 'The study database is locked: no changes are accepted',
        });
      // Reads go on.
      expect([
        await chainLength(t),
        await w.services.capture.casebook(crc, id),
        await w.services.queries.list(t.dm, t.studyId),
        await w.services.subjects.list(t.dm, t.studyId),
      ]).toEqual(before);

      expect(unlockSchema.safeParse({}).error?.issues[0]).toMatchObject({
        path: ['reason'],
        message: 'is required to unlock',
      });
      expect(unlockSchema.safeParse({ reason: 'oops' }).error?.issues[0]?.message).toBe(
        'must say why, in at least 10 characters',
      );
      const reason = 'Late query answer from site S1 to be entered';
      expect(await w.services.capture.unlock(t.dm, t.studyId, { reason })).toEqual({ status: 'active' });
      expect((await auditOf(t, 'study.unlock'))[0]).toMatchObject({
        oldValue: { status: 'locked' },
        newValue: { status: 'active' },
        reason,
      });

      // Writes work again.
      await w.services.queries.answer(crc, query.id, { text: 'Confirmed against the lab report' });
      expect((await w.services.queries.close(monitor, query.id, { text: 'Fine' })).status).toBe('closed');
      expect(
        (await w.services.capture.recordVisit(crc, id, { visit: 'W4', date: ago(72) })).record.visit,
      ).toBe('W4');
      const allocation = await w.services.randomization.randomize(crc, eligible.id, {
        requestId: randomUUID(),
        levels: {},
      });
      expect(allocation.randomizationNumber).toBe(1002);
      // And it can be locked again.
      expect(await w.services.capture.lock(t.dm, t.studyId, {})).toEqual({ status: 'locked' });
      await expect(
        w.services.capture.recordVisit(crc, id, { visit: 'W8', date: ago(44) }),
      ).rejects.toMatchObject({ code: 'study_locked' });
    });

    it('lets no write in flight commit after the lock', async () => {
      const own = await nrTrial(w, { kitsPerDrug: 3 });
      const id = await subjectWithData(own);
      const entries = Array.from({ length: 8 }, (_, i) =>
        w.services.capture.recordAdverseEvent(own.coordinators[0]!, id, {
          ...AE,
          verbatimTerm: `Event ${i}`,
        }),
      );
      const lock = w.services.capture.lock(own.dm, own.studyId, { reason: 'Concurrent lock' });
      const outcomes = await Promise.allSettled([...entries, lock]);
      expect(outcomes.at(-1)).toMatchObject({ status: 'fulfilled', value: { status: 'locked' } });
      const saved = outcomes.slice(0, -1).filter((o) => o.status === 'fulfilled').length;
      for (const o of outcomes.slice(0, -1))
        if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'study_locked' });
      const book = await w.services.capture.casebook(own.coordinators[0]!, id);
      // The writes that made it were numbered one after another, none twice.
      expect(book.adverseEvents.map((a) => a.number)).toEqual(Array.from({ length: saved }, (_, i) => i + 1));
      const [locked] = await auditOf(own, 'study.lock');
      const created = await auditOf(own, 'adverse_event.create');
      expect(created).toHaveLength(saved);
      expect(created.every((e) => e.seq < locked!.seq)).toBe(true);
    });
  });
});
