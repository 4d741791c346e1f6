import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Role } from '../../src/core/auth/roles.js';
import { parseProtocol } from '../../src/core/protocol/index.js';
import { blocksSpecOf, sequenceForStratum } from '../../src/core/randomization/index.js';
import { SYSTEM_ACTOR } from '../../src/services/caller.js';
import { engines, type TestEngine } from '../support/engines.js';
import { PASSWORD, readProtocol } from '../support/fixtures.js';
import { isolatedEngine } from '../support/isolated-engine.js';
import { seededRandom } from '../support/random.js';
import { Canonicalizer, getOperations, readEverything, urlsOf } from './blinded-views.js';
import { NAIVE_PROTOCOL, openServer, type Call, type TestServer, type TestUser } from './support.js';

/*
 * The blinded adversary of issue 10. The same trial is run twice, through the API, with the masked
 * fact swapped: every subject on celgosivir in run A is on its placebo in run B and the other way
 * round, and every celgosivir kit holds the other content; everything else (requests, order, kit
 * numbers, the server's random draws) is the same. Then each blinded role reads everything it may:
 * every GET operation of the OpenAPI document with every id of the trial and an unknown one, every
 * value of every filter (the audit trail by each action, entity and actor), and the answers it got to
 * its own requests, errors included. Canonicalized (ids, times, hashes, tokens and kit numbers by order
 * of first appearance), the two runs must read the same, byte for byte. So whatever a blinded reader
 * computes from what it reads, it computes the same in both runs, while the truth is opposite: no
 * predictor of the masked arm does better than chance (it is right in exactly one run of each pair).
 *
 * The two-arm treatment-naive study makes a pure swap possible: triple and control differ only by
 * celgosivir against its placebo (ribavirin, open label, is given in both arms), and a 1:1 ratio with
 * even kit counts means active and placebo kits are as many. The non-responder study's double arm
 * differs from the others by ribavirin, which is open by design (docs/reference/blinding.md).
 */

const protocol = parseProtocol(readProtocol(NAIVE_PROTOCOL), 'naive.yaml');
const STRATA = ['VLBASE=HIGH', 'VLBASE=LOW'] as const;
/** Subjects randomized per stratum (two per site). */
const PER_STRATUM = 4;
const ASSAY = 'COBAS TaqMan HCV v2.0';
const DRUGS = ['CELGOSIVIR', 'PEGIFN', 'RBV'] as const;
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
const SEED_A = 'a1'.repeat(32);
const swapArm = (arm: string): string => (arm === 'TRIPLE' ? 'CONTROL' : 'TRIPLE');
const firstArms = (seed: string, stratum: string): string[] =>
  sequenceForStratum(blocksSpecOf(protocol), seed, stratum)
    .take(PER_STRATUM)
    .map((slot) => slot.arm);

/** A seed whose first slots in each stratum are run A's with the arms swapped (found by search). */
function swappedSeed(): string {
  const want = STRATA.map((stratum) => firstArms(SEED_A, stratum).map(swapArm).join());
  for (let i = 0; i < 100_000; i++) {
    const seed = createHash('sha256').update(`swap ${i}`).digest('hex');
    if (STRATA.every((stratum, k) => firstArms(seed, stratum).join() === want[k])) return seed;
  }
  throw new Error('no swapped seed found');
}

const entityTypesOf = (entries: readonly { entityType: string }[]): string[] => [
  ...new Set(entries.map((e) => e.entityType)),
];

/** Where two texts part: the request line and 300 characters around the first difference, or ''. */
function firstDifference(x: string, y: string): string {
  if (x === y) return '';
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  const head = x.slice(0, x.indexOf('\n') + 1 || 200);
  return `${head}… run B: ${x.slice(Math.max(0, i - 150), i + 150)}\n… run A: ${y.slice(Math.max(0, i - 150), i + 150)}`;
}

const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const eligible = (viralLoadCategory: 'HIGH' | 'LOW', age = 45) => ({
  age,
  hcvGenotype: '1b',
  previouslyTreated: false,
  hcvRna: 3_000_000,
  viralLoadCategory,
  decompensatedLiverDisease: false,
  pregnantOrBreastfeeding: false,
});

/** One run: what each blinded user read, and the statistician's truth to check the swap happened. */
interface Run {
  readonly views: ReadonlyMap<string, readonly string[]>;
  readonly arms: readonly string[];
  readonly maskedKitContents: readonly string[];
}

/** A server over a database of its own, with seeded supply draws; `close` also drops the database. */
async function isolatedServer(base: TestEngine): Promise<TestServer> {
  const isolated = await isolatedEngine(base, inject('pgUrl'));
  const s = await openServer(isolated.engine, { random: seededRandom('blinding swap') });
  return {
    ...s,
    close: async () => {
      try {
        await s.close();
      } finally {
        await isolated.drop();
      }
    },
  };
}

/** The trial, run through the API on `s`; `swapped` flips the masked fact. */
async function scenario(s: TestServer, swapped: boolean): Promise<Run> {
  /** What blinded callers were answered while the trial ran, in order. */
  const answers: { userId: string; label: string; res: LightMyRequestResponse }[] = [];
  const send = async (_role: string, user: TestUser, c: Omit<Call, 'token'>, status: number) => {
    const res = await s.call({ ...c, token: user.token });
    expect(res.statusCode, `${c.method} ${c.url}: ${res.body}`).toBe(status);
    answers.push({ userId: user.id, label: `${c.method} ${c.url}`, res });
    return res;
  };
  const post = (who: string, user: TestUser, url: string, body: unknown, status = 201) =>
    send(who, user, { method: 'POST', url, body }, status);

  // People: fixed usernames (the database is the run's own), made one at a time so lists keep order.
  const admin = await s.user([{ role: 'admin' }], 'admin-1');
  const created = await post('admin', admin, '/api/studies', {
    source: readProtocol(NAIVE_PROTOCOL),
    fileName: 'naive.yaml',
  });
  const studyId = created.json<{ id: string }>().id;
  const study = (role: Role) => s.user([{ role, studyId }], role.replaceAll('_', '-'));
  const dm = await study('data_manager');
  const dsm = await study('drug_supply_manager');
  const stat = await study('unblinded_statistician');
  const lab = await study('central_lab');
  const partner = await study('partner_reviewer');
  const sites: { id: string; code: string; crc: TestUser; pi: TestUser; cra: TestUser }[] = [];
  for (const code of ['S01', 'S02']) {
    const res = await post('data_manager', dm, `/api/studies/${studyId}/sites`, {
      code,
      name: `Site ${code}`,
      country: 'CA',
    });
    const id = res.json<{ id: string }>().id;
    const grant = (role: Role) =>
      s.user([{ role, studyId, siteId: id }], `${role.replaceAll('_', '-')}-${code}`);
    sites.push({
      id,
      code,
      crc: await grant('site_coordinator'),
      pi: await grant('investigator'),
      cra: await grant('monitor'),
    });
  }
  const [A, B] = sites as [(typeof sites)[0], (typeof sites)[0]];

  // Supply: kit lists (even counts: as many active as placebo), then run B's masked contents swapped.
  for (const drug of DRUGS)
    await post('drug_supply_manager', dsm, `/api/studies/${studyId}/kits`, {
      drug,
      count: 40,
      lot: `L-${drug}`,
      expiresOn: day(400),
    });
  if (swapped)
    await s.database.db
      .updateTable('kits')
      .set({ content: sql`case content when 'active' then 'placebo' else 'active' end` })
      .where('study_id', '=', studyId)
      .where('drug_code', '=', 'CELGOSIVIR')
      .execute();
  for (const [i, site] of sites.entries()) {
    const shipped = await post('drug_supply_manager', dsm, `/api/studies/${studyId}/shipments`, {
      siteId: site.id,
      kits: DRUGS.map((drug) => ({ drug, count: 12 })),
    });
    const { shipment, kitNumbers } = shipped.json<{ shipment: { id: string }; kitNumbers: string[] }>();
    await post(
      'site_coordinator',
      site.crc,
      `/api/shipments/${shipment.id}/receive`,
      {
        damagedKitNumbers: i === 0 ? kitNumbers.slice(0, 2) : [],
      },
      200,
    );
  }

  // Screening: two subjects per stratum at each site, and a screen failure at A.
  const subjects: { id: string; site: (typeof sites)[0]; screeningNumber: string }[] = [];
  for (const site of sites)
    for (const vl of ['HIGH', 'HIGH', 'LOW', 'LOW'] as const) {
      const res = await post('site_coordinator', site.crc, `/api/studies/${studyId}/subjects`, {
        siteId: site.id,
        answers: eligible(vl),
        consentedOn: day(-70),
      });
      const body = res.json<{ id: string; screeningNumber: string }>();
      subjects.push({ id: body.id, site, screeningNumber: body.screeningNumber });
    }
  const failure = await post('site_coordinator', A.crc, `/api/studies/${studyId}/subjects`, {
    siteId: A.id,
    answers: eligible('LOW', 80),
    consentedOn: day(-70),
  });

  // The allocation seed: run B's sequence is run A's with the arms swapped.
  const seed = swapped ? swappedSeed() : SEED_A;
  await s.world.store.write(SYSTEM_ACTOR, (r) => r.randomization.secret(studyId, () => seed));

  for (const [i, subject] of subjects.entries()) {
    const requestId = randomUUID();
    const who = i % 2 ? subject.site.pi : subject.site.crc;
    const role = i % 2 ? 'investigator' : 'site_coordinator';
    await post(role, who, `/api/subjects/${subject.id}/randomize`, { requestId });
    if (i === 0) {
      await post(role, who, `/api/subjects/${subject.id}/randomize`, { requestId }, 200);
      await post(role, who, `/api/subjects/${subject.id}/randomize`, { requestId: randomUUID() }, 409);
    }
  }
  await post(
    'site_coordinator',
    A.crc,
    `/api/subjects/${failure.json<{ id: string }>().id}/randomize`,
    {
      requestId: randomUUID(),
    },
    409,
  );

  // Data capture: visits, dispensing, results, adverse events, a dropout.
  for (const [i, subject] of subjects.entries()) {
    const crc = subject.site.crc;
    await post('site_coordinator', crc, `/api/subjects/${subject.id}/visits`, {
      visit: 'D0',
      date: day(-40),
    });
    await post('site_coordinator', crc, `/api/subjects/${subject.id}/visits`, {
      visit: 'W4',
      date: day(-12),
    });
    await post('site_coordinator', crc, `/api/subjects/${subject.id}/dispense`, { visit: 'W4' });
    await post('site_coordinator', crc, `/api/subjects/${subject.id}/results`, {
      visit: 'D0',
      collectedOn: day(-40),
      result: String(1_000_000 + i * 100_000),
      assay: ASSAY,
    });
    await post('site_coordinator', crc, `/api/subjects/${subject.id}/results`, {
      visit: 'W4',
      collectedOn: day(-12),
      result: i % 3 === 0 ? '<15' : String(10_000 + i * 1000),
      assay: ASSAY,
    });
    if (i % 3 === 1)
      await post('site_coordinator', crc, `/api/subjects/${subject.id}/adverse-events`, {
        verbatimTerm: 'Diarrhoea',
        grade: 1 + (i % 2),
        serious: false,
        relatedness: { CELGOSIVIR: 'possible', PEGIFN: 'unlikely', RBV: 'not_related' },
        onsetDate: day(-30),
        outcome: 'recovered',
        actionTaken: 'none',
      });
  }
  const dropout = subjects[5]!;
  await post('site_coordinator', dropout.site.crc, `/api/subjects/${dropout.id}/dispositions`, {
    phase: 'MAIN',
    status: 'discontinued',
    date: day(-10),
    reason: 'adverse_event',
    relatedDrug: 'PEGIFN',
  });
  // A dispensing refused (already done) and one for a visit without kits.
  await post('site_coordinator', A.crc, `/api/subjects/${subjects[0]!.id}/dispense`, { visit: 'W4' }, 409);
  await post('site_coordinator', A.crc, `/api/subjects/${subjects[0]!.id}/dispense`, { visit: 'W1' }, 400);

  // Central lab: a week-1 result by file.
  await send(
    'central_lab',
    lab,
    {
      method: 'POST',
      url: `/api/studies/${studyId}/lab-imports?fileName=w1.csv&assay=${encodeURIComponent(ASSAY)}`,
      body: `subject,visit,date,result,unit,lloq\n${subjects[2]!.screeningNumber},W1,${day(-33)},250000,IU/mL,15\n`,
      headers: { 'content-type': 'text/csv' },
    },
    201,
  );

  // Review: queries raised, answered and closed; SDV; a signature.
  const first = subjects[0]!;
  const query = await post('monitor', A.cra, `/api/subjects/${first.id}/queries`, {
    form: 'visit:W4',
    field: 'HCVRNA.result',
    text: 'Please confirm against the lab report',
  });
  const queryId = query.json<{ id: string }>().id;
  await post('site_coordinator', A.crc, `/api/queries/${queryId}/answer`, { text: 'Confirmed' }, 200);
  await post('monitor', A.cra, `/api/queries/${queryId}/close`, { text: 'Thank you' }, 200);
  await post('data_manager', dm, `/api/subjects/${subjects[6]!.id}/queries`, {
    form: 'visit:D0',
    field: 'visitDate',
    text: 'Is the date right?',
  });
  await post('monitor', A.cra, `/api/subjects/${first.id}/sdv`, { form: 'visit:D0' }, 200);
  await post('investigator', A.pi, `/api/subjects/${subjects[1]!.id}/signature`, {
    password: PASSWORD,
    meaning: 'approval',
  });

  // Emergency unblinding by the one who may: its answer names the treatment to that investigator, by
  // design, so it alone is not compared.
  const unblinded = await s.call({
    method: 'POST',
    url: `/api/subjects/${subjects[4]!.id}/unblind`,
    token: B.pi.token,
    body: { reason: 'Serious adverse event: the treating physician needs the treatment', password: PASSWORD },
  });
  expect(unblinded.statusCode, unblinded.body).toBe(200);

  // What each blinded user can read. Every id of the trial, and an unknown one, for each parameter.
  const unknown = '00000000-0000-4000-8000-000000000000';
  const truth = await s.call({
    method: 'GET',
    url: `/api/audit?studyId=${studyId}&limit=1000`,
    token: stat.token,
  });
  const entries =
    truth.json<{ action: string; entityType: string; entityId: string | null; actorId: string | null }[]>();
  // In order of first appearance: sorting random ids would number them differently in each run.
  const distinct = (xs: readonly (string | null)[]) => [
    ...new Set(xs.filter((x): x is string => x !== null)),
  ];
  /** One entity of each type: the entity filter itself is what is tried, not every entity. */
  const entityIds = distinct(
    entityTypesOf(entries).map((type) => entries.find((e) => e.entityType === type)?.entityId ?? null),
  );
  const users = [admin, dm, dsm, stat, lab, partner, ...sites.flatMap((x) => [x.crc, x.pi, x.cra])];
  const values = {
    studyId: [studyId, unknown],
    subjectId: [...subjects.map((x) => x.id), failure.json<{ id: string }>().id, unknown],
    userId: [...users.map((u) => u.id), unknown],
    queryId: [queryId, unknown],
    version: ['1', '2'],
    siteId: [A.id, B.id, unknown],
    drug: [...DRUGS],
    action: distinct(entries.map((e) => e.action)),
    entityType: entityTypesOf(entries),
    entityId: [...entityIds, unknown],
    actorId: distinct(entries.map((e) => e.actorId)),
    count: ['8'],
    dataCut: [day(0)],
  };
  // As filters, a few ids of each kind suffice: the filter is what is tried (every path still gets all).
  const few = (xs: readonly string[]) => [...new Set([xs[0]!, xs[xs.length - 2]!, unknown])];
  const filters = {
    subjectId: few(values.subjectId),
    entityId: few(values.entityId),
    actorId: few(values.actorId),
  };
  const urls = (await getOperations(s)).flatMap((op) => urlsOf(op, values, filters));
  const readers: [string, TestUser][] = [
    ['site_coordinator S01', A.crc],
    ['investigator S01', A.pi],
    // The investigator who unblinded one subject: still blind to every other, and reads no arm.
    ['investigator S02', B.pi],
    ['monitor S01', A.cra],
    ['data_manager', dm],
    ['drug_supply_manager', dsm],
    ['central_lab', lab],
    ['partner_reviewer', partner],
    ['admin', admin],
  ];
  expect(new Set(readers.map(([label]) => label.split(' ')[0]))).toEqual(new Set(BLINDED));
  const canon = new Canonicalizer();
  const views = new Map<string, string[]>();
  for (const [label, user] of readers) {
    const own = answers
      .filter((a) => a.userId === user.id)
      .map((a) => `${canon.text(a.label)} -> ${canon.response(a.res)}`);
    views.set(label, [...own, ...(await readEverything(s, user, urls, canon))]);
  }

  // The truth, to check the runs differ in the masked fact.
  const allocations = await s.call({
    method: 'GET',
    url: `/api/studies/${studyId}/allocations`,
    token: stat.token,
  });
  const arms = allocations.json<{ subjectId: string; arm: string }[]>();
  const kits = await s.call({
    method: 'GET',
    url: `/api/studies/${studyId}/kits?drug=CELGOSIVIR`,
    token: stat.token,
  });
  return {
    views,
    arms: subjects.map((x) => arms.find((a) => a.subjectId === x.id)?.arm ?? '?'),
    maskedKitContents: kits.json<{ content: string }[]>().map((k) => k.content),
  };
}

describe.each(engines())('a blinded reader on $name', (engine) => {
  let a: Run;
  let b: Run;

  beforeAll(async () => {
    // Both databases opened at once (starting PGlite is mostly waiting), then the runs one by one.
    const [sa, sb] = await Promise.all([isolatedServer(engine), isolatedServer(engine)]);
    try {
      a = await scenario(sa, false);
      b = await scenario(sb, true);
    } finally {
      await Promise.allSettled([sa.close(), sb.close()]);
    }
  }, 180_000);

  it('runs the trial twice with the masked fact swapped, and nothing else', () => {
    expect(a.arms).toHaveLength(2 * PER_STRATUM);
    expect(new Set(a.arms)).toEqual(new Set(['TRIPLE', 'CONTROL']));
    expect(b.arms).toEqual(a.arms.map(swapArm));
    expect(b.maskedKitContents).toEqual(
      a.maskedKitContents.map((c) => (c === 'active' ? 'placebo' : 'active')),
    );
  });

  it.each(BLINDED)('reads the same in both runs as %s', (role) => {
    const labels = [...a.views.keys()].filter((label) => label.split(' ')[0] === role);
    expect(labels.length).toBeGreaterThan(0);
    for (const label of labels) {
      const [viewA, viewB] = [a.views.get(label) ?? [], b.views.get(label) ?? []];
      expect(viewA.length, label).toBeGreaterThan(100);
      // The first difference, with its request and some context, rather than two walls of text.
      const at = viewA.findIndex((line, i) => line !== viewB[i]);
      if (at >= 0) expect(firstDifference(viewB[at] ?? '', viewA[at] ?? ''), label).toBe('');
      expect(viewB.length, label).toBe(viewA.length);
    }
  });
});
