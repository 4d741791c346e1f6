import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayUtc } from '../../src/core/capture/dates.js';
import { openQuerySchema } from '../../src/services/capture/capture.schemas.js';
import type { Caller } from '../../src/services/index.js';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { world, type World } from '../support/fixtures.js';
import { eligibleNr, nrTrial, type Trial } from '../support/trial.js';

const ago = (days: number): string => addDays(todayUtc(), -days);
const ASSAY = 'COBAS TaqMan HCV v2';

/** Queries on data points: one study with two sites per engine, shared by the tests. */
describe.each(engines())('queries on $name', (engine) => {
  let database: Database;
  let w: World;
  let t: Trial;
  let monitorA: Caller;
  let monitorB: Caller;
  let crcA: Caller;
  let crcB: Caller;
  /** A subject at each site, with day 0 and week 12 recorded (and a week-12 result at site A). */
  let subjectA: string;
  let subjectB: string;

  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
    t = await nrTrial(w, { sites: 2, kitsPerDrug: 6 });
    [crcA, crcB] = t.coordinators as [Caller, Caller];
    [monitorA, monitorB] = await Promise.all([
      w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[0]! }], `monitor-a-${randomUUID()}`),
      w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[1]! }], `monitor-b-${randomUUID()}`),
    ]);
    const enrol = async (site: number) => {
      const crc = t.coordinators[site]!;
      const subject = await w.services.subjects.screen(crc, t.studyId, {
        siteId: t.siteIds[site]!,
        answers: eligibleNr(),
        consentedOn: ago(130),
      });
      await w.services.randomization.randomize(crc, subject.id, { requestId: randomUUID(), levels: {} });
      await w.services.capture.recordVisit(crc, subject.id, { visit: 'D0', date: ago(100) });
      await w.services.capture.recordVisit(crc, subject.id, { visit: 'W12', date: ago(16) });
      return subject.id;
    };
    subjectA = await enrol(0);
    subjectB = await enrol(1);
    await w.services.capture.recordResult(crcA, subjectA, {
      visit: 'W12',
      collectedOn: ago(16),
      result: '1,200,000',
      assay: ASSAY,
    });
  });
  afterAll(() => database.close());

  const chainLength = () => w.store.read(async (r) => (await r.audit.chains([t.studyId]))[0]?.lastSeq);
  const queriesOf = (subjectId: string) => w.store.read((r) => r.queries.list(t.studyId, { subjectId }));
  const openOn = (caller: Caller, subjectId: string, form = 'visit:W12', field = 'HCVRNA.result') =>
    w.services.queries.open(caller, subjectId, {
      form,
      field,
      text: 'Please confirm against the lab report',
    });

  it('lets the monitor open a query on a data point, audited, with the thread', async () => {
    const q = await openOn(monitorA, subjectA);
    expect(q).toEqual({
      id: expect.any(String),
      studyId: t.studyId,
      subjectId: subjectA,
      siteId: t.siteIds[0],
      screeningNumber: 'S1-S001',
      form: 'visit:W12',
      field: 'HCVRNA.result',
      origin: 'manual',
      check: null,
      status: 'open',
      text: 'Please confirm against the lab report',
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
      messages: [
        {
          kind: 'open',
          text: 'Please confirm against the lab report',
          authorName: monitorA.displayName,
          authorRole: 'monitor',
          at: expect.any(Date),
        },
      ],
    });
    const [entry] = await w.services.audit.list(t.dm, {
      studyId: t.studyId,
      action: 'query.open',
      entityId: q.id,
      limit: 10,
    });
    expect(entry).toMatchObject({
      actorId: monitorA.userId,
      actorRole: 'monitor',
      entityType: 'query',
      newValue: {
        subjectId: subjectA,
        form: 'visit:W12',
        field: 'HCVRNA.result',
        origin: 'manual',
        check: null,
        status: 'open',
        text: 'Please confirm against the lab report',
      },
    });
    // The data manager may open queries too, on any site's subject; and on a visit's date.
    expect((await openOn(t.dm, subjectB, 'visit:D0', 'visitDate')).messages[0]?.authorRole).toBe(
      'data_manager',
    );
  });

  it('refuses a query on a form without data, a form the study lacks, or a field the form lacks', async () => {
    const before = [await chainLength(), await queriesOf(subjectA)];
    await expect(openOn(monitorA, subjectA, 'visit:W16', 'visitDate')).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(
        /^Form visit:W16 of S1-S001 \(no data is recorded on it\) was not found$/,
      ),
    });
    await expect(openOn(monitorA, subjectA, 'ae:1', 'grade')).rejects.toMatchObject({ code: 'not_found' });
    await expect(openOn(monitorA, subjectA, 'visit:W13', 'visitDate')).rejects.toMatchObject({
      code: 'validation',
      details: { issues: [{ path: 'form', message: 'not a form of the protocol' }] },
    });
    await expect(openOn(monitorA, subjectA, 'disposition:FOLLOWUP', 'reason')).rejects.toMatchObject({
      code: 'validation',
      details: { issues: [{ path: 'form' }] },
    });
    await expect(openOn(monitorA, subjectA, 'visit:W12', 'HCVRNA.colour')).rejects.toMatchObject({
      code: 'validation',
      message: 'HCVRNA.colour is not a field of visit:W12',
      details: {
        issues: [
          {
            path: 'field',
            message:
              'not a field of the form (known: visitDate, HCVRNA.result, HCVRNA.collectedOn, HCVRNA.unit, HCVRNA.lloq, HCVRNA.assay)',
          },
        ],
      },
    });
    await expect(openOn(monitorA, randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    expect([await chainLength(), await queriesOf(subjectA)]).toEqual(before);
    // The shape of form and field is checked at the edge, naming the field.
    const parsed = openQuerySchema.safeParse({ form: 'visit W12', field: 'HCVRNA result', text: '' });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['form', 'field', 'text']);
  });

  it('lets the site answer and the monitor close, keeping the whole thread in order, audited', async () => {
    const q = await openOn(monitorA, subjectA, 'visit:W12', 'visitDate');
    const answered = await w.services.queries.answer(crcA, q.id, {
      text: 'Visit date checked against the chart',
    });
    expect(answered.status).toBe('answered');
    const reopened = await w.services.queries.reopen(monitorA, q.id, {
      text: 'The chart says the day before?',
    });
    expect(reopened.status).toBe('open');
    await w.services.queries.answer(t.investigators[0]!, q.id, {
      text: 'No: the chart is right, see page 3',
    });
    const closed = await w.services.queries.close(monitorA, q.id, { text: 'Confirmed' });
    expect(closed.status).toBe('closed');
    expect(closed.messages.map((m) => [m.kind, m.text, m.authorName, m.authorRole])).toEqual([
      ['open', 'Please confirm against the lab report', monitorA.displayName, 'monitor'],
      ['answer', 'Visit date checked against the chart', crcA.displayName, 'site_coordinator'],
      ['reopen', 'The chart says the day before?', monitorA.displayName, 'monitor'],
      ['answer', 'No: the chart is right, see page 3', t.investigators[0]!.displayName, 'investigator'],
      ['close', 'Confirmed', monitorA.displayName, 'monitor'],
    ]);
    const times = closed.messages.map((m) => m.at.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const trail = await w.services.audit.list(t.dm, { studyId: t.studyId, entityId: q.id, limit: 100 });
    expect(trail.map((e) => [e.action, e.actorRole, e.oldValue, e.newValue])).toEqual([
      ['query.open', 'monitor', null, expect.objectContaining({ status: 'open' })],
      [
        'query.answer',
        'site_coordinator',
        { status: 'open' },
        { status: 'answered', text: 'Visit date checked against the chart' },
      ],
      [
        'query.reopen',
        'monitor',
        { status: 'answered' },
        { status: 'open', text: 'The chart says the day before?' },
      ],
      [
        'query.answer',
        'investigator',
        { status: 'open' },
        { status: 'answered', text: 'No: the chart is right, see page 3' },
      ],
      ['query.close', 'monitor', { status: 'answered' }, { status: 'closed', text: 'Confirmed' }],
    ]);
  });

  it('allows each step only from its state', async () => {
    const q = await openOn(monitorA, subjectA);
    await expect(w.services.queries.reopen(monitorA, q.id, { text: 'again' })).rejects.toMatchObject({
      code: 'conflict',
      message: 'The query is open: it cannot be reopened',
      details: { status: 'open' },
    });
    await w.services.queries.answer(crcA, q.id, { text: 'Checked' });
    await expect(w.services.queries.answer(crcA, q.id, { text: 'Checked twice' })).rejects.toMatchObject({
      code: 'conflict',
      message: 'The query is answered: it cannot be answered',
    });
    await w.services.queries.close(monitorA, q.id, { text: 'Thanks' });
    for (const step of [
      () => w.services.queries.answer(crcA, q.id, { text: 'late' }),
      () => w.services.queries.reopen(monitorA, q.id, { text: 'late' }),
      () => w.services.queries.close(monitorA, q.id, { text: 'late' }),
    ])
      await expect(step()).rejects.toMatchObject({ code: 'conflict', details: { status: 'closed' } });
    expect((await w.services.queries.get(monitorA, q.id)).messages).toHaveLength(3);
    // A query raised in error may be closed before any answer.
    const mistaken = await openOn(monitorA, subjectA);
    expect((await w.services.queries.close(monitorA, mistaken.id, { text: 'Raised in error' })).status).toBe(
      'closed',
    );
    await expect(w.services.queries.answer(crcA, randomUUID(), { text: 'x' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('refuses each step to the wrong role and to another site', async () => {
    const q = await openOn(monitorA, subjectA);
    const before = [await chainLength(), await w.services.queries.get(monitorA, q.id)];
    const refusals: [() => Promise<unknown>, string][] = [
      [() => openOn(crcA, subjectA), 'query.open'],
      [() => openOn(monitorB, subjectA), 'query.open'],
      [() => w.services.queries.close(crcA, q.id, { text: 'closing my own' }), 'query.close'],
      [() => w.services.queries.answer(monitorA, q.id, { text: 'answering for the site' }), 'query.answer'],
      [() => w.services.queries.answer(crcB, q.id, { text: 'other site' }), 'query.answer'],
      [() => w.services.queries.answer(t.dm, q.id, { text: 'data manager' }), 'query.answer'],
      [() => w.services.queries.close(monitorB, q.id, { text: 'other site' }), 'query.close'],
      [() => w.services.queries.get(monitorB, q.id), 'query.read'],
      [() => w.services.queries.get(t.supply, q.id), 'query.read'],
    ];
    for (const [attempt, action] of refusals)
      await expect(attempt(), action).rejects.toMatchObject({ code: 'forbidden', details: { action } });
    expect([await chainLength(), await w.services.queries.get(monitorA, q.id)]).toEqual(before);
  });

  it('lists queries by status and subject, each caller only at their sites', async () => {
    const onB = await openOn(monitorB, subjectB, 'visit:W12', 'visitDate');
    const all = await w.services.queries.list(t.dm, t.studyId);
    expect(new Set(all.map((q) => q.subjectId))).toEqual(new Set([subjectA, subjectB]));
    const createdOrder = all.map((q) => q.createdAt.getTime());
    expect([...createdOrder].sort((a, b) => a - b)).toEqual(createdOrder);
    for (const [caller, subject] of [
      [monitorA, subjectA],
      [crcA, subjectA],
      [monitorB, subjectB],
      [crcB, subjectB],
    ] as const) {
      const seen = await w.services.queries.list(caller, t.studyId);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((q) => q.subjectId === subject)).toBe(true);
      expect(seen.every((q) => q.messages.length > 0 && q.screeningNumber !== '')).toBe(true);
    }
    // Another site's subject as a filter gives nothing, rather than that site's queries.
    expect(await w.services.queries.list(monitorA, t.studyId, { subjectId: subjectB })).toEqual([]);
    const closed = await w.services.queries.list(t.dm, t.studyId, { status: 'closed' });
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.every((q) => q.status === 'closed')).toBe(true);
    const openB = await w.services.queries.list(t.dm, t.studyId, { status: 'open', subjectId: subjectB });
    expect(openB.map((q) => q.id)).toContain(onB.id);
    expect(openB.every((q) => q.status === 'open' && q.subjectId === subjectB)).toBe(true);
    expect(openB[0]?.screeningNumber).toBe('S2-S001');
    await expect(w.services.queries.list(t.supply, t.studyId)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(w.services.queries.list(t.dm, randomUUID())).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('routes a query an edit check opened to the site and back to the monitor', async () => {
    // Week 8 recorded 5 days late: the window check opens a query, as the system.
    const { queries } = await w.services.capture.recordVisit(crcA, subjectA, { visit: 'W8', date: ago(34) });
    const [q] = queries;
    expect(q).toMatchObject({ origin: 'edit_check', check: 'WINDOW', status: 'open' });
    const answered = await w.services.queries.answer(crcA, q!.id, {
      text: 'The subject was travelling: visit done on return',
    });
    expect(answered.messages.map((m) => [m.kind, m.authorName, m.authorRole])).toEqual([
      ['open', 'edit check WINDOW', 'system'],
      ['answer', crcA.displayName, 'site_coordinator'],
    ]);
    expect((await w.services.queries.close(monitorA, q!.id, { text: 'Deviation noted' })).status).toBe(
      'closed',
    );
    const [entry] = await w.services.audit.list(t.dm, {
      studyId: t.studyId,
      action: 'query.open',
      entityId: q!.id,
      limit: 10,
    });
    // The edit check's query is recorded under the user whose entry triggered it.
    expect(entry).toMatchObject({
      actorId: crcA.userId,
      newValue: { origin: 'edit_check', check: 'WINDOW', field: 'visitDate' },
    });
  });
});
