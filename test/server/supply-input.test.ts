import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/engines.js';
import { inAYear } from '../support/trial.js';
import {
  expectError,
  expectUnchanged,
  issuePaths,
  listOf,
  openServer,
  openTrial,
  type Call,
  type HttpTrial,
  type KitBody,
  type TestServer,
  type TestUser,
  type TrialSite,
} from './support.js';

/*
 * Field paths: the schema at the edge names where in the request a field is (`body.count`,
 * `query.status`); checks the services make against the protocol or the database name the field of the
 * service's input (`expiresOn`, `kits.1.drug`, `damagedKitNumbers`), as the grant endpoints already do.
 */

describe.each(engines())('kit and shipment input over HTTP on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let A: TrialSite;
  let B: TrialSite;

  const call = (c: Call) => s.call(c);
  const post = (url: string, user: TestUser, body?: unknown) =>
    call({ method: 'POST', url, token: user.token, ...(body === undefined ? {} : { body }) });
  const get = (url: string, user: TestUser) => call({ method: 'GET', url, token: user.token });
  const list = <T>(url: string, user: TestUser): Promise<T[]> => listOf<T>(s, url, user);
  const unchanged = (refuse: () => Promise<void>) => expectUnchanged(s, t, refuse);
  const kits = (q = '') => listOf<KitBody>(s, `/api/studies/${t.id}/kits${q}`, t.dsm);

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { sites: 2, kitsPerDrug: 20, depotExtra: 10 });
    [A, B] = t.sites as [TrialSite, TrialSite];
  });
  afterAll(async () => {
    await s.close();
  });

  describe('kits', () => {
    const create = (body: unknown) => post(`/api/studies/${t.id}/kits`, t.dsm, body);
    const valid = { drug: 'PEGIFN', count: 2, lot: 'L-IN', expiresOn: inAYear() };
    const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

    it('refuses malformed kit lists with 400 naming each field, adding nothing', async () => {
      await unchanged(async () => {
        for (const [body, paths] of [
          [{ ...valid, count: 'ten' }, ['body.count']],
          [{ ...valid, count: 0 }, ['body.count']],
          [{ ...valid, count: 2.5 }, ['body.count']],
          [{ ...valid, count: 100_001 }, ['body.count']],
          [{ ...valid, drug: 'pegifn' }, ['body.drug']],
          [{ ...valid, lot: '  ' }, ['body.lot']],
          [{ ...valid, expiresOn: 'next year' }, ['body.expiresOn']],
          [{ ...valid, expiresOn: '2099-02-30' }, ['body.expiresOn']],
          [{ ...valid, content: 'placebo' }, ['body']],
          // Checked by the service: already expired, expiring today, or a drug the protocol lacks.
          [{ ...valid, expiresOn: daysFromNow(-30) }, ['expiresOn']],
          [{ ...valid, expiresOn: daysFromNow(0) }, ['expiresOn']],
          [{ ...valid, drug: 'ASPIRIN' }, ['drug']],
        ] as const) {
          const error = expectError(await create(body), 400, 'validation');
          expect(issuePaths(error), JSON.stringify(body)).toEqual(paths);
        }
      });
    });

    it('refuses malformed kit queries with 400 naming query fields', async () => {
      for (const [q, path] of [
        ['?status=lost', 'query.status'],
        ['?siteId=site-a', 'query.siteId'],
        ['?drug=celgosivir', 'query.drug'],
        ['?content=placebo', 'query'],
      ] as const)
        expect(
          issuePaths(expectError(await get(`/api/studies/${t.id}/kits${q}`, t.dsm), 400, 'validation')),
        ).toEqual([path]);
    });
  });

  describe('shipments', () => {
    const ship = (body: unknown) => post(`/api/studies/${t.id}/shipments`, t.dsm, body);
    const shipments = () => list<{ id: string; status: string }>(`/api/studies/${t.id}/shipments`, t.dsm);
    const depot = async (drug: string) => (await kits(`?status=depot&drug=${drug}`)).length;

    it('refuses malformed shipments with 400 naming each field, shipping nothing', async () => {
      const before = await shipments();
      await unchanged(async () => {
        for (const [body, paths] of [
          [{ siteId: 'site-a', kits: [{ drug: 'RBV', count: 1 }] }, ['body.siteId']],
          [{ siteId: A.id, kits: [] }, ['body.kits']],
          [{ siteId: A.id, kits: [{ drug: 'RBV', count: 0 }] }, ['body.kits.0.count']],
          [{ siteId: A.id, kits: [{ drug: 'RBV', count: '1' }] }, ['body.kits.0.count']],
          [{ siteId: A.id, kits: [{ drug: 'RBV' }] }, ['body.kits.0.count']],
          [{ siteId: A.id, kits: [{ drug: 'RBV', count: 1, content: 'active' }] }, ['body.kits.0']],
          [{ siteId: randomUUID(), kits: [{ drug: 'RBV', count: 1 }] }, ['siteId']],
          [
            {
              siteId: A.id,
              kits: [
                { drug: 'RBV', count: 1 },
                { drug: 'ASPIRIN', count: 1 },
              ],
            },
            ['kits.1.drug'],
          ],
        ] as const) {
          const error = expectError(await ship(body), 400, 'validation');
          expect(issuePaths(error), JSON.stringify(body)).toEqual(paths);
        }
      });
      expect(await shipments()).toEqual(before);
    });

    it('refuses to ship more kits than the depot holds with 409, shipping nothing of any line', async () => {
      const before = { shipments: await shipments(), pegifn: await depot('PEGIFN'), rbv: await depot('RBV') };
      expect(before.pegifn).toBeGreaterThan(0);
      await unchanged(async () => {
        expectError(
          await ship({ siteId: B.id, kits: [{ drug: 'RBV', count: before.rbv + 1 }] }),
          409,
          'conflict',
        );
        // The first line could be served: it is not shipped alone.
        expectError(
          await ship({
            siteId: B.id,
            kits: [
              { drug: 'PEGIFN', count: 1 },
              { drug: 'RBV', count: 10_000 },
            ],
          }),
          409,
          'conflict',
        );
      });
      expect(await shipments()).toEqual(before.shipments);
      expect(await depot('PEGIFN')).toBe(before.pegifn);
      expect(await depot('RBV')).toBe(before.rbv);
    });

    it('receives a shipment once: again is 409; a damaged kit not in it is 400 and changes nothing', async () => {
      const shipped = await ship({ siteId: A.id, kits: [{ drug: 'PEGIFN', count: 2 }] });
      expect(shipped.statusCode, shipped.body).toBe(201);
      const { shipment, kitNumbers } = shipped.json<{ shipment: { id: string }; kitNumbers: string[] }>();
      const receive = (body: unknown, user: TestUser = A.coordinator) =>
        post(`/api/shipments/${shipment.id}/receive`, user, body);
      const stranger = (await kits('?status=at_site')).find((k) => !kitNumbers.includes(k.kitNumber));
      expect(stranger).toBeDefined();

      await unchanged(async () => {
        for (const [body, paths] of [
          [{ damagedKitNumbers: ['12'] }, ['body.damagedKitNumbers.0']],
          [{ damagedKitNumbers: 'all' }, ['body.damagedKitNumbers']],
          [{ damaged: [] }, ['body']],
          [{ damagedKitNumbers: [stranger?.kitNumber, kitNumbers[0]] }, ['damagedKitNumbers']],
          [{ damagedKitNumbers: ['0000000'] }, ['damagedKitNumbers']],
        ] as const) {
          const error = expectError(await receive(body), 400, 'validation');
          expect(issuePaths(error), JSON.stringify(body)).toEqual(paths);
        }
      });
      const inTransit = await kits('?status=in_transit');
      expect(inTransit.filter((k) => kitNumbers.includes(k.kitNumber))).toHaveLength(2);

      const first = await receive({ damagedKitNumbers: [kitNumbers[0]] });
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toMatchObject({ id: shipment.id, status: 'received' });
      await unchanged(async () => {
        expectError(await receive({}, A.investigator), 409, 'conflict');
        expectError(await receive({ damagedKitNumbers: [kitNumbers[1]] }), 409, 'conflict');
      });
      const damaged = await kits('?status=damaged');
      expect(damaged.filter((k) => kitNumbers.includes(k.kitNumber)).map((k) => k.kitNumber)).toEqual([
        kitNumbers[0],
      ]);
    });

    it('answers two receipts of one shipment at the same time with 200 and 409', async () => {
      const shipped = await ship({ siteId: A.id, kits: [{ drug: 'RBV', count: 2 }] });
      expect(shipped.statusCode, shipped.body).toBe(201);
      const { shipment, kitNumbers } = shipped.json<{ shipment: { id: string }; kitNumbers: string[] }>();
      const both = await Promise.all(
        [A.coordinator, A.investigator].map((user) =>
          post(`/api/shipments/${shipment.id}/receive`, user, { damagedKitNumbers: [] }),
        ),
      );
      expect(both.map((r) => r.statusCode).sort(), both.map((r) => r.body).join('\n')).toEqual([200, 409]);
      const atSite = await kits('?status=at_site&drug=RBV');
      expect(atSite.filter((k) => kitNumbers.includes(k.kitNumber))).toHaveLength(2);
    });
  });
});
