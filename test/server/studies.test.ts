import { randomUUID } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, unique } from '../support/engines.js';
import { protocolWithUniqueCode } from '../support/fixtures.js';
import {
  expectError,
  issuePaths,
  NAIVE_PROTOCOL,
  NR_PROTOCOL,
  openServer,
  OTHER_PROTOCOL,
  type TestServer,
  type TestUser,
} from './support.js';

interface StudyRecord {
  id: string;
  code: string;
  title: string;
  status: string;
  currentVersion: number;
}
interface Arm {
  code: string;
  ratio: number;
  cap?: number;
  control: boolean;
  treatments: { drug: string; placebo: boolean }[];
}
interface Protocol {
  code: string;
  title: string;
  drugs: { code: string; masked: boolean }[];
  arms: Arm[];
  randomization: { method: string };
}
interface StudyDetail extends StudyRecord {
  protocol: Protocol;
  versions: { version: number; reason: string | null; sourceSha256: string; protocol?: unknown }[];
}
interface VersionRecord {
  studyId: string;
  version: number;
  protocol: Protocol;
  reason: string | null;
}

const PROTOCOLS = [
  { path: NR_PROTOCOL, arms: ['TRIPLE', 'DOUBLE', 'CONTROL'] },
  { path: NAIVE_PROTOCOL, arms: ['TRIPLE', 'CONTROL'] },
  { path: OTHER_PROTOCOL, arms: ['PLACEBO', 'ACTIVE'] },
];

/** A reference protocol as an object, with a unique code, for edits. */
const protocolObject = (path: string): Record<string, unknown> & { code: string } =>
  parse(protocolWithUniqueCode(path).source) as Record<string, unknown> & { code: string };

describe.each(engines())('studies and sites over HTTP on $name', (engine) => {
  let s: TestServer;
  let admin: TestUser;

  const get = (url: string, token: string) => s.call({ method: 'GET', url, token });
  const post = (url: string, token: string, body: unknown, headers?: Record<string, string>) =>
    s.call({ method: 'POST', url, token, body, ...(headers ? { headers } : {}) });
  const studyIds = async (token: string): Promise<string[]> => {
    const res = await get('/api/studies', token);
    expect(res.statusCode).toBe(200);
    return res
      .json<StudyRecord[]>()
      .map((x) => x.id)
      .sort();
  };

  beforeAll(async () => {
    s = await openServer(engine);
    admin = await s.user([{ role: 'admin' }]);
  });
  afterAll(async () => {
    await s.close();
  });

  describe('creating studies', () => {
    it.each(PROTOCOLS)(
      'creates a study from $path sent as JSON {source, fileName}',
      async ({ path, arms }) => {
        const { source, code } = protocolWithUniqueCode(path);
        const res = await post('/api/studies', admin.token, { source, fileName: 'protocol.yaml' });
        expect(res.statusCode, res.body).toBe(201);
        const study = res.json<StudyRecord>();
        expect(study).toMatchObject({ code, status: expect.any(String) as string, currentVersion: 1 });
        expect(study.id).toMatch(/^[0-9a-f-]{36}$/);

        const detail = await get(`/api/studies/${study.id}`, admin.token);
        expect(detail.statusCode).toBe(200);
        const d = detail.json<StudyDetail>();
        expect(d.protocol.code).toBe(code);
        expect(d.protocol.arms.map((a) => a.code)).toEqual(arms);
        expect(d.versions).toEqual([expect.objectContaining({ version: 1, reason: null })]);
        expect(d.versions[0]?.protocol).toBeUndefined();
        expect(await studyIds(admin.token)).toContain(study.id);
      },
    );

    it.each(PROTOCOLS)('creates a study from $path sent as application/yaml', async ({ path, arms }) => {
      const { source, code } = protocolWithUniqueCode(path);
      const res = await post('/api/studies', admin.token, source, { 'content-type': 'application/yaml' });
      expect(res.statusCode, res.body).toBe(201);
      const study = res.json<StudyRecord>();
      expect(study.code).toBe(code);
      const d = (await get(`/api/studies/${study.id}`, admin.token)).json<StudyDetail>();
      expect(d.protocol.arms.map((a) => a.code)).toEqual(arms);
    });

    it('creates a study from a protocol object sent as JSON {protocol}', async () => {
      const protocol = protocolObject(OTHER_PROTOCOL);
      const res = await post('/api/studies', admin.token, { protocol });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json<StudyRecord>().code).toBe(protocol.code);
    });

    it('returns the non-responder protocol: three arms, celgosivir masked by placebo in the control arm', async () => {
      const { id } = await s.study(admin.token, NR_PROTOCOL);
      const d = (await get(`/api/studies/${id}`, admin.token)).json<StudyDetail>();
      expect(d.title).toMatch(/celgosivir/i);
      const p = d.protocol;
      expect(p.arms).toHaveLength(3);
      expect(Object.fromEntries(p.drugs.map((x) => [x.code, x.masked]))).toEqual({
        CELGOSIVIR: true,
        PEGIFN: false,
        RBV: false,
      });
      const [triple, double, control] = p.arms;
      expect(triple?.treatments.map((t) => t.drug)).toEqual(['CELGOSIVIR', 'PEGIFN', 'RBV']);
      expect(double?.treatments.map((t) => t.drug)).toEqual(['CELGOSIVIR', 'PEGIFN']);
      expect(control).toMatchObject({ control: true, cap: 20 });
      expect(control?.treatments).toContainEqual({ drug: 'CELGOSIVIR', placebo: true });
      expect(p.arms.map((a) => a.cap)).toEqual([20, 20, 20]);
    });

    it('returns the other-shape protocol as written: 1:2 ratio, minimization', async () => {
      const { id } = await s.study(admin.token, OTHER_PROTOCOL);
      const p = (await get(`/api/studies/${id}`, admin.token)).json<StudyDetail>().protocol;
      expect(p.arms.map((a) => [a.code, a.ratio])).toEqual([
        ['PLACEBO', 1],
        ['ACTIVE', 2],
      ]);
      expect(p.randomization.method).toBe('minimization');
    });

    it('refuses an invalid protocol with 400 naming path, reason and line, and creates nothing', async () => {
      const doc = protocolObject(NR_PROTOCOL);
      const arms = doc.arms as { treatments: { drug: string }[] }[];
      (arms[1]?.treatments[0] as { drug: string }).drug = 'NOPE';
      const source = stringify(doc);
      const line = source.split('\n').findIndex((l) => l.includes('drug: NOPE')) + 1;
      expect(line).toBeGreaterThan(1);
      const before = await studyIds(admin.token);

      const res = await post('/api/studies', admin.token, { source, fileName: 'bad.yaml' });
      const error = expectError(res, 400, 'validation');
      expect(error.message).toContain(`bad.yaml:${line}`);
      expect(error.details?.issues).toEqual([
        {
          file: 'bad.yaml',
          line,
          path: 'arms[1].treatments[0].drug',
          message: expect.stringContaining('unknown drug "NOPE"') as string,
        },
      ]);

      expect(await studyIds(admin.token)).toEqual(before);
      const list = (await get('/api/studies', admin.token)).json<StudyRecord[]>();
      expect(list.map((x) => x.code)).not.toContain(doc.code);
    });

    it('refuses a protocol with a wrong or missing field, naming each with its line', async () => {
      const doc = protocolObject(NAIVE_PROTOCOL);
      const arms = doc.arms as { cap?: number }[];
      (arms[0] as { cap?: number }).cap = -3;
      delete doc.title;
      const source = stringify(doc);
      const capLine = source.split('\n').findIndex((l) => l.includes('cap: -3')) + 1;
      const res = await post('/api/studies', admin.token, { source, fileName: 'naive.yaml' });
      const issues = expectError(res, 400, 'validation').details?.issues ?? [];
      expect(issues).toContainEqual(expect.objectContaining({ path: 'arms[0].cap', line: capLine }));
      expect(issues).toContainEqual(
        expect.objectContaining({ path: 'title', line: expect.any(Number) as number }),
      );
      const list = (await get('/api/studies', admin.token)).json<StudyRecord[]>();
      expect(list.map((x) => x.code)).not.toContain(doc.code);
    });

    it('refuses an invalid protocol object with 400 naming the path (no line)', async () => {
      const protocol = { ...protocolObject(OTHER_PROTOCOL), arms: [] };
      const error = expectError(await post('/api/studies', admin.token, { protocol }), 400, 'validation');
      expect(error.details?.issues).toContainEqual(expect.objectContaining({ path: 'arms', line: null }));
    });

    it('refuses a YAML syntax error with 400 giving the line', async () => {
      const source = 'schemaVersion: 1\ncode: x\narms: [unclosed\n';
      const res = await post('/api/studies', admin.token, source, { 'content-type': 'application/yaml' });
      const error = expectError(res, 400, 'validation');
      expect(error.details?.issues?.[0]).toMatchObject({
        file: 'request.yaml',
        line: expect.any(Number) as number,
      });
    });

    it('refuses a body that is neither a protocol source nor a protocol object, naming the body', async () => {
      for (const body of [{}, { source: '' }, { sourceCode: 'x' }, { protocol: 'text' }]) {
        const error = expectError(await post('/api/studies', admin.token, body), 400, 'validation');
        expect(issuePaths(error).length).toBeGreaterThan(0);
        expect(issuePaths(error).every((p) => p.startsWith('body'))).toBe(true);
      }
    });

    it('refuses a second study with the same code with 409, leaving one', async () => {
      const { source, code } = protocolWithUniqueCode(NAIVE_PROTOCOL);
      expect((await post('/api/studies', admin.token, { source, fileName: 'a.yaml' })).statusCode).toBe(201);
      expectError(await post('/api/studies', admin.token, { source, fileName: 'b.yaml' }), 409, 'conflict');
      const res = await post('/api/studies', admin.token, source, { 'content-type': 'application/yaml' });
      expectError(res, 409, 'conflict');
      const list = (await get('/api/studies', admin.token)).json<StudyRecord[]>();
      expect(list.filter((x) => x.code === code)).toHaveLength(1);
    });

    it('answers 404 for a study that does not exist and 400 for a malformed id', async () => {
      expectError(await get(`/api/studies/${randomUUID()}`, admin.token), 404, 'not_found');
      const error = expectError(await get('/api/studies/not-a-uuid', admin.token), 400, 'validation');
      expect(issuePaths(error)).toEqual(['params.studyId']);
    });
  });

  describe('amending a protocol', () => {
    let study: { id: string; code: string };
    let original: Record<string, unknown> & { code: string };
    let manager: TestUser;
    const amend = (body: unknown, token = manager.token) =>
      post(`/api/studies/${study.id}/amendments`, token, body);
    const withCap = (cap: number): string => {
      const arms = (original.arms as Record<string, unknown>[]).map((a, i) => (i === 0 ? { ...a, cap } : a));
      return stringify({ ...original, arms });
    };

    beforeAll(async () => {
      const { source, code } = protocolWithUniqueCode(NR_PROTOCOL);
      original = parse(source) as Record<string, unknown> & { code: string };
      const res = await post('/api/studies', admin.token, { source, fileName: 'nr.yaml' });
      study = { id: res.json<StudyRecord>().id, code };
      manager = await s.user([{ role: 'data_manager', studyId: study.id }]);
    });

    it('makes version 2 with its reason and keeps version 1 as it was', async () => {
      const res = await amend({ source: withCap(25), fileName: 'nr-v2.yaml', reason: 'Larger triple arm' });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ id: study.id, code: study.code, currentVersion: 2 });

      const d = (await get(`/api/studies/${study.id}`, manager.token)).json<StudyDetail>();
      expect(d.currentVersion).toBe(2);
      expect(d.protocol.arms[0]?.cap).toBe(25);
      expect(d.versions.map((v) => [v.version, v.reason])).toEqual([
        [1, null],
        [2, 'Larger triple arm'],
      ]);

      const v1 = await get(`/api/studies/${study.id}/versions/1`, manager.token);
      expect(v1.statusCode).toBe(200);
      expect(v1.json<VersionRecord>()).toMatchObject({ studyId: study.id, version: 1, reason: null });
      expect(v1.json<VersionRecord>().protocol.arms[0]?.cap).toBe(20);
      const v2 = (await get(`/api/studies/${study.id}/versions/2`, manager.token)).json<VersionRecord>();
      expect(v2).toMatchObject({ version: 2, reason: 'Larger triple arm' });
      expect(v2.protocol.arms[0]?.cap).toBe(25);
    });

    it('answers 404 for a version that does not exist and 400 for a malformed one', async () => {
      expectError(await get(`/api/studies/${study.id}/versions/99`, manager.token), 404, 'not_found');
      for (const v of ['0', 'abc', '1.5']) {
        const error = expectError(
          await get(`/api/studies/${study.id}/versions/${v}`, manager.token),
          400,
          'validation',
        );
        expect(issuePaths(error)).toEqual(['params.version']);
      }
    });

    it('refuses an amendment identical to the current version with 409', async () => {
      const current = (await get(`/api/studies/${study.id}`, manager.token)).json<StudyDetail>();
      const res = await amend({ protocol: current.protocol, reason: 'No change at all' });
      expectError(res, 409, 'conflict');
    });

    it('refuses an amendment that changes the study code with 400, adding no version', async () => {
      const source = stringify({ ...original, code: `${original.code}-x` });
      const error = expectError(
        await amend({ source, fileName: 'x.yaml', reason: 'Rename it' }),
        400,
        'validation',
      );
      expect(error.details?.issues).toEqual([
        { path: 'code', message: expect.stringContaining(study.code) as string },
      ]);
      expect(
        (await get(`/api/studies/${study.id}`, manager.token)).json<StudyDetail>().versions,
      ).toHaveLength(2);
    });

    it('refuses an amendment without a reason, or with an empty one, naming body.reason', async () => {
      for (const reason of [undefined, '', '  x ']) {
        const body = { source: withCap(30), fileName: 'x.yaml', ...(reason === undefined ? {} : { reason }) };
        const error = expectError(await amend(body), 400, 'validation');
        expect(issuePaths(error)).toContain('body.reason');
      }
      expect((await get(`/api/studies/${study.id}`, manager.token)).json<StudyDetail>().currentVersion).toBe(
        2,
      );
    });

    it('refuses an invalid amended protocol with 400 and keeps the current version', async () => {
      const error = expectError(
        await amend({ source: withCap(-1), fileName: 'neg.yaml', reason: 'Negative cap' }),
        400,
        'validation',
      );
      expect(error.details?.issues).toContainEqual(
        expect.objectContaining({ path: 'arms[0].cap', file: 'neg.yaml' }),
      );
      expect((await get(`/api/studies/${study.id}`, manager.token)).json<StudyDetail>().currentVersion).toBe(
        2,
      );
    });

    it('refuses an amendment by a site coordinator or by the data manager of another study with 403', async () => {
      const site = await s.site(study.id, manager.token);
      const coordinator = await s.user([{ role: 'site_coordinator', studyId: study.id, siteId: site.id }]);
      const other = await s.study(admin.token, NAIVE_PROTOCOL);
      const otherManager = await s.user([{ role: 'data_manager', studyId: other.id }]);
      for (const token of [coordinator.token, otherManager.token])
        expectError(
          await amend({ source: withCap(40), fileName: 'x.yaml', reason: 'Not mine to amend' }, token),
          403,
          'forbidden',
        );
      expect((await get(`/api/studies/${study.id}`, manager.token)).json<StudyDetail>().currentVersion).toBe(
        2,
      );
    });
  });

  describe('study access by role', () => {
    let a: { id: string; code: string };
    let b: { id: string; code: string };
    let coordinator: TestUser;

    beforeAll(async () => {
      a = await s.study(admin.token, NR_PROTOCOL);
      b = await s.study(admin.token, NAIVE_PROTOCOL);
      const manager = await s.user([{ role: 'data_manager', studyId: a.id }]);
      const site = await s.site(a.id, manager.token);
      coordinator = await s.user([{ role: 'site_coordinator', studyId: a.id, siteId: site.id }]);
    });

    it('lets a site coordinator read their study and its sites', async () => {
      expect((await get(`/api/studies/${a.id}`, coordinator.token)).statusCode).toBe(200);
      expect((await get(`/api/studies/${a.id}/versions/1`, coordinator.token)).statusCode).toBe(200);
      expect((await get(`/api/studies/${a.id}/sites`, coordinator.token)).json()).toHaveLength(1);
    });

    it('lists to a site coordinator only the studies they hold a role in', async () => {
      expect(await studyIds(coordinator.token)).toEqual([a.id]);
      const all = await studyIds(admin.token);
      expect(all).toEqual(expect.arrayContaining([a.id, b.id]));
    });

    it('refuses a site coordinator of study A everything about study B with 403', async () => {
      for (const url of [
        `/api/studies/${b.id}`,
        `/api/studies/${b.id}/versions/1`,
        `/api/studies/${b.id}/sites`,
      ])
        expectError(await get(url, coordinator.token), 403, 'forbidden');
    });

    it('does not tell a user without a role whether a study exists: 403 either way', async () => {
      expectError(await get(`/api/studies/${randomUUID()}`, coordinator.token), 403, 'forbidden');
      expectError(await get(`/api/studies/${b.id}`, coordinator.token), 403, 'forbidden');
    });

    it('refuses study creation to a site coordinator with 403, creating nothing', async () => {
      const { source, code } = protocolWithUniqueCode(OTHER_PROTOCOL);
      const error = expectError(
        await post('/api/studies', coordinator.token, { source, fileName: 'x.yaml' }),
        403,
        'forbidden',
      );
      expect(error.details).toMatchObject({ action: 'study.create' });
      const list = (await get('/api/studies', admin.token)).json<StudyRecord[]>();
      expect(list.map((x) => x.code)).not.toContain(code);
    });

    it('lets a user with no role at all list no studies', async () => {
      const nobody = await s.user([]);
      expect(await studyIds(nobody.token)).toEqual([]);
    });
  });

  describe('sites', () => {
    let a: { id: string };
    let b: { id: string };
    let manager: TestUser;

    beforeAll(async () => {
      a = await s.study(admin.token, NR_PROTOCOL);
      b = await s.study(admin.token, OTHER_PROTOCOL);
      manager = await s.user([{ role: 'data_manager', studyId: a.id }]);
    });

    it('lets the data manager of the study add a site (201) that the site list then shows', async () => {
      const res = await post(`/api/studies/${a.id}/sites`, manager.token, {
        code: 'MTL-01',
        name: 'Montréal General',
        country: 'CA',
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({
        studyId: a.id,
        code: 'MTL-01',
        name: 'Montréal General',
        country: 'CA',
      });
      const list = (await get(`/api/studies/${a.id}/sites`, manager.token)).json<{ code: string }[]>();
      expect(list.map((x) => x.code)).toContain('MTL-01');
    });

    it('refuses a duplicate site code in the same study with 409, but allows it in another study', async () => {
      const code = `D${unique().toUpperCase()}`.slice(0, 20);
      expect(
        (await post(`/api/studies/${a.id}/sites`, manager.token, { code, name: 'One' })).statusCode,
      ).toBe(201);
      expectError(
        await post(`/api/studies/${a.id}/sites`, manager.token, { code, name: 'Two' }),
        409,
        'conflict',
      );
      const otherManager = await s.user([{ role: 'data_manager', studyId: b.id }]);
      expect(
        (await post(`/api/studies/${b.id}/sites`, otherManager.token, { code, name: 'Three' })).statusCode,
      ).toBe(201);
      const list = (await get(`/api/studies/${a.id}/sites`, manager.token)).json<{ code: string }[]>();
      expect(list.filter((x) => x.code === code)).toHaveLength(1);
    });

    it('refuses a malformed site with 400 naming the field', async () => {
      for (const [body, path] of [
        [{ code: 'lower case', name: 'x' }, 'body.code'],
        [{ code: '', name: 'x' }, 'body.code'],
        [{ code: 'A'.repeat(21), name: 'x' }, 'body.code'],
        [{ code: 'OK-1', name: '' }, 'body.name'],
        [{ code: 'OK-1', name: 'x', country: 'Canada' }, 'body.country'],
        [{ code: 'OK-1', name: 'x', extra: true }, 'body'],
      ] as const) {
        const error = expectError(
          await post(`/api/studies/${a.id}/sites`, manager.token, body),
          400,
          'validation',
        );
        expect(issuePaths(error)).toEqual([path]);
      }
    });

    it('refuses site creation to a coordinator and to the data manager of another study with 403', async () => {
      const site = await s.site(a.id, manager.token);
      const coordinator = await s.user([{ role: 'site_coordinator', studyId: a.id, siteId: site.id }]);
      const otherManager = await s.user([{ role: 'data_manager', studyId: b.id }]);
      for (const token of [coordinator.token, otherManager.token])
        expectError(
          await post(`/api/studies/${a.id}/sites`, token, { code: 'NOPE-1', name: 'Nope' }),
          403,
          'forbidden',
        );
      const list = (await get(`/api/studies/${a.id}/sites`, manager.token)).json<{ code: string }[]>();
      expect(list.map((x) => x.code)).not.toContain('NOPE-1');
    });
  });
});
