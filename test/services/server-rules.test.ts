import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todayUtc } from '../../src/core/capture/dates.js';
import type { Caller } from '../../src/services/index.js';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { PASSWORD, world, type World } from '../support/fixtures.js';
import { completeMainPhase, eligibleNr, nrTrial, screenAndRandomize, type Trial } from '../support/trial.js';

const AE = {
  verbatimTerm: 'Headache',
  grade: 1,
  serious: false,
  relatedness: { CELGOSIVIR: 'not_related', PEGIFN: 'possible', RBV: 'not_related' },
  onsetDate: todayUtc(),
  outcome: 'recovering',
  actionTaken: 'none',
} as const;

/**
 * Every condition the web app checks before it offers an action, refused by the server when the call
 * comes anyway: a typed error whose message names the rule, and nothing written (the study's audit
 * chain does not grow). One test per condition; docs/reference/data-capture.md lists them.
 */
describe.each(engines())('the web app’s rules, enforced by the server on $name', (engine) => {
  let database: Database;
  let w: World;
  let t: Trial;
  let crc: Caller;
  let pi: Caller;
  let monitor: Caller;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
    // Many subjects are randomized here: stock enough of each content that no arm ever runs out (the
    // split of a masked drug is random, and a site that could not serve every arm refuses).
    t = await nrTrial(w, { kitsPerDrug: 90 });
    [crc, pi] = [t.coordinators[0]!, t.investigators[0]!];
    monitor = await w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[0]! }]);
  });
  afterAll(() => database.close());

  const chainLength = (studyId = t.studyId) =>
    w.store.read(async (r) => (await r.audit.chains([studyId]))[0]?.lastSeq);

  /** The call is refused with `code` and a message matching `message`, and writes nothing. */
  async function refuses(write: () => Promise<unknown>, code: string, message: RegExp): Promise<void> {
    const before = await chainLength();
    await expect(write()).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(await chainLength()).toBe(before);
  }

  const randomized = async (): Promise<string> => (await screenAndRandomize(w, t)).subject.id;
  const eligible = async (): Promise<string> =>
    (await w.services.subjects.screen(crc, t.studyId, { siteId: t.siteIds[0]!, answers: eligibleNr() })).id;
  const screenFailed = async (): Promise<string> =>
    (
      await w.services.subjects.screen(crc, t.studyId, {
        siteId: t.siteIds[0]!,
        answers: { ...eligibleNr(), hcvGenotype: '3' },
      })
    ).id;
  const elect = (id: string, option = 'CONTINUE') =>
    w.services.randomization.electExtension(crc, id, { option });

  describe('randomization and kits (Randomization section)', () => {
    it('randomizes only an eligible subject: not a screen failure', async () => {
      const id = await screenFailed();
      await refuses(
        () => w.services.randomization.randomize(crc, id, { requestId: randomUUID(), levels: {} }),
        'conflict',
        /is not eligible \(screen failure\): it cannot be randomized$/,
      );
    });

    it('randomizes a subject once', async () => {
      const id = await randomized();
      await refuses(
        () => w.services.randomization.randomize(crc, id, { requestId: randomUUID(), levels: {} }),
        'conflict',
        /is already randomized \(number \d+\)$/,
      );
    });

    it('dispenses only to a randomized subject', async () => {
      const id = await eligible();
      await refuses(
        () => w.services.randomization.dispense(crc, id, { visit: 'W4' }),
        'conflict',
        /is not randomized: nothing to dispense$/,
      );
    });

    it('dispenses the randomization visit’s kits only with the randomization', async () => {
      const id = await randomized();
      await refuses(
        () => w.services.randomization.dispense(crc, id, { visit: 'D0' }),
        'conflict',
        /^Kits for D0 are dispensed at randomization$/,
      );
    });

    it('dispenses a visit once', async () => {
      const id = await randomized();
      await w.services.randomization.dispense(crc, id, { visit: 'W4' });
      await refuses(
        () => w.services.randomization.dispense(crc, id, { visit: 'W4' }),
        'conflict',
        /^Kits for W4 were already dispensed to /,
      );
    });

    it('dispenses only at a dispensing visit of the protocol', async () => {
      const id = await randomized();
      await refuses(
        () => w.services.randomization.dispense(crc, id, { visit: 'W1' }),
        'validation',
        /^No kits are dispensed at W1$/,
      );
    });

    it('dispenses an extension visit only after the election', async () => {
      const id = await randomized();
      await refuses(
        () => w.services.randomization.dispense(crc, id, { visit: 'W16' }),
        'conflict',
        /has not elected the extension to 48 weeks: record the election first$/,
      );
    });
  });

  describe('the extension election (Extension section)', () => {
    it('is made only by a randomized subject', async () => {
      const id = await eligible();
      await refuses(() => elect(id), 'conflict', /: the subject is not randomized$/);
    });

    it('is made only once the main phase is recorded as completed', async () => {
      const id = await randomized();
      await refuses(
        () => elect(id, 'SWITCH'),
        'conflict',
        /^No extension election for S1-S\d{3}: the extension is elected only after the 12-week randomized treatment is completed: record the MAIN disposition as completed first$/,
      );
    });

    it('is not made after a discontinuation of the main phase', async () => {
      const id = await randomized();
      await w.services.capture.recordDisposition(crc, id, {
        phase: 'MAIN',
        status: 'discontinued',
        date: todayUtc(),
        reason: 'withdrawal_by_subject',
      });
      await refuses(
        () => elect(id),
        'conflict',
        /: the subject discontinued the 12-week randomized treatment: there is no extension for them$/,
      );
    });

    it('is made once, and is final', async () => {
      const id = await randomized();
      await completeMainPhase(w, t, id);
      expect(await elect(id, 'SWITCH')).toEqual({ phase: 'EXT', option: 'SWITCH' });
      await refuses(
        () => elect(id, 'CONTINUE'),
        'conflict',
        /: the subject has already made the EXT election \(it is final\)$/,
      );
    });

    it('keeps the main phase completed once the extension is elected (the election rests on it)', async () => {
      const id = await randomized();
      await completeMainPhase(w, t, id);
      await elect(id);
      await refuses(
        () =>
          w.services.capture.changeDisposition(crc, id, 'MAIN', {
            status: 'discontinued',
            date: todayUtc(),
            reason: 'adverse_event',
            relatedDrug: 'PEGIFN',
            reasonForChange: 'Entered as completed by mistake',
          }),
        'conflict',
        /^The MAIN disposition of S1-S\d{3} stays: the subject elected the extension to 48 weeks on completing the 12-week randomized treatment: that completion cannot become a discontinuation$/,
      );
      // A correction that keeps it completed (here, a detail) is still a change like any other.
      const changed = await w.services.capture.changeDisposition(crc, id, 'MAIN', {
        status: 'completed',
        date: todayUtc(),
        detail: 'Completed the 12 weeks on schedule',
        reasonForChange: 'Detail added from the source',
      });
      expect(changed.record).toMatchObject({
        phase: 'MAIN',
        status: 'completed',
        detail: expect.any(String),
      });
    });
  });

  describe('dispositions, visits and adverse events (casebook sections)', () => {
    it('records a disposition only for a randomized subject', async () => {
      const id = await eligible();
      await refuses(
        () =>
          w.services.capture.recordDisposition(crc, id, {
            phase: 'MAIN',
            status: 'completed',
            date: todayUtc(),
          }),
        'conflict',
        /is not randomized: no disposition is recorded$/,
      );
    });

    it('records the extension’s disposition only after the election', async () => {
      const id = await randomized();
      await completeMainPhase(w, t, id);
      await refuses(
        () =>
          w.services.capture.recordDisposition(crc, id, {
            phase: 'EXT',
            status: 'completed',
            date: todayUtc(),
          }),
        'conflict',
        /has not entered the extension to 48 weeks: record the election first$/,
      );
    });

    it('takes visits and results of the extension only after the election', async () => {
      const id = await randomized();
      await refuses(
        () => w.services.capture.recordVisit(crc, id, { visit: 'W16', date: todayUtc() }),
        'conflict',
        /^No data can be recorded at W16 for S1-S\d{3}: the subject has not elected the extension to 48 weeks: record the election first$/,
      );
      await refuses(
        () =>
          w.services.capture.recordResult(crc, id, {
            visit: 'W16',
            collectedOn: todayUtc(),
            result: '2,000',
            assay: 'COBAS',
          }),
        'conflict',
        /^No data can be recorded at W16 for S1-S\d{3}: the subject has not elected/,
      );
    });

    it('takes no data for a screen failure', async () => {
      const id = await screenFailed();
      await refuses(
        () => w.services.capture.recordVisit(crc, id, { visit: 'SCR', date: todayUtc() }),
        'conflict',
        /: the subject failed screening: no study data is recorded$/,
      );
    });

    it('takes data from day 0 on only for a randomized subject', async () => {
      const id = await eligible();
      await refuses(
        () => w.services.capture.recordVisit(crc, id, { visit: 'D0', date: todayUtc() }),
        'conflict',
        /: the subject is not randomized: D0 is on or after day 0$/,
      );
    });

    it('records an adverse event only for a randomized subject', async () => {
      const id = await eligible();
      await refuses(
        () => w.services.capture.recordAdverseEvent(crc, id, AE),
        'conflict',
        /is not randomized: no adverse event is recorded$/,
      );
    });
  });

  describe('queries, verification and signature (review sections)', () => {
    /** A randomized subject with the D0 visit recorded: one form holds data. */
    const withD0 = async (): Promise<string> => {
      const id = await randomized();
      await w.services.capture.recordVisit(crc, id, { visit: 'D0', date: todayUtc() });
      return id;
    };

    it('raises a query only on a form that holds data', async () => {
      const id = await randomized();
      await refuses(
        () => w.services.queries.open(monitor, id, { form: 'visit:W4', field: 'visitDate', text: 'Date?' }),
        'not_found',
        /\(no data is recorded on it\) was not found$/,
      );
    });

    it('takes each step of a query only from the states the page offers it in', async () => {
      const id = await withD0();
      const q = await w.services.queries.open(monitor, id, {
        form: 'visit:D0',
        field: 'visitDate',
        text: 'Please confirm the date',
      });
      // Open: no re-open. Answered: no second answer. Closed: nothing.
      await refuses(
        () => w.services.queries.reopen(monitor, q.id, { text: 'Again' }),
        'conflict',
        /^The query is open: it cannot be reopened$/,
      );
      await w.services.queries.answer(crc, q.id, { text: 'Confirmed from the source' });
      await refuses(
        () => w.services.queries.answer(crc, q.id, { text: 'Again' }),
        'conflict',
        /^The query is answered: it cannot be answered$/,
      );
      await w.services.queries.close(monitor, q.id, { text: 'Thank you' });
      await refuses(
        () => w.services.queries.close(monitor, q.id, { text: 'Again' }),
        'conflict',
        /^The query is closed: it cannot be closed$/,
      );
      await refuses(
        () => w.services.queries.answer(crc, q.id, { text: 'Again' }),
        'conflict',
        /^The query is closed: it cannot be answered$/,
      );
    });

    it('verifies only a form that holds data, and toggles verification, never repeats it', async () => {
      const id = await withD0();
      await refuses(
        () => w.services.capture.verifySource(monitor, id, { form: 'visit:W4', verified: true }),
        'not_found',
        /^Form visit:W4 of S1-S\d{3} was not found$/,
      );
      await refuses(
        () => w.services.capture.verifySource(monitor, id, { form: 'visit:D0', verified: false }),
        'conflict',
        /^visit:D0 is already unverified$/,
      );
    });

    it('signs only a casebook that holds data', async () => {
      const id = await randomized();
      await refuses(
        () => w.services.capture.sign(pi, id, { password: PASSWORD, meaning: 'approval' }),
        'conflict',
        /^The casebook of S1-S\d{3} holds no data yet: there is nothing to sign$/,
      );
      await w.services.capture.recordVisit(crc, id, { visit: 'D0', date: todayUtc() });
      expect(
        await w.services.capture.sign(pi, id, { password: PASSWORD, meaning: 'approval' }),
      ).toMatchObject({ subjectId: id, meaning: 'approval' });
    });

    it('signs no screen failure, and a signed casebook not again until it changes', async () => {
      const failed = await screenFailed();
      await refuses(
        () => w.services.capture.sign(pi, failed, { password: PASSWORD, meaning: 'approval' }),
        'conflict',
        /failed screening: there is no casebook to sign$/,
      );
      const id = await withD0();
      await w.services.capture.sign(pi, id, { password: PASSWORD, meaning: 'approval' });
      await refuses(
        () => w.services.capture.sign(pi, id, { password: PASSWORD, meaning: 'review' }),
        'conflict',
        /is already signed and unchanged since$/,
      );
    });
  });

  describe('supply and accounts', () => {
    it('receives a shipment once (only one in transit is offered)', async () => {
      const { shipment } = await w.services.supply.ship(t.supply, t.studyId, {
        siteId: t.siteIds[0]!,
        kits: [{ drug: 'PEGIFN', count: 1 }],
      });
      await w.services.supply.receive(crc, shipment.id, { damagedKitNumbers: [] });
      await refuses(
        () => w.services.supply.receive(crc, shipment.id, { damagedKitNumbers: [] }),
        'conflict',
        /^The shipment was already received$/,
      );
    });

    it('revokes a role only with a reason', async () => {
      const admin = await w.admin();
      const user = await w.user([]);
      const grant = await w.services.users.grant(admin, user.userId, {
        role: 'monitor',
        studyId: t.studyId,
        siteId: t.siteIds[0]!,
      });
      const before = await chainLength('global');
      await expect(w.services.users.revoke(admin, grant.id, '  ')).rejects.toMatchObject({
        code: 'validation',
        message: 'A revocation needs a reason',
        details: { issues: [{ path: 'reason', message: 'is required: it is kept in the audit trail' }] },
      });
      expect(await chainLength('global')).toBe(before);
      expect((await w.services.users.grants(admin, user.userId)).map((g) => g.id)).toContain(grant.id);
    });
  });

  describe('the database lock (Database page)', () => {
    it('locks an open database and unlocks a locked one only; while locked, every write is refused', async () => {
      const own = await nrTrial(w, { kitsPerDrug: 6 });
      const id = (await screenAndRandomize(w, own)).subject.id;
      const lengthOf = () => chainLength(own.studyId);
      let before = await lengthOf();
      await expect(
        w.services.capture.unlock(own.dm, own.studyId, { reason: 'Nothing to unlock here' }),
      ).rejects.toMatchObject({ code: 'conflict', message: 'The study database is not locked' });
      expect(await lengthOf()).toBe(before);
      await w.services.capture.lock(own.dm, own.studyId, {});
      before = await lengthOf();
      await expect(w.services.capture.lock(own.dm, own.studyId, {})).rejects.toMatchObject({
        code: 'conflict',
        message: 'The study database is already locked',
      });
      await expect(
        w.services.capture.recordVisit(own.coordinators[0]!, id, { visit: 'D0', date: todayUtc() }),
      ).rejects.toMatchObject({ code: 'study_locked' });
      expect(await lengthOf()).toBe(before);
    });
  });
});
