import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyRoute } from '../../src/server/route.js';
import { auditRoutes } from '../../src/server/routes/audit.routes.js';
import { analysisRoutes } from '../../src/server/routes/analysis.routes.js';
import { authRoutes } from '../../src/server/routes/auth.routes.js';
import { captureRoutes } from '../../src/server/routes/capture.routes.js';
import { labRoutes } from '../../src/server/routes/lab.routes.js';
import { randomizationRoutes } from '../../src/server/routes/randomization.routes.js';
import { studyRoutes } from '../../src/server/routes/study.routes.js';
import { subjectRoutes } from '../../src/server/routes/subject.routes.js';
import { supplyRoutes } from '../../src/server/routes/supply.routes.js';
import { systemRoutes } from '../../src/server/routes/system.routes.js';
import { userRoutes } from '../../src/server/routes/user.routes.js';
import { engines } from '../support/engines.js';
import { expectError, openServer, type TestServer } from './support.js';

/** The route table the server is built from (app.ts adds the OpenAPI document itself). */
const routeTable: readonly AnyRoute[] = [
  ...systemRoutes(() => Promise.resolve({ engine: 'any' })),
  ...authRoutes({ secure: false }),
  ...studyRoutes,
  ...userRoutes,
  ...auditRoutes,
  ...subjectRoutes,
  ...randomizationRoutes,
  ...supplyRoutes,
  ...captureRoutes,
  ...labRoutes,
  ...analysisRoutes,
];
const openApiPath = (url: string): string => url.replace(/:([A-Za-z]+)/g, '{$1}');
const expectedOperations = [
  ...routeTable.map((r) => `${r.method} ${openApiPath(r.url)}`),
  'GET /api/openapi.json',
].sort();

/** `METHOD /path` of every route Fastify registered, read from its route tree (HEAD is automatic). */
function registeredOperations(tree: string): string[] {
  const ops: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(m[2] ?? '');
    const path = openApiPath(stack.join(''));
    for (const method of (m[3] ?? '').split(', ').filter((x) => x !== '' && x !== 'HEAD'))
      ops.push(`${method} ${path}`);
  }
  return ops.sort();
}

interface Operation {
  summary: string;
  tags: string[];
  parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  security: unknown[];
  responses: Record<string, { description: string; content?: unknown }>;
}
interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
}

const operationsOf = (doc: OpenApiDoc): { method: string; path: string; op: Operation }[] =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );

/** Property names a JSON schema accepts (through unions and intersections). */
function propertyNames(schema: Record<string, unknown>): string[] {
  const own = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
  const nested = ['anyOf', 'oneOf', 'allOf'].flatMap((k) =>
    ((schema[k] as Record<string, unknown>[] | undefined) ?? []).flatMap(propertyNames),
  );
  return [...new Set([...own, ...nested])].sort();
}

describe.each(engines())('HTTP API basics on $name', (engine) => {
  let s: TestServer;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    s = await openServer(engine);
    const res = await s.call({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<OpenApiDoc>();
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers the health check with 200 and the engine, signed out', async () => {
    const res = await s.call({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ status: 'ok', engine: engine.name });
  });

  it('serves an OpenAPI 3.1 document with info and both security schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'trialdesk API', version: 'test' });
    expect(doc.components.securitySchemes).toEqual({
      sessionCookie: { type: 'apiKey', in: 'cookie', name: 'trialdesk_session' },
      bearerToken: { type: 'http', scheme: 'bearer' },
    });
  });

  it('lists every route of the route table, and exactly the routes the server registered', () => {
    const documented = operationsOf(doc)
      .map((o) => `${o.method} ${o.path}`)
      .sort();
    expect(documented).toEqual(expectedOperations);
    // Pages outside /api (the home page, later the web app) are not part of the API document.
    const registered = registeredOperations(s.app.printRoutes({ commonPrefix: false }));
    expect(registered.filter((op) => op.split(' ')[1]?.startsWith('/api/'))).toEqual(expectedOperations);
    for (const route of routeTable)
      expect(s.app.hasRoute({ method: route.method, url: route.url })).toBe(true);
  });

  it('documents each operation with a summary, a tag, its security, success and error responses', () => {
    for (const route of routeTable) {
      const op = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.url}`).toBeDefined();
      if (!op) continue;
      expect(op.summary).toBe(route.summary);
      expect(op.tags).toEqual([route.tag]);
      expect(op.security).toEqual(route.auth ? [{ sessionCookie: [] }, { bearerToken: [] }] : []);
      expect(Object.keys(op.responses).sort()).toEqual([String(route.status ?? 200), '4XX'].sort());
      expect(op.responses['4XX']?.content).toBeDefined();
    }
  });

  it('documents every path parameter as required, and the query parameters', () => {
    for (const { path, op } of operationsOf(doc)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const documented = op.parameters.filter((p) => p.in === 'path');
      expect(documented.map((p) => p.name).sort(), path).toEqual(inPath.sort());
      for (const p of documented) expect(p.required).toBe(true);
    }
    const audit = doc.paths['/api/audit']?.get;
    const query = Object.fromEntries((audit?.parameters ?? []).map((p) => [p.name, p]));
    expect(Object.keys(query)).toEqual(
      expect.arrayContaining(['studyId', 'action', 'actorId', 'from', 'to', 'afterSeq', 'limit']),
    );
    expect(query.studyId).toMatchObject({ in: 'query', required: false, schema: { format: 'uuid' } });
    expect(query.limit).toMatchObject({ in: 'query', required: false });
    const revoke = doc.paths['/api/grants/{grantId}']?.delete;
    expect(revoke?.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'path:grantId',
      'query:reason',
    ]);
  });

  it('documents the request body of every route that takes one, with its fields', () => {
    for (const route of routeTable) {
      const op = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      if (route.rawBody) {
        expect(Object.keys(op?.requestBody?.content ?? {}), `${route.method} ${route.url}`).toEqual([
          route.rawBody.contentType,
        ]);
        continue;
      }
      if (!route.body) {
        expect(op?.requestBody, `${route.method} ${route.url}`).toBeUndefined();
        continue;
      }
      const schema = op?.requestBody?.content['application/json']?.schema;
      expect(schema, `${route.method} ${route.url}`).toBeDefined();
      // Required exactly when the server refuses a request without a body.
      expect(op?.requestBody?.required, `${route.method} ${route.url}`).toBe(
        !route.body.safeParse(undefined).success,
      );
    }
    const body = (path: string, method: string): string[] =>
      propertyNames(doc.paths[path]?.[method]?.requestBody?.content['application/json']?.schema ?? {});
    expect(body('/api/auth/sign-in', 'post')).toEqual(['password', 'username']);
    expect(body('/api/users', 'post')).toEqual(['displayName', 'email', 'password', 'roles', 'username']);
    expect(Object.keys(doc.paths['/api/studies']?.post?.requestBody?.content ?? {})).toEqual([
      'application/json',
      'application/yaml',
    ]);
    expect(
      Object.keys(doc.paths['/api/studies/{studyId}/lab-imports']?.post?.requestBody?.content ?? {}),
    ).toEqual(['text/csv']);
    expect(body('/api/users/{userId}/grants', 'post')).toEqual(['expiresAt', 'role', 'siteId', 'studyId']);
    expect(body('/api/studies', 'post')).toEqual(['fileName', 'protocol', 'source']);
    expect(body('/api/studies/{studyId}/amendments', 'post')).toEqual([
      'fileName',
      'protocol',
      'reason',
      'source',
    ]);
    expect(body('/api/studies/{studyId}/sites', 'post')).toEqual(['code', 'country', 'name']);
  });

  it('refuses every authenticated endpoint signed out with 401 before looking at params, query or body', async () => {
    const guarded = operationsOf(doc).filter((o) => o.op.security.length > 0);
    expect(guarded.length).toBe(routeTable.filter((r) => r.auth).length);
    const credentials: { name: string; headers: Record<string, string> }[] = [
      { name: 'no credential', headers: {} },
      { name: 'a garbage cookie', headers: { cookie: 'trialdesk_session=garbage' } },
      { name: 'a garbage bearer token', headers: { authorization: `Bearer td_${randomUUID()}` } },
    ];
    for (const { method, path, op } of guarded) {
      const url = `${path.replace(/\{\w+\}/g, () => randomUUID())}${method === 'GET' ? '?limit=abc&bogus=1' : ''}`;
      for (const credential of credentials) {
        const res = await s.call({
          method: method as 'GET',
          url,
          headers: credential.headers,
          ...(op.requestBody || method !== 'GET' ? { body: { bogus: 'x'.repeat(10) } } : {}),
        });
        const what = `${method} ${url} with ${credential.name}`;
        expect(res.statusCode, what).toBe(401);
        const error = expectError(res, 401, 'unauthenticated');
        expect(error.details, what).toBeUndefined();
        expect(error.message, what).not.toMatch(/body|query|params|bogus|invalid/i);
      }
    }
  });

  it('answers the public endpoints signed out', async () => {
    for (const { method, path, op } of operationsOf(doc).filter((o) => o.op.security.length === 0)) {
      if (op.requestBody) continue;
      const res = await s.call({ method: method as 'GET', url: path });
      expect(res.statusCode, path).toBe(200);
    }
  });

  it('answers an unknown endpoint or method with a JSON 404', async () => {
    for (const [method, url] of [
      ['GET', '/api/nope'],
      ['PUT', '/api/health'],
      ['DELETE', '/api/studies'],
      ['GET', '/nope'],
      ['POST', '/api/health'],
    ] as const) {
      const error = expectError(await s.call({ method, url }), 404, 'not_found');
      expect(error.message).toContain(url);
    }
  });

  it('refuses a malformed JSON body with a JSON 400', async () => {
    const res = await s.call({
      method: 'POST',
      url: '/api/auth/sign-in',
      headers: { 'content-type': 'application/json' },
      body: '{"username": "x", ',
    });
    expectError(res, 400, 'validation');
  });

  it('refuses a content type it does not parse, such as text/plain or a form post, with a JSON 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await s.call({
        method: 'POST',
        url: '/api/auth/sign-in',
        headers: { 'content-type': type },
        body: 'username=x&password=y',
      });
      expect(expectError(res, 415, 'unsupported_media_type').message).toContain(type);
      expect(res.cookies).toEqual([]);
    }
  });

  it('refuses an empty JSON body with a JSON 400, and a body over the size limit with a JSON 413', async () => {
    for (const [headers, body, status, code] of [
      [{ 'content-type': 'application/json' }, undefined, 400, 'validation'],
      [
        { 'content-type': 'application/json' },
        JSON.stringify({ username: 'a', password: 'b'.repeat(6 * 1024 * 1024) }),
        413,
        'too_large',
      ],
    ] as const) {
      const res = await s.call({ method: 'POST', url: '/api/auth/sign-in', headers, body });
      expectError(res, status, code);
      expect(res.cookies).toEqual([]);
    }
  });

  it('names the fields of an invalid body on a public endpoint', async () => {
    const res = await s.call({ method: 'POST', url: '/api/auth/sign-in', body: { username: 'x' } });
    const error = expectError(res, 400, 'validation');
    expect(error.details?.issues).toEqual([{ path: 'body.password', message: expect.any(String) as string }]);
  });
});
