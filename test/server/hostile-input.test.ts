import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { parse } from 'yaml';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_LIMITS } from '../../src/core/protocol/limits.js';
import { engines } from '../support/engines.js';
import { PASSWORD, protocolWithUniqueCode, readProtocol } from '../support/fixtures.js';
import { eligibleNr, inAYear } from '../support/trial.js';
import {
  expectError,
  expectUnchanged,
  issuePaths,
  NR_PROTOCOL,
  openServer,
  openTrial,
  type Call,
  type HttpTrial,
  type TestServer,
  type TestUser,
  type TrialSite,
} from './support.js';

/*
 * The findings of an attacker's run (issue 10, item 4): each was a 500 or an implausible value
 * accepted; each must now be a 4xx in the documented format, naming the field, with nothing saved.
 */

const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const CONSENT = day(-120);
const D0 = day(-90);
const W12 = day(-6);
const REASON = 'Transcription error: corrected from the source document';
const NUL = '\u0000';
const AE = {
  verbatimTerm: 'Headache after injection',
  grade: 2,
  serious: false,
  relatedness: { CELGOSIVIR: 'unlikely', PEGIFN: 'probable', RBV: 'not_related' },
  onsetDate: day(-60),
  outcome: 'recovered',
  actionTaken: 'none',
};
const RESULT = { visit: 'W12', collectedOn: W12, result: '<15', assay: 'COBAS TaqMan HCV v2.0' };
const QUERY = { form: 'visit:W12', field: 'HCVRNA.result', text: 'Please confirm against the lab report' };

/** "Billion laughs" in YAML: 9 levels of 9 aliases, 377 bytes that expand to 9^9 strings. */
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map(
    (k, i) => `${k}: &${k} [${Array.from({ length: 9 }, () => `*${'abcdefghi'[i]}`).join(',')}]`,
  ),
].join('\n');

describe.each(engines())('hostile input over HTTP on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let A: TrialSite;
  let subjectId: string;
  let resultId: string;
  let queryId: string;

  const send = (method: Call['method'], url: string, user: TestUser | undefined, body?: unknown) =>
    s.call({ method, url, ...(user ? { token: user.token } : {}), ...(body === undefined ? {} : { body }) });
  const ok = <T>(res: LightMyRequestResponse, status = 200): T => {
    expect(res.statusCode, res.body).toBe(status);
    return res.json<T>();
  };
  const labUpload = (bytes: Buffer | string) =>
    s.app.inject({
      method: 'POST',
      url: `/api/studies/${t.id}/lab-imports?assay=COBAS`,
      cookies: { trialdesk_session: t.lab.token },
      headers: { 'content-type': 'text/csv' },
      payload: bytes,
    });
  const results = async (): Promise<number> => {
    const { rows } = await sql<{ n: string | number }>`
      select count(*) as n from results where study_id = ${t.id}`.execute(s.database.db);
    return Number(rows[0]?.n);
  };

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { sites: 1, kitsPerDrug: 4 });
    A = t.sites[0]!;
    const crc = A.coordinator;
    const screened = await send('POST', `/api/studies/${t.id}/subjects`, crc, {
      siteId: A.id,
      answers: eligibleNr(),
      consentedOn: CONSENT,
    });
    subjectId = ok<{ id: string }>(screened, 201).id;
    ok(await send('POST', `/api/subjects/${subjectId}/randomize`, crc, { requestId: randomUUID() }), 201);
    ok(await send('POST', `/api/subjects/${subjectId}/visits`, crc, { visit: 'D0', date: D0 }), 201);
    ok(await send('POST', `/api/subjects/${subjectId}/visits`, crc, { visit: 'W12', date: W12 }), 201);
    resultId = ok<{ record: { id: string } }>(
      await send('POST', `/api/subjects/${subjectId}/results`, crc, RESULT),
      201,
    ).record.id;
    queryId = ok<{ id: string }>(
      await send('POST', `/api/subjects/${subjectId}/queries`, A.monitor, QUERY),
      201,
    ).id;
  });
  afterAll(async () => {
    await s.close();
  });

  it('refuses a NUL character in every kind of text field with 400 naming the field, saving nothing', async () => {
    const cases: readonly [TestUser, Call['method'], string, unknown, string][] = [
      [
        t.admin,
        'POST',
        '/api/users',
        { username: `u-${randomUUID().slice(0, 8)}`, displayName: `Ann${NUL}` },
        'body.displayName',
      ],
      [
        t.dm,
        'POST',
        `/api/studies/${t.id}/sites`,
        { code: 'NUL1', name: `Site${NUL}`, country: 'CA' },
        'body.name',
      ],
      [
        A.coordinator,
        'POST',
        `/api/subjects/${subjectId}/adverse-events`,
        { ...AE, verbatimTerm: `Head${NUL}ache` },
        'body.verbatimTerm',
      ],
      [
        A.coordinator,
        'PUT',
        `/api/subjects/${subjectId}/visits/D0`,
        { date: D0, reasonForChange: `${REASON}${NUL}` },
        'body.reasonForChange',
      ],
      [
        A.coordinator,
        'PUT',
        `/api/results/${resultId}`,
        { collectedOn: W12, result: 'TND', assay: `COBAS${NUL}`, reasonForChange: REASON },
        'body.assay',
      ],
      [
        A.monitor,
        'POST',
        `/api/subjects/${subjectId}/queries`,
        { ...QUERY, text: `Please${NUL}` },
        'body.text',
      ],
      [A.coordinator, 'POST', `/api/queries/${queryId}/answer`, { text: `Checked${NUL}` }, 'body.text'],
      [
        A.investigator,
        'POST',
        `/api/subjects/${subjectId}/unblind`,
        { reason: `Serious adverse event${NUL} needs it`, password: PASSWORD },
        'body.reason',
      ],
      [t.dm, 'POST', `/api/studies/${t.id}/lock`, { reason: `Final${NUL}` }, 'body.reason'],
      [
        t.dsm,
        'POST',
        `/api/studies/${t.id}/kits`,
        { drug: 'PEGIFN', count: 1, lot: `L${NUL}1`, expiresOn: inAYear() },
        'body.lot',
      ],
      [A.coordinator, 'POST', '/api/auth/tokens', { name: `script${NUL}` }, 'body.name'],
      [
        A.coordinator,
        'POST',
        `/api/studies/${t.id}/subjects`,
        { siteId: A.id, answers: { ...eligibleNr(), hcvGenotype: `1a${NUL}` }, consentedOn: CONSENT },
        'body.answers.hcvGenotype',
      ],
      [t.dm, 'GET', `/api/audit?studyId=${t.id}&entityId=%00`, undefined, 'query.entityId'],
      [t.dm, 'GET', `/api/studies/${t.id}/queries?status=open%01`, undefined, 'query.status'],
    ];
    await expectUnchanged(s, t, async () => {
      for (const [user, method, url, body, path] of cases) {
        const error = expectError(await send(method, url, user, body), 400, 'validation');
        expect(issuePaths(error), `${method} ${url}`).toEqual([path]);
        expect(error.message).toMatch(/control characters \(U\+00/);
      }
    });
    // The lab file: the row with the NUL byte is refused, naming its line and column; nothing imported.
    const before = await results();
    const csv = `subject,visit,date,result,unit,lloq\nWPG-S001,W4,${W12},2400${NUL}000,IU/mL,15\n`;
    const refused = expectError(await labUpload(csv), 400, 'validation');
    expect(refused.message).toMatch(/line 2: result: must not contain control characters/);
    expect(await results()).toBe(before);
  });

  it('refuses dates before 1900 (year 0 included) with 400 naming the field', async () => {
    await expectUnchanged(s, t, async () => {
      for (const consentedOn of ['0000-01-01', '0001-01-01', '1899-12-31']) {
        const res = await send('POST', `/api/studies/${t.id}/subjects`, A.coordinator, {
          siteId: A.id,
          answers: eligibleNr(),
          consentedOn,
        });
        const error = expectError(res, 400, 'validation');
        expect(error.details?.issues).toEqual([
          { path: 'body.consentedOn', message: 'must be 1900-01-01 or later' },
        ]);
      }
      const kits = await send('POST', `/api/studies/${t.id}/kits`, t.dsm, {
        drug: 'PEGIFN',
        count: 1,
        lot: 'L1',
        expiresOn: '0000-01-01',
      });
      expect(issuePaths(expectError(kits, 400, 'validation'))).toEqual(['body.expiresOn']);
    });
  });

  it('refuses screening answers outside the protocol’s plausible ranges, and absurd numbers', async () => {
    await expectUnchanged(s, t, async () => {
      for (const [answers, path, message] of [
        [{ hcvRna: 1e308 }, 'answers.hcvRna', /from 0 to 1000000000/],
        [{ neutrophils: -1 }, 'answers.neutrophils', /from 0 to 100/],
        [{ age: 1e6 }, 'answers.age', /from 0 to 120/],
      ] as const) {
        const res = await send('POST', `/api/studies/${t.id}/subjects`, A.coordinator, {
          siteId: A.id,
          answers: { ...eligibleNr(), ...answers },
          consentedOn: CONSENT,
        });
        const error = expectError(res, 400, 'validation');
        expect(issuePaths(error)).toEqual([path]);
        expect(error.details?.issues?.[0]?.message).toMatch(message);
      }
    });
  });

  it('refuses a lab file that is not UTF-8 text, importing nothing', async () => {
    const before = await results();
    // "Müller" in Latin-1: 0xFC is not UTF-8.
    const latin1 = Buffer.concat([
      Buffer.from(`subject,visit,date,result,unit,lloq,assay\nWPG-S001,W4,${W12},2400000,IU/mL,15,M`),
      Buffer.from([0xfc]),
      Buffer.from('ller\n'),
    ]);
    const error = expectError(await labUpload(latin1), 400, 'validation');
    expect(error.message).toMatch(/not valid UTF-8/);
    expect(issuePaths(error)).toEqual(['body']);
    expect(await results()).toBe(before);
  });

  it('refuses a YAML alias bomb, a deeply nested body and an oversized protocol with 400', async () => {
    const admin = t.admin;
    const studies = async () => (await send('GET', '/api/studies', admin)).body;
    const before = await studies();
    const bomb = await s.call({
      method: 'POST',
      url: '/api/studies',
      token: admin.token,
      headers: { 'content-type': 'application/yaml' },
      body: ALIAS_BOMB,
    });
    expect(expectError(bomb, 400, 'validation').message).toMatch(/alias/i);
    // Sent as text: the test's own JSON.stringify would overflow on it.
    const deep = await s.call({
      method: 'POST',
      url: '/api/studies',
      token: admin.token,
      headers: { 'content-type': 'application/json' },
      body: `{"protocol":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_001)}`,
    });
    expect(expectError(deep, 400, 'validation').message).toMatch(/nested too deeply/);
    const deepYaml = await send('POST', '/api/studies', admin, {
      source: `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
      fileName: 'deep.yaml',
    });
    expectError(deepYaml, 400, 'validation');

    const { source } = protocolWithUniqueCode(NR_PROTOCOL);
    const doc = parse(source) as { arms: { code: string }[] } & Record<string, unknown>;
    const template = doc.arms[0]!;
    const arms = Array.from({ length: 20_000 }, (_, i) => ({ ...template, code: `A${i}` }));
    const huge = await send('POST', '/api/studies', admin, { protocol: { ...doc, arms } });
    const error = expectError(huge, 400, 'validation');
    expect(error.details?.issues).toContainEqual(
      expect.objectContaining({
        path: 'arms',
        message: `at most ${PROTOCOL_LIMITS.arms} arms (the protocol size limit)`,
      }),
    );
    expect(await studies()).toBe(before);
    // The reference protocols are well within every limit.
    expect(readProtocol(NR_PROTOCOL).length).toBeLessThan(PROTOCOL_LIMITS.fileChars);
  });

  it('answers 414, 415 and 404 in the error format without echoing the URL', async () => {
    const long = 'x'.repeat(300);
    const tooLong = expectError(await send('GET', `/api/studies/${long}`, t.dm), 414, 'uri_too_long');
    expect(tooLong.message).not.toContain(long);
    const badEscape = expectError(await send('GET', `/api/studies/%E0%A4%A`, t.dm), 400, 'validation');
    expect(badEscape.message).not.toContain('%E0');
    const xml = await s.call({
      method: 'POST',
      url: `/api/studies/${t.id}/sites`,
      token: t.dm.token,
      headers: { 'content-type': 'application/xml' },
      body: '<site/>',
    });
    expectError(xml, 415, 'unsupported_media_type');
    const missing = expectError(await send('GET', '/api/nope?secret=hunter2', t.dm), 404, 'not_found');
    expect(missing.message).not.toContain('hunter2');
  });

  it('answers 431 to oversized headers in the error format, and stays up', async () => {
    const address = await s.app.listen({ host: '127.0.0.1', port: 0 });
    const port = Number(new URL(address).port);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
      socket.on('close', () => resolve(received));
      socket.on('error', () => undefined);
      socket.write(`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
    expect(body.error.code).toBe('headers_too_large');
    expect((await fetch(`${address}/api/health`)).status).toBe(200);
  });
});
