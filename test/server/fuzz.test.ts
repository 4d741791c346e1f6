import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors.js';
import { SESSION_COOKIE } from '../../src/server/route.js';
import { engines } from '../support/engines.js';
import { eligibleNr } from '../support/trial.js';
import { openServer, openTrial, type HttpTrial, type TestServer } from './support.js';

/*
 * Every operation of the OpenAPI document (enumerated, so endpoints added later are fuzzed too) gets
 * random and hostile path parameters, query strings, bodies, content types and headers, as signed-in
 * users of several roles and as nobody. No answer may be a 5xx; every refusal is in the documented
 * error format and leaves every table as it was. The seed is fixed; fast-check prints it and the
 * shrunk request on a failure (rerun with FUZZ_SEED=… to explore others).
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS_PER_OPERATION = 6;
/** Tables whose rows belong to a study (PostgreSQL's database is shared with other test files). */
const STUDY_TABLES = [
  'sites',
  'role_grants',
  'subjects',
  'allocations',
  'kits',
  'shipments',
  'subject_visits',
  'results',
  'adverse_events',
  'dispositions',
  'forms',
  'signatures',
  'queries',
  'lab_imports',
  'unblinding_events',
] as const;
/** Failed sign-ins are audited by design (a refusal that is recorded, in the global chain). */
const AUDITS_REFUSALS = new Set(['POST /api/auth/sign-in']);

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly query: readonly string[];
  readonly bodyFields: readonly string[];
}

/** Texts an attacker tries: NUL and other controls, escapes, traversal, SQL, huge, odd dates and numbers. */
const HOSTILE_TEXT = [
  '\u0000',
  'a\u0000b',
  '\u0001\u001f\u007f',
  '\ud800',
  '../../etc/passwd',
  "' or 1=1 --",
  '0000-01-01',
  '0001-01-01',
  '2025-02-30',
  '99999-01-01',
  '1e308',
  '-1',
  'NaN',
  '<script>alert(1)</script>',
  'x'.repeat(5000),
  '',
  ' ',
  '__proto__',
  'constructor',
];
const HOSTILE_RAW_SEGMENTS = ['%00', '%E0%A4%A', '..%2F..', '%2e%2e', 'x'.repeat(150), '%F0%9F%98%80', '-1'];

const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...HOSTILE_TEXT),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(1e308, -1e308, -1, 0, 1.5, 2 ** 53, Number.MIN_VALUE, -0),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

describe.each(engines())('fuzzing every API operation on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let operations: Operation[];
  /** Ids of real records, so a fuzzed path reaches past "not found" to the checks behind it. */
  let ids: string[];

  /** Rows of the fuzzed study, and audit entries of its chain or by its users. */
  const counts = async (): Promise<Record<string, number>> => {
    const users = [
      t.admin,
      t.dm,
      t.dsm,
      t.stat,
      t.lab,
      t.partner,
      ...t.sites.flatMap((x) => [x.coordinator, x.investigator, x.monitor]),
    ]
      .map((u) => `'${u.id}'`)
      .join(', ');
    const select = [
      ...STUDY_TABLES.map(
        (table) => `(select count(*) from ${table} where study_id = '${t.id}') as ${table}`,
      ),
      `(select count(*) from query_messages where query_id in (select id from queries where study_id = '${t.id}')) as query_messages`,
      `(select count(*) from audit_log where study_id = '${t.id}' or actor_id in (${users})) as audit_log`,
      `(select count(*) from studies where id = '${t.id}' and status = 'locked') as locked`,
    ].join(', ');
    const { rows } = await sql<Record<string, string | number>>`${sql.raw(`select ${select}`)}`.execute(
      s.database.db,
    );
    return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
  };

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { sites: 1, kitsPerDrug: 4 });
    const site = t.sites[0]!;
    const screened = await s.call({
      method: 'POST',
      url: `/api/studies/${t.id}/subjects`,
      token: site.coordinator.token,
      body: { siteId: site.id, answers: eligibleNr(), consentedOn: '2025-01-02' },
    });
    expect(screened.statusCode, screened.body).toBe(201);
    const subjectId = screened.json<{ id: string }>().id;
    const randomized = await s.call({
      method: 'POST',
      url: `/api/subjects/${subjectId}/randomize`,
      token: site.coordinator.token,
      body: { requestId: randomUUID() },
    });
    expect(randomized.statusCode, randomized.body).toBe(201);
    ids = [t.id, site.id, subjectId, t.dm.id, t.admin.id, site.coordinator.id];

    const doc = (await s.call({ method: 'GET', url: '/api/openapi.json' })).json<{
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: { name: string; in: string }[];
            requestBody?: { content: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
          }
        >
      >;
    }>();
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodyFields: Object.keys(op.requestBody?.content['application/json']?.schema?.properties ?? {}),
      })),
    );
    expect(operations.length).toBeGreaterThan(50);
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers every operation with no 5xx, refusals in the error format, nothing saved on refusal', async () => {
    const tokens = [
      undefined,
      t.admin.token,
      t.dm.token,
      t.lab.token,
      t.stat.token,
      t.sites[0]!.coordinator.token,
      t.sites[0]!.monitor.token,
    ];
    const segment = fc.oneof(
      fc.constantFrom(...ids),
      fc.uuid().map((u) => u),
      fc.constantFrom(...HOSTILE_RAW_SEGMENTS),
      fc.string({ unit: 'binary', maxLength: 20 }).map((x) => encodeURIComponent(x) || 'x'),
      fc.constantFrom('W12', 'D0', 'MAIN', 'visit:W12'),
    );
    const queryValue = fc.oneof(
      fc.constantFrom(...HOSTILE_RAW_SEGMENTS, 'true', 'false', '1', '1000000', 'open'),
      fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
      fc.constantFrom(...ids),
    );
    const request = fc.record({
      op: fc.nat({ max: operations.length - 1 }),
      segments: fc.array(segment, { minLength: 3, maxLength: 3 }),
      query: fc.dictionary(
        fc.constantFrom('x', 'limit', 'studyId', 'entityId', 'dryRun', 'count'),
        queryValue,
        {
          maxKeys: 3,
        },
      ),
      opQuery: fc.array(queryValue, { minLength: 4, maxLength: 4 }),
      body: fc.oneof(
        fc.constant(undefined),
        fc.jsonValue({ maxDepth: 3 }),
        fc.dictionary(fc.string({ maxLength: 12 }), hostileValue, { maxKeys: 4 }),
        fc.constant('fields'),
      ),
      fieldValues: fc.array(hostileValue, { minLength: 8, maxLength: 8 }),
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'application/yaml',
        'text/csv',
        'application/xml',
        'text/plain',
        'application/json; charset=latin1',
        'multipart/form-data; boundary=x',
      ),
      raw: fc.oneof(fc.constant(null), fc.string({ unit: 'binary', maxLength: 200 })),
      token: fc.constantFrom(...tokens),
      bearer: fc.boolean(),
      extraHeader: fc.option(
        fc.tuple(
          fc.constantFrom('x-forwarded-for', 'accept', 'accept-encoding', 'origin', 'range'),
          fc.string({ maxLength: 40 }),
        ),
      ),
    });

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const op = operations[r.op]!;
        let n = 0;
        const path = op.path.replace(/\{[A-Za-z]+\}/g, () => r.segments[n++ % r.segments.length]!);
        const query = { ...r.query };
        op.query.forEach((name, i) => {
          if (r.opQuery[i] !== undefined && i % 2 === 0) query[name] = r.opQuery[i];
        });
        const qs = Object.entries(query)
          .map(([k, v]) => `${k}=${v}`)
          .join('&');
        const url = qs === '' ? path : `${path}?${qs}`;
        let body: unknown = r.body;
        if (body === 'fields')
          body = Object.fromEntries(
            op.bodyFields.map((f, i) => [f, r.fieldValues[i % r.fieldValues.length]]),
          );
        const headers: Record<string, string> = {};
        if (r.token && r.bearer) headers.authorization = `Bearer ${r.token}`;
        if (r.extraHeader) headers[r.extraHeader[0]] = r.extraHeader[1].replace(/[^\x20-\x7e]/g, '');
        const options: InjectOptions = {
          method: op.method,
          url,
          headers,
          ...(r.token && !r.bearer ? { cookies: { [SESSION_COOKIE]: r.token } } : {}),
        };
        if (op.method !== 'GET' && (body !== undefined || r.raw !== null)) {
          headers['content-type'] = r.contentType;
          options.payload =
            r.raw ??
            (r.contentType.startsWith('application/json')
              ? JSON.stringify(body)
              : String(JSON.stringify(body)));
        }
        const before = await counts();
        const res = await s.app.inject(options);
        const label = `${op.method} ${url} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, label).toBeLessThan(500);
        if (res.statusCode >= 400) {
          const error = res.json<{ error?: { code?: string; message?: string } }>().error;
          expect(ERROR_CODES as readonly string[], label).toContain(error?.code);
          expect(typeof error?.message, label).toBe('string');
          const after = await counts();
          if (AUDITS_REFUSALS.has(`${op.method} ${op.path}`)) after.audit_log = before.audit_log ?? 0;
          expect(after, label).toEqual(before);
        }
      }),
      { seed: SEED, numRuns: operations.length * RUNS_PER_OPERATION, endOnFailure: true },
    );
    const health = await s.call({ method: 'GET', url: '/api/health' });
    expect(health.statusCode).toBe(200);
  });
});
