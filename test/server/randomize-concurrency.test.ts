import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/engines.js';
import { eligibleNr, nrTrial } from '../support/trial.js';
import { openServer, type ErrorBody, type TestServer } from './support.js';

const ARMS = ['TRIPLE', 'DOUBLE', 'CONTROL'];

interface Allocation {
  subjectId: string;
  randomizationNumber: number;
  replayed?: boolean;
  arm?: string;
}

interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

describe.each(engines())('parallel randomization through a listening server on $name', (engine) => {
  let s: TestServer;
  let base: string;
  beforeAll(async () => {
    s = await openServer(engine);
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => s.close());

  /** A real HTTP request, authenticated by a Bearer token. */
  async function api<T>(method: 'GET' | 'POST', path: string, token: string, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T } satisfies Answer<T>;
  }

  /** The reference study (caps 20/20/20), stocked for every arm, with `n` eligible subjects screened. */
  async function study(n: number) {
    const t = await nrTrial(s.world, { kitsPerDrug: 70 });
    const subjectIds: string[] = [];
    for (let i = 0; i < n; i++) {
      const subject = await s.world.services.subjects.screen(t.coordinators[0]!, t.studyId, {
        siteId: t.siteIds[0]!,
        answers: eligibleNr(),
      });
      subjectIds.push(subject.id);
    }
    const coordinator = await s.user([
      { role: 'site_coordinator', studyId: t.studyId, siteId: t.siteIds[0]! },
    ]);
    const statistician = await s.user([{ role: 'unblinded_statistician', studyId: t.studyId }]);
    return { studyId: t.studyId, subjectIds, coordinator, statistician };
  }

  const randomize = (subjectId: string, token: string, requestId: string = randomUUID()) =>
    api<Allocation | ErrorBody>('POST', `/api/subjects/${subjectId}/randomize`, token, {
      requestId,
      levels: {},
    });

  it('allocates 60 of 64 parallel requests, 20 per arm, numbered 1001 to 1060, and refuses the rest', async () => {
    const { studyId, subjectIds, coordinator, statistician } = await study(64);

    const answers = await Promise.all(subjectIds.map((id) => randomize(id, coordinator.token)));

    const allocated = answers.filter((a) => a.status === 201).map((a) => a.body as Allocation);
    const refused = answers.filter((a) => a.status !== 201);
    expect(allocated).toHaveLength(60);
    expect(refused).toHaveLength(4);
    for (const r of refused) {
      expect(r.status, JSON.stringify(r.body)).toBe(409);
      expect((r.body as ErrorBody).error).toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/every arm of the study is full/i),
      });
    }
    const numbers = allocated.map((a) => a.randomizationNumber).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(60);
    expect(numbers).toEqual(Array.from({ length: 60 }, (_, i) => 1001 + i));

    const list = await api<Required<Allocation>[]>(
      'GET',
      `/api/studies/${studyId}/allocations`,
      statistician.token,
    );
    expect(list.status).toBe(200);
    expect(list.body.map((a) => a.randomizationNumber)).toEqual(numbers);
    expect(new Set(list.body.map((a) => a.subjectId))).toEqual(new Set(allocated.map((a) => a.subjectId)));
    for (const arm of ARMS)
      expect(
        list.body.filter((a) => a.arm === arm),
        arm,
      ).toHaveLength(20);

    const verify = await api('POST', `/api/studies/${studyId}/randomization/verify`, statistician.token);
    expect(verify).toEqual({
      status: 200,
      body: { ok: true, method: 'permuted-blocks', allocations: 60, mismatches: [] },
    });
  });

  it('answers one request sent 16 times in parallel with one allocation and the same number', async () => {
    const { studyId, subjectIds, coordinator, statistician } = await study(1);
    const requestId = randomUUID();

    const answers = await Promise.all(
      Array.from({ length: 16 }, () => randomize(subjectIds[0]!, coordinator.token, requestId)),
    );

    expect(answers.map((a) => a.status).sort()).toEqual([...Array<number>(15).fill(200), 201]);
    const bodies = answers.map((a) => a.body as Allocation);
    expect(new Set(bodies.map((b) => b.randomizationNumber))).toEqual(new Set([1001]));
    expect(bodies.filter((b) => b.replayed !== true)).toHaveLength(1);
    const list = await api<Allocation[]>('GET', `/api/studies/${studyId}/allocations`, statistician.token);
    expect(list.body.map((a) => [a.subjectId, a.randomizationNumber])).toEqual([[subjectIds[0], 1001]]);
  });
});
