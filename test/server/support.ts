import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Role } from '../../src/core/auth/roles.js';
import type { RandomSource } from '../../src/core/supply/random.js';
import { buildServer } from '../../src/server/app.js';
import type { InputLimits } from '../../src/server/limits.js';
import { SESSION_COOKIE } from '../../src/server/route.js';
import { hashPassword } from '../../src/services/auth/password.js';
import { SYSTEM_ACTOR } from '../../src/services/caller.js';
import type { Database } from '../../src/store/database.js';
import { unique, type TestEngine } from '../support/engines.js';
import { PASSWORD, protocolWithUniqueCode, seedUser, world, type World } from '../support/fixtures.js';
import { eligibleNr, inAYear } from '../support/trial.js';

export const NR_PROTOCOL = 'protocols/celgosivir-nr-phase2.yaml';
export const NAIVE_PROTOCOL = 'protocols/celgosivir-naive-phase2.yaml';
export const OTHER_PROTOCOL = 'test/fixtures/protocols/other-shape.yaml';

/** A request through `app.inject`, authenticated by a session token sent as the cookie when given. */
export interface Call {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly token?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A user made directly in the store, with a live session whose secret is `token`. */
export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly token: string;
}

export interface Grant {
  readonly role: Role;
  readonly studyId?: string;
  readonly siteId?: string;
  /** When the grant lapses (never by default); a past date makes an already expired grant. */
  readonly expiresAt?: Date;
}

export interface TestServer {
  readonly app: FastifyInstance;
  readonly world: World;
  readonly database: Database;
  call(c: Call): Promise<LightMyRequestResponse>;
  /** Creates a user with PASSWORD and the grants, plus a session: no password hashing per user. */
  user(grants: readonly Grant[], username?: string): Promise<TestUser>;
  /** Opens another session for an existing user, expiring when told. */
  session(userId: string, expiresAt: Date): Promise<string>;
  /** Creates a study from a reference protocol through the API as `token`; returns its id and code. */
  study(token: string, path?: string): Promise<{ id: string; code: string }>;
  /** Adds a site to a study through the API as `token` (an admin cannot: a data manager can). */
  site(studyId: string, token: string): Promise<{ id: string; code: string }>;
  close(): Promise<void>;
}

/** SHA-256 of the token, as the sessions table keeps it (see AuthService). */
const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The API over a fresh world on the engine; the caller closes it in afterAll. */
export async function openServer(
  engine: TestEngine,
  options: { webRoot?: string; limits?: Partial<InputLimits>; random?: RandomSource } = {},
): Promise<TestServer> {
  const database = await engine.open();
  const w = world(database, options.random ? { random: options.random } : {});
  const app = await buildServer({
    services: w.services,
    health: async () => {
      await w.store.ping();
      return { engine: database.engine };
    },
    secureCookies: false,
    logLevel: 'silent',
    version: 'test',
    webRoot: options.webRoot ?? null,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  // The hash of PASSWORD, made once: every test user shares it.
  const passwordHash = hashPassword(PASSWORD);

  const call = (c: Call): Promise<LightMyRequestResponse> => {
    const options: InjectOptions = {
      method: c.method,
      url: c.url,
      headers: { ...(c.headers ?? {}) },
      ...(c.token ? { cookies: { [SESSION_COOKIE]: c.token } } : {}),
    };
    if (c.body !== undefined)
      options.payload = typeof c.body === 'string' ? c.body : (c.body as Record<string, unknown>);
    return app.inject(options);
  };

  const session = async (userId: string, expiresAt: Date): Promise<string> => {
    const token = `td_${randomBytes(32).toString('base64url')}`;
    await w.store.write(SYSTEM_ACTOR, (r) =>
      r.sessions.create({ userId, tokenHash: tokenHash(token), kind: 'session', name: null, expiresAt }),
    );
    return token;
  };

  const user: TestServer['user'] = async (grants, name) => {
    const username = name ?? `h-${unique()}`;
    const hash = await passwordHash;
    const id = await seedUser(w.store, username, hash, grants);
    const token = await session(id, new Date(Date.now() + 3_600_000));
    return { id, username, token };
  };

  const study: TestServer['study'] = async (token, path = NR_PROTOCOL) => {
    const { source, code } = protocolWithUniqueCode(path);
    const res = await call({
      method: 'POST',
      url: '/api/studies',
      token,
      body: { source, fileName: 'p.yaml' },
    });
    expect(res.statusCode, res.body).toBe(201);
    return { id: res.json<{ id: string }>().id, code };
  };

  const site: TestServer['site'] = async (studyId, token) => {
    const code = `S${unique().toUpperCase()}`.slice(0, 20);
    const res = await call({
      method: 'POST',
      url: `/api/studies/${studyId}/sites`,
      token,
      body: { code, name: `Site ${code}`, country: 'CA' },
    });
    expect(res.statusCode, res.body).toBe(201);
    return { id: res.json<{ id: string }>().id, code };
  };

  return {
    app,
    world: w,
    database,
    call,
    user,
    session,
    study,
    site,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

/** The error body every refusal carries. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: {
      readonly issues?: readonly { path: string; message: string; line?: number | null }[];
    };
  };
}

/** Asserts a JSON error response with the status and code, and returns its body. */
export function expectError(res: LightMyRequestResponse, status: number, code: string): ErrorBody['error'] {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json<ErrorBody>();
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

/** The issue paths of a validation error. */
export const issuePaths = (error: ErrorBody['error']): string[] =>
  (error.details?.issues ?? []).map((i) => i.path);

/** A site of an HTTP trial with its own coordinator, investigator and monitor (site grants). */
export interface TrialSite {
  readonly id: string;
  readonly code: string;
  readonly coordinator: TestUser;
  readonly investigator: TestUser;
  readonly monitor: TestUser;
}

/** A running non-responder study set up through the API, with a user for every study-level role. */
export interface HttpTrial {
  readonly id: string;
  readonly code: string;
  readonly admin: TestUser;
  readonly dm: TestUser;
  readonly dsm: TestUser;
  readonly stat: TestUser;
  readonly lab: TestUser;
  readonly partner: TestUser;
  readonly sites: readonly TrialSite[];
}

/** The drugs of the non-responder protocol that are dispensed as kits. */
export const NR_DRUGS = ['CELGOSIVIR', 'PEGIFN', 'RBV'] as const;

/**
 * A non-responder study through the API: `sites` sites, each stocked with `kitsPerDrug` kits of every
 * drug (shipped and received), and `depotExtra` kits per drug left in the depot. Users get sessions
 * directly (no password hashing), so this costs only the API calls.
 */
export async function openTrial(
  s: TestServer,
  options: { sites?: number; kitsPerDrug?: number; depotExtra?: number } = {},
): Promise<HttpTrial> {
  const admin = await s.user([{ role: 'admin' }]);
  const study = await s.study(admin.token, NR_PROTOCOL);
  const studyId = study.id;
  const [dm, dsm, stat, lab, partner] = await Promise.all(
    (
      [
        'data_manager',
        'drug_supply_manager',
        'unblinded_statistician',
        'central_lab',
        'partner_reviewer',
      ] as const
    ).map((role) => s.user([{ role, studyId }])),
  );
  if (!dm || !dsm || !stat || !lab || !partner) throw new Error('users were not created');
  const sites: TrialSite[] = [];
  for (let i = 0; i < (options.sites ?? 1); i++) {
    const site = await s.site(studyId, dm.token);
    const [coordinator, investigator, monitor] = await Promise.all(
      (['site_coordinator', 'investigator', 'monitor'] as const).map((role) =>
        s.user([{ role, studyId, siteId: site.id }]),
      ),
    );
    if (!coordinator || !investigator || !monitor) throw new Error('users were not created');
    sites.push({ ...site, coordinator, investigator, monitor });
  }
  const kits = options.kitsPerDrug ?? 30;
  for (const drug of NR_DRUGS) {
    const res = await s.call({
      method: 'POST',
      url: `/api/studies/${studyId}/kits`,
      token: dsm.token,
      body: {
        drug,
        count: kits * sites.length + (options.depotExtra ?? 10),
        lot: `L-${drug}`,
        expiresOn: inAYear(),
      },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  if (kits > 0)
    for (const site of sites) {
      const shipped = await s.call({
        method: 'POST',
        url: `/api/studies/${studyId}/shipments`,
        token: dsm.token,
        body: { siteId: site.id, kits: NR_DRUGS.map((drug) => ({ drug, count: kits })) },
      });
      expect(shipped.statusCode, shipped.body).toBe(201);
      const { shipment } = shipped.json<{ shipment: { id: string } }>();
      const received = await s.call({
        method: 'POST',
        url: `/api/shipments/${shipment.id}/receive`,
        token: site.coordinator.token,
        body: { damagedKitNumbers: [] },
      });
      expect(received.statusCode, received.body).toBe(200);
    }
  return { id: studyId, code: study.code, admin, dm, dsm, stat, lab, partner, sites };
}

/** A subject as the API returns it. */
export interface SubjectBody {
  readonly id: string;
  readonly siteId: string;
  readonly screeningNumber: string;
  readonly status: 'eligible' | 'screen_failed' | 'randomized';
}

/** Screens a subject at a site of the trial as its coordinator (eligible non-responder by default). */
export async function screenSubject(
  s: TestServer,
  t: HttpTrial,
  site = 0,
  answers: Record<string, unknown> = eligibleNr(),
): Promise<SubjectBody> {
  const at = t.sites[site];
  if (!at) throw new Error(`the trial has no site ${site}`);
  const res = await s.call({
    method: 'POST',
    url: `/api/studies/${t.id}/subjects`,
    token: at.coordinator.token,
    body: { siteId: at.id, answers },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<SubjectBody>();
}

/** A blinded allocation as the API returns it. */
export interface AllocationBody {
  readonly subjectId: string;
  readonly siteId: string;
  readonly randomizationNumber: number;
  readonly kits: readonly { kitNumber: string; drug: string; visit: string | null }[];
}

/** Screens an eligible subject at a site and randomizes them as its coordinator. */
export async function enroll(
  s: TestServer,
  t: HttpTrial,
  site = 0,
  priorResponse: 'NR' | 'PR' = 'NR',
): Promise<{ subject: SubjectBody; requestId: string; allocation: AllocationBody }> {
  const subject = await screenSubject(s, t, site, eligibleNr(priorResponse));
  const requestId = randomUUID();
  const res = await s.call({
    method: 'POST',
    url: `/api/subjects/${subject.id}/randomize`,
    token: t.sites[site]?.coordinator.token,
    body: { requestId },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { subject, requestId, allocation: res.json<AllocationBody>() };
}

/** How many entries the study's audit chain holds (checked intact on the way), as its data manager. */
export async function auditCount(s: TestServer, t: HttpTrial): Promise<number> {
  const res = await s.call({
    method: 'POST',
    url: '/api/audit/verify',
    token: t.dm.token,
    body: { studyId: t.id },
  });
  expect(res.statusCode, res.body).toBe(200);
  const report = res.json<{ ok: boolean; chains: { chain: string; entries: number }[] }>();
  expect(report.ok).toBe(true);
  return report.chains.find((c) => c.chain === t.id)?.entries ?? 0;
}

/** Roles granted per site: in an HTTP trial, their users see one site only. */
export const SITE_ROLES: readonly Role[] = ['site_coordinator', 'investigator', 'monitor'];

/** The trial's user holding `role` (a site role: the one at site `site`). */
export function userOf(t: HttpTrial, role: Role, site = 0): TestUser {
  const at = t.sites[site];
  if (!at) throw new Error(`the trial has no site ${site}`);
  switch (role) {
    case 'site_coordinator':
      return at.coordinator;
    case 'investigator':
      return at.investigator;
    case 'monitor':
      return at.monitor;
    case 'central_lab':
      return t.lab;
    case 'data_manager':
      return t.dm;
    case 'drug_supply_manager':
      return t.dsm;
    case 'unblinded_statistician':
      return t.stat;
    case 'partner_reviewer':
      return t.partner;
    case 'admin':
      return t.admin;
  }
}

/** A kit as the kit list returns it (the content only where the caller may see it). */
export interface KitBody {
  readonly kitNumber: string;
  readonly drug: string;
  readonly status: string;
  readonly siteId: string | null;
  readonly visit: string | null;
  readonly content?: string;
}

/** A GET as `user` that must answer 200 with a JSON list. */
export async function listOf<T>(s: TestServer, url: string, user: TestUser): Promise<T[]> {
  const res = await s.call({ method: 'GET', url, token: user.token });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T[]>();
}

/** What a refused write must leave as it was: the audit chain, subjects, allocations, kits, shipments. */
async function trialState(s: TestServer, t: HttpTrial): Promise<unknown[]> {
  return [
    await auditCount(s, t),
    await listOf(s, `/api/studies/${t.id}/subjects`, t.dm),
    await listOf(s, `/api/studies/${t.id}/allocations`, t.dm),
    await listOf(s, `/api/studies/${t.id}/kits`, t.dsm),
    await listOf(s, `/api/studies/${t.id}/shipments`, t.dsm),
  ];
}

/** Runs `refuse` (refused requests and their assertions) and checks the trial did not change. */
export async function expectUnchanged(
  s: TestServer,
  t: HttpTrial,
  refuse: () => Promise<void>,
): Promise<void> {
  const before = await trialState(s, t);
  await refuse();
  expect(await trialState(s, t)).toEqual(before);
}
