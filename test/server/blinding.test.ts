import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, type Action } from '../../src/core/auth/permissions.js';
import type { Role } from '../../src/core/auth/roles.js';
import { engines } from '../support/engines.js';
import { PASSWORD } from '../support/fixtures.js';
import { eligibleNr } from '../support/trial.js';
import {
  enroll,
  openServer,
  openTrial,
  SITE_ROLES,
  userOf,
  type Call,
  type HttpTrial,
  type TestServer,
  type TestUser,
  type TrialSite,
} from './support.js';

const ARM_CODES = ['TRIPLE', 'DOUBLE', 'CONTROL'] as const;
const ARM_NAMES = [
  'Celgosivir + peginterferon alfa-2b + ribavirin',
  'Celgosivir + peginterferon alfa-2b',
  'Celgosivir placebo + peginterferon alfa-2b + ribavirin',
];

/** Objects anywhere in a JSON value that describe a CELGOSIVIR kit and say what it holds. */
function maskedContents(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(maskedContents);
  if (value === null || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  const own = o.drug === 'CELGOSIVIR' && 'content' in o ? [o] : [];
  return [...own, ...Object.values(o).flatMap(maskedContents)];
}

/**
 * Asserts a response tells a blinded caller nothing of the masked allocation: no arm code or name, no
 * arm field, and no content (active or placebo) of a CELGOSIVIR kit, in the raw body.
 */
function expectBlinded(label: string, res: LightMyRequestResponse): void {
  const body = res.body;
  for (const text of [...ARM_CODES, ...ARM_NAMES]) expect(body, `${label}: ${body}`).not.toContain(text);
  expect(body, label).not.toMatch(/placebo/i);
  expect(body, label).not.toMatch(/"(arm|armName|currentArm|treatments|stratum|slot)"\s*:/);
  expect(body, label).not.toMatch(/"drug":"CELGOSIVIR"[^{}]*"content"/);
  expect(body, label).not.toMatch(/CELGOSIVIR:(active|placebo)/);
  if (body.length > 0 && String(res.headers['content-type']).startsWith('application/json'))
    expect(maskedContents(JSON.parse(body)), label).toEqual([]);
}

interface Enrolled {
  readonly id: string;
  readonly site: number;
  readonly requestId: string;
}

/** What the unblinded statistician sees of an allocation. */
interface UnblindedAllocation {
  subjectId: string;
  randomizationNumber: number;
  arm: string;
  armName: string;
  currentArm: string;
  stratum: string;
  kits: { kitNumber: string; drug: string }[];
}

/** The blinded roles, each with a user of the trial (site roles at site A). */
const BLINDED: readonly Role[] = [
  'site_coordinator',
  'investigator',
  'monitor',
  'data_manager',
  'drug_supply_manager',
  'central_lab',
  'partner_reviewer',
  'admin',
];

describe.each(engines())('blinding over HTTP on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let A: TrialSite;
  let B: TrialSite;
  /** Randomized subjects: six at site A (every arm among them), one at site B. */
  const enrolled: Enrolled[] = [];
  /** Every response a blinded caller got while the trial was run, by what it was. */
  const writes: { label: string; res: LightMyRequestResponse }[] = [];
  /** The arm of each subject, learnt from the statistician only to choose elections. */
  let armOf: Map<string, UnblindedAllocation>;
  /** Two SWITCH elections: from the arm switched to (a no-op) and from another arm. */
  let switchFromTriple: LightMyRequestResponse;
  let switchFromOther: LightMyRequestResponse;
  let unblinding: { subjectId: string; res: LightMyRequestResponse };

  const call = (c: Call) => s.call(c);
  const record = async (label: string, c: Call): Promise<LightMyRequestResponse> => {
    const res = await call(c);
    writes.push({ label, res });
    return res;
  };
  const post = (label: string, user: TestUser, url: string, body: unknown) =>
    record(label, { method: 'POST', url, token: user.token, body });

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { sites: 2, kitsPerDrug: 36 });
    [A, B] = t.sites as [TrialSite, TrialSite];

    // Six subjects at A: with blocks of 3 or 6 every arm is among them. Callers alternate.
    for (let i = 0; i < 6; i++) {
      const screened = await post('screen', A.coordinator, `/api/studies/${t.id}/subjects`, {
        siteId: A.id,
        answers: eligibleNr(),
      });
      expect(screened.statusCode, screened.body).toBe(201);
      const id = screened.json<{ id: string }>().id;
      const requestId = randomUUID();
      const who = i % 2 === 0 ? A.coordinator : A.investigator;
      const res = await post(`randomize #${i}`, who, `/api/subjects/${id}/randomize`, { requestId });
      expect(res.statusCode, res.body).toBe(201);
      enrolled.push({ id, site: 0, requestId });
    }
    const atB = await enroll(s, t, 1);
    enrolled.push({ id: atB.subject.id, site: 1, requestId: atB.requestId });

    const first = enrolled[0]!;
    const replay = await post('replayed randomize', A.investigator, `/api/subjects/${first.id}/randomize`, {
      requestId: first.requestId,
    });
    expect(replay.statusCode, replay.body).toBe(200);
    const again = await post('second randomization', A.coordinator, `/api/subjects/${first.id}/randomize`, {
      requestId: randomUUID(),
    });
    expect(again.statusCode, again.body).toBe(409);

    const allocations = await call({
      method: 'GET',
      url: `/api/studies/${t.id}/allocations`,
      token: t.stat.token,
    });
    armOf = new Map(allocations.json<UnblindedAllocation[]>().map((a) => [a.subjectId, a]));
    const atA = enrolled.filter((e) => e.site === 0);
    expect(new Set(atA.map((e) => armOf.get(e.id)?.arm))).toEqual(new Set(ARM_CODES));

    // Elections, once the main phase is completed: SWITCH from TRIPLE (stays), SWITCH from another
    // arm (moves), CONTINUE for the rest.
    for (const e of atA) {
      const res = await post('main completed', A.coordinator, `/api/subjects/${e.id}/dispositions`, {
        phase: 'MAIN',
        status: 'completed',
        date: new Date().toISOString().slice(0, 10),
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const triple = atA.find((e) => armOf.get(e.id)?.arm === 'TRIPLE')!;
    const other = atA.find((e) => armOf.get(e.id)?.arm !== 'TRIPLE')!;
    switchFromTriple = await post('SWITCH', A.coordinator, `/api/subjects/${triple.id}/extension`, {
      option: 'SWITCH',
    });
    switchFromOther = await post('SWITCH', A.investigator, `/api/subjects/${other.id}/extension`, {
      option: 'SWITCH',
    });
    for (const [i, e] of atA.filter((x) => x !== triple && x !== other).entries()) {
      const res = await post(
        'CONTINUE',
        i % 2 ? A.investigator : A.coordinator,
        `/api/subjects/${e.id}/extension`,
        {
          option: 'CONTINUE',
        },
      );
      expect(res.statusCode, res.body).toBe(201);
    }
    const twice = await post('second election', A.coordinator, `/api/subjects/${other.id}/extension`, {
      option: 'CONTINUE',
    });
    expect(twice.statusCode, twice.body).toBe(409);

    // Dispensing: W4 for everyone, W16 (extension) for the two who asked to switch.
    for (const [i, e] of enrolled.entries()) {
      const site = t.sites[e.site]!;
      const res = await post(
        'dispense W4',
        i % 2 ? site.investigator : site.coordinator,
        `/api/subjects/${e.id}/dispense`,
        {
          visit: 'W4',
        },
      );
      expect(res.statusCode, res.body).toBe(201);
    }
    for (const e of [triple, other]) {
      const res = await post('dispense W16', A.coordinator, `/api/subjects/${e.id}/dispense`, {
        visit: 'W16',
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    expect(
      (await post('dispense W4 twice', A.coordinator, `/api/subjects/${other.id}/dispense`, { visit: 'W4' }))
        .statusCode,
    ).toBe(409);
    expect(
      (await post('dispense D0', A.investigator, `/api/subjects/${other.id}/dispense`, { visit: 'D0' }))
        .statusCode,
    ).toBe(409);

    // Emergency unblinding of one subject at A by its investigator. Its answer names the arm, to that
    // investigator alone, by design: it is kept out of the blinded responses checked below.
    const target = atA[1]!;
    unblinding = {
      subjectId: target.id,
      res: await call({
        method: 'POST',
        url: `/api/subjects/${target.id}/unblind`,
        token: A.investigator.token,
        body: { reason: 'Serious adverse event: treating physician needs the treatment', password: PASSWORD },
      }),
    };
    expect(unblinding.res.statusCode, unblinding.res.body).toBe(200);

    // Supply with every kit status: masked kits created, damaged on arrival, and in transit.
    expect(
      (
        await post('create kits', t.dsm, `/api/studies/${t.id}/kits`, {
          drug: 'CELGOSIVIR',
          count: 6,
          lot: 'L-X',
          expiresOn: '2099-12-31',
        })
      ).statusCode,
    ).toBe(201);
    const toA = await post('ship', t.dsm, `/api/studies/${t.id}/shipments`, {
      siteId: A.id,
      kits: [{ drug: 'CELGOSIVIR', count: 3 }],
    });
    expect(toA.statusCode, toA.body).toBe(201);
    const shippedToA = toA.json<{ shipment: { id: string }; kitNumbers: string[] }>();
    const received = await post(
      'receive',
      A.coordinator,
      `/api/shipments/${shippedToA.shipment.id}/receive`,
      {
        damagedKitNumbers: shippedToA.kitNumbers.slice(0, 1),
      },
    );
    expect(received.statusCode, received.body).toBe(200);
    const toB = await post('ship', t.dsm, `/api/studies/${t.id}/shipments`, {
      siteId: B.id,
      kits: [{ drug: 'CELGOSIVIR', count: 2 }],
    });
    expect(toB.statusCode, toB.body).toBe(201);

    // A third site holding one CELGOSIVIR kit (active: 1 kit splits 2:1 to one active, no placebo). It
    // cannot randomize: the refusal must name the drug, not the missing placebo.
    const c = await s.site(t.id, t.dm.token);
    const coordinatorC = await s.user([{ role: 'site_coordinator', studyId: t.id, siteId: c.id }]);
    const toC = await post('ship', t.dsm, `/api/studies/${t.id}/shipments`, {
      siteId: c.id,
      kits: [
        { drug: 'CELGOSIVIR', count: 1 },
        { drug: 'PEGIFN', count: 2 },
        { drug: 'RBV', count: 2 },
      ],
    });
    expect(toC.statusCode, toC.body).toBe(201);
    const shipmentC = toC.json<{ shipment: { id: string } }>().shipment.id;
    expect((await post('receive', coordinatorC, `/api/shipments/${shipmentC}/receive`, {})).statusCode).toBe(
      200,
    );
    const atC = await post('screen', coordinatorC, `/api/studies/${t.id}/subjects`, {
      siteId: c.id,
      answers: eligibleNr(),
    });
    const refused = await post(
      'randomize without placebo',
      coordinatorC,
      `/api/subjects/${atC.json<{ id: string }>().id}/randomize`,
      {
        requestId: randomUUID(),
      },
    );
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json<{ error: { message: string } }>().error.message).toContain('CELGOSIVIR');
  });
  afterAll(async () => {
    await s.close();
  });

  it('keeps the arm out of every write response: screen, randomize, replay, extension, dispense, supply, refusals', () => {
    expect(writes.length).toBeGreaterThan(30);
    for (const { label, res } of writes) expectBlinded(label, res);
    // The refusals are there, with their statuses.
    const statuses = new Map(writes.map((w) => [w.label, w.res.statusCode]));
    expect(statuses.get('second randomization')).toBe(409);
    expect(statuses.get('second election')).toBe(409);
    expect(statuses.get('dispense W4 twice')).toBe(409);
    expect(statuses.get('dispense D0')).toBe(409);
    expect(statuses.get('randomize without placebo')).toBe(409);
  });

  it('answers a SWITCH from the arm it switches to exactly like a SWITCH from another arm', () => {
    expect(switchFromTriple.statusCode).toBe(201);
    expect(switchFromOther.statusCode).toBe(201);
    expect(switchFromTriple.body).toBe(switchFromOther.body);
  });

  /** Every read about the trial, with the action it needs and the site it concerns. */
  const reads = (): { label: string; url: string; action: Action; siteId?: string }[] => {
    const study = `/api/studies/${t.id}`;
    const kitFilters = [
      '',
      '?status=depot',
      '?status=in_transit',
      '?status=at_site',
      '?status=dispensed',
      '?status=damaged',
      '?drug=CELGOSIVIR',
      '?drug=PEGIFN',
      '?drug=RBV',
      `?siteId=${A.id}`,
      `?siteId=${A.id}&drug=CELGOSIVIR&status=dispensed`,
      '?drug=CELGOSIVIR&status=depot',
    ];
    return [
      { label: 'subjects', url: `${study}/subjects`, action: 'subject.read' },
      ...enrolled.flatMap((e) => {
        const siteId = t.sites[e.site]!.id;
        return [
          { label: `subject ${e.id}`, url: `/api/subjects/${e.id}`, action: 'subject.read' as const, siteId },
          {
            label: `allocation ${e.id}`,
            url: `/api/subjects/${e.id}/allocation`,
            action: 'allocation.read' as const,
            siteId,
          },
        ];
      }),
      { label: 'allocations', url: `${study}/allocations`, action: 'allocation.read' },
      { label: 'unblinding events', url: `${study}/unblinding-events`, action: 'unblinding.read' },
      ...kitFilters.map((q) => ({
        label: `kits${q}`,
        url: `${study}/kits${q}`,
        action: 'supply.read' as const,
      })),
      { label: 'shipments', url: `${study}/shipments`, action: 'supply.read' },
      { label: 'inventory', url: `${study}/inventory`, action: 'supply.read' },
    ];
  };

  // GET /api/studies/:id is left out on purpose: it returns the protocol, arm codes and names included,
  // to everyone in the study. It is study design, not a subject's allocation.
  it.each(BLINDED)('keeps the arm out of every read a %s makes, allowed or refused', async (role) => {
    const user = userOf(t, role);
    let allowed = 0;
    for (const r of reads()) {
      const res = await call({ method: 'GET', url: r.url, token: user.token });
      const inScope = !SITE_ROLES.includes(role) || r.siteId === undefined || r.siteId === A.id;
      const may = PERMISSIONS[r.action].includes(role) && inScope;
      expect(res.statusCode, `${role} ${r.label}: ${res.body}`).toBe(may ? 200 : 403);
      expectBlinded(`${role} ${r.label}`, res);
      if (may) allowed += 1;
      // Not vacuous: the supply manager's lists hold CELGOSIVIR kits in every status.
      if (may && role === 'drug_supply_manager' && r.label.startsWith('kits') && !/PEGIFN|RBV/.test(r.label))
        expect(
          res.json<{ drug: string }[]>().some((k) => k.drug === 'CELGOSIVIR'),
          r.label,
        ).toBe(true);
    }
    if (!['central_lab', 'partner_reviewer', 'admin'].includes(role)) expect(allowed).toBeGreaterThan(10);
  });

  it('redacts the arm from the audit trail for every blinded role that may read it', async () => {
    // The study's first entry records the protocol (arm codes included): study design, left out.
    const created = await call({
      method: 'GET',
      url: `/api/audit?studyId=${t.id}&action=study.create`,
      token: t.dm.token,
    });
    const [{ seq }] = created.json<[{ seq: number }]>();
    const readers = BLINDED.filter((role) => PERMISSIONS['audit.read'].includes(role));
    expect(readers).toContain('data_manager');
    for (const role of BLINDED) {
      const res = await call({
        method: 'GET',
        url: `/api/audit?studyId=${t.id}&afterSeq=${seq}&limit=1000`,
        token: userOf(t, role).token,
      });
      expectBlinded(`${role} audit`, res);
      if (!readers.includes(role)) {
        expect(res.statusCode, `${role}: ${res.body}`).toBe(403);
        continue;
      }
      expect(res.statusCode, `${role}: ${res.body}`).toBe(200);
      const entries = res.json<{ action: string; newValue: unknown }[]>();
      // Not vacuous: every allocation, election, unblinding and kit list is there, redacted.
      const actions = entries.map((e) => e.action);
      expect(actions.filter((a) => a === 'randomization.allocate')).toHaveLength(enrolled.length);
      expect(actions.filter((a) => a === 'randomization.reassign')).toHaveLength(6);
      expect(actions).toContain('subject.unblind');
      expect(actions).toContain('kits.create');
      expect(actions).toContain('kits.dispense');
    }
  });

  // That a redacted entry's hash cannot be matched by trying the possible arms is tested in
  // test/services/blinding-review.test.ts ('cannot recover an arm from a redacted entry's hash').

  it('would catch a leak: what the statistician reads fails the blinded check', async () => {
    for (const url of [
      `/api/studies/${t.id}/allocations`,
      `/api/subjects/${enrolled[0]!.id}/allocation`,
      `/api/studies/${t.id}/kits?status=dispensed&drug=CELGOSIVIR`,
      `/api/studies/${t.id}/inventory`,
      `/api/audit?studyId=${t.id}&action=randomization.reassign`,
    ]) {
      const res = await call({ method: 'GET', url, token: t.stat.token });
      expect(res.statusCode).toBe(200);
      expect(() => expectBlinded(url, res), url).toThrow();
    }
  });

  it('shows the unblinded statistician the arms, the current arms and the kit contents', async () => {
    const list = await call({ method: 'GET', url: `/api/studies/${t.id}/allocations`, token: t.stat.token });
    expect(list.statusCode).toBe(200);
    const allocations = list.json<UnblindedAllocation[]>();
    expect(allocations).toHaveLength(enrolled.length);
    for (const a of allocations) {
      expect(ARM_CODES).toContain(a.arm);
      expect(ARM_NAMES).toContain(a.armName);
      expect(a.stratum).toBe('PRIORRESP=NR');
    }
    // The subject who asked to switch is now on TRIPLE; the one who asked from TRIPLE stays there.
    expect(allocations.filter((a) => a.currentArm !== a.arm).map((a) => a.currentArm)).toEqual(['TRIPLE']);

    const one = await call({
      method: 'GET',
      url: `/api/subjects/${unblinding.subjectId}/allocation`,
      token: t.stat.token,
    });
    expect(one.statusCode).toBe(200);
    const mine = one.json<UnblindedAllocation>();
    expect(mine.arm).toBe(armOf.get(unblinding.subjectId)?.arm);
    // The investigator who unblinded got the same (current) arm, with its treatments.
    expect(unblinding.res.json<{ arm: string; armName: string }>()).toMatchObject({
      arm: mine.currentArm,
      armName: ARM_NAMES[ARM_CODES.indexOf(mine.currentArm as (typeof ARM_CODES)[number])],
    });

    const kits = await call({
      method: 'GET',
      url: `/api/studies/${t.id}/kits?drug=CELGOSIVIR`,
      token: t.stat.token,
    });
    const contents = new Set(kits.json<{ content?: string }[]>().map((k) => k.content));
    expect(contents).toEqual(new Set(['active', 'placebo']));

    const inventory = await call({
      method: 'GET',
      url: `/api/studies/${t.id}/inventory`,
      token: t.stat.token,
    });
    expect(inventory.body).toMatch(/CELGOSIVIR:placebo/);

    const audit = await call({
      method: 'GET',
      url: `/api/audit?studyId=${t.id}&action=randomization.allocate`,
      token: t.stat.token,
    });
    const arms = audit.json<{ newValue: { arm?: string } }[]>().map((e) => e.newValue.arm);
    expect(arms).toHaveLength(enrolled.length);
    for (const arm of arms) expect(ARM_CODES).toContain(arm);
  });
});
