import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { scratchDatabases } from '../support/databases.js';
import { PASSWORD, world } from '../support/fixtures.js';
import { eligibleNr, nrTrial } from '../support/trial.js';
import { BASE_ENV, cli, uniqueName } from './harness.js';
import { trialdesk, waitForOutput, type Spawned } from './spawn.js';

const pgUrl = inject('pgUrl');
const ARMS = ['TRIPLE', 'DOUBLE', 'CONTROL'];

interface Allocation {
  readonly subjectId: string;
  readonly randomizationNumber: number;
  readonly arm?: string;
}

/**
 * Two `trialdesk serve` processes over one PostgreSQL database: they share nothing but the database
 * (no memory, no files), as app nodes behind a load balancer would.
 */
describe.runIf(pgUrl)('two app nodes on one PostgreSQL server', () => {
  const databases = scratchDatabases(pgUrl, 'trialdesk_nodes');
  afterAll(() => databases.dropAll());

  it('a session from one node works on the other; 64 randomizations split across both allocate 60 within the caps, once each; the audit chains verify', async () => {
    const url = await databases.create();
    // The study, its stock and 64 screened subjects, set up directly (as the other tests do).
    const coordinatorName = uniqueName('crc');
    const adminName = uniqueName('adm');
    const setup = await openDatabase({ url, poolSize: 4 });
    let studyId: string;
    let statName: string;
    const subjectIds: string[] = [];
    try {
      const w = world(setup);
      await w.user([{ role: 'admin' }], adminName);
      const t = await nrTrial(w, { kitsPerDrug: 70 });
      studyId = t.studyId;
      statName = t.stat.username;
      await w.user([{ role: 'site_coordinator', studyId, siteId: t.siteIds[0]! }], coordinatorName);
      for (let i = 0; i < 64; i++)
        subjectIds.push(
          (
            await w.services.subjects.screen(t.coordinators[0]!, studyId, {
              siteId: t.siteIds[0]!,
              answers: eligibleNr(),
            })
          ).id,
        );
    } finally {
      await setup.close();
    }

    const env = { ...BASE_ENV, DATABASE_URL: url, PORT: '0' };
    const nodes: Spawned[] = [trialdesk(['serve'], env), trialdesk(['serve'], env)];
    try {
      await Promise.all(nodes.map((n) => waitForOutput(n, (out) => out.includes('API reference:'))));
      const [a, b] = nodes.map((n) => {
        const base = /is running at (http:\/\/\S+)/.exec(n.stdout())?.[1];
        if (!base) throw new Error(`no URL in ${n.stdout()}`);
        return base;
      }) as [string, string];
      expect(a).not.toBe(b);

      // Signed in on A, the session cookie works on B; signed out on B, it is over on A too.
      const signIn = async (base: string, username: string): Promise<string> => {
        const res = await fetch(`${base}/api/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: PASSWORD }),
        });
        expect(res.status).toBe(200);
        const cookie = /trialdesk_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
        if (!cookie) throw new Error('no session cookie');
        return cookie;
      };
      const cookie = await signIn(a, coordinatorName);
      const me = await fetch(`${b}/api/auth/me`, { headers: { cookie } });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { username: string }).username).toBe(coordinatorName);
      const out = await fetch(`${b}/api/auth/sign-out`, { method: 'POST', headers: { cookie } });
      expect(out.status).toBe(204);
      expect((await fetch(`${a}/api/auth/me`, { headers: { cookie } })).status).toBe(401);

      // An API token made on B, used on both.
      const fresh = await signIn(b, coordinatorName);
      const made = await fetch(`${b}/api/auth/tokens`, {
        method: 'POST',
        headers: { cookie: fresh, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'two nodes', days: 1 }),
      });
      expect(made.status).toBe(201);
      const { token } = (await made.json()) as { token: string };
      const api = async <T>(
        base: string,
        method: 'GET' | 'POST',
        path: string,
        bearer: string,
        body?: unknown,
      ) => {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${bearer}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: res.status, body: (await res.json()) as T };
      };

      // 64 at once, alternately to A and B: 60 places (caps of 20 per arm).
      const answers = await Promise.all(
        subjectIds.map((id, i) =>
          api<Allocation>(i % 2 === 0 ? a : b, 'POST', `/api/subjects/${id}/randomize`, token, {
            requestId: randomUUID(),
            levels: {},
          }),
        ),
      );
      const allocated = answers.filter((r) => r.status === 201).map((r) => r.body);
      const refused = answers.filter((r) => r.status !== 201);
      expect(allocated).toHaveLength(60);
      expect(refused.map((r) => r.status)).toEqual([409, 409, 409, 409]);
      const numbers = allocated.map((x) => x.randomizationNumber).sort((x, y) => x - y);
      expect(numbers).toEqual(Array.from({ length: 60 }, (_, i) => 1001 + i));
      expect(new Set(allocated.map((x) => x.subjectId)).size).toBe(60);
      // Both nodes did some of the allocating.
      expect(answers.filter((r, i) => i % 2 === 0 && r.status === 201).length).toBeGreaterThan(0);
      expect(answers.filter((r, i) => i % 2 === 1 && r.status === 201).length).toBeGreaterThan(0);

      const stat = await signIn(a, statName);
      const statToken = (
        (await (
          await fetch(`${a}/api/auth/tokens`, {
            method: 'POST',
            headers: { cookie: stat, 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'check', days: 1 }),
          })
        ).json()) as { token: string }
      ).token;
      const list = await api<Required<Allocation>[]>(
        b,
        'GET',
        `/api/studies/${studyId}/allocations`,
        statToken,
      );
      expect(list.status).toBe(200);
      expect(list.body.map((x) => x.randomizationNumber).sort((x, y) => x - y)).toEqual(numbers);
      for (const arm of ARMS)
        expect(
          list.body.filter((x) => x.arm === arm),
          arm,
        ).toHaveLength(20);
      const verify = await api(a, 'POST', `/api/studies/${studyId}/randomization/verify`, statToken);
      expect(verify).toEqual({
        status: 200,
        body: { ok: true, method: 'permuted-blocks', allocations: 60, mismatches: [] },
      });
    } finally {
      for (const n of nodes) n.kill('SIGTERM');
      expect(await Promise.all(nodes.map((n) => n.exited))).toEqual([0, 0]);
    }

    // Every chain, written by both nodes, verifies (the whole database: it is this test's own).
    const audit = await cli(['audit', 'verify', '--json'], {
      env: { ...BASE_ENV, DATABASE_URL: url, TRIALDESK_USER: adminName, TRIALDESK_PASSWORD: PASSWORD },
    });
    expect(audit.code, audit.err).toBe(0);
    const report = JSON.parse(audit.out) as {
      ok: boolean;
      chains: { chain: string; ok: boolean; entries: number }[];
    };
    expect(report.ok).toBe(true);
    const chain = report.chains.find((c) => c.chain === studyId);
    // The 60 allocations and the 60 dispensings at least, sealed under writes from both nodes.
    expect(chain?.entries).toBeGreaterThan(120);
  }, 600_000);
});
