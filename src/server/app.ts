import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Services } from '../services/index.js';
import { withDeadlines } from './body/body-deadlines.js';
import { ReceivedFile } from './body/received-file.js';
import { clientErrorHandler, errorHandler } from './errors.js';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from './limits.js';
import { buildOpenApi } from './openapi.js';
import { defineRoute, registerRoutes, type AnyRoute } from './route.js';
import { auditRoutes } from './routes/audit.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { analysisRoutes } from './routes/analysis.routes.js';
import { captureRoutes } from './routes/capture.routes.js';
import { labRoutes } from './routes/lab.routes.js';
import { randomizationRoutes } from './routes/randomization.routes.js';
import { studyRoutes } from './routes/study.routes.js';
import { subjectRoutes } from './routes/subject.routes.js';
import { supplyRoutes } from './routes/supply.routes.js';
import { systemRoutes } from './routes/system.routes.js';
import { userRoutes } from './routes/user.routes.js';
import { registerWebApp } from './web-app.js';

export interface ServerOptions {
  readonly services: Services;
  readonly health: () => Promise<{ engine: string }>;
  readonly secureCookies: boolean;
  readonly logLevel: string;
  readonly version: string;
  /** The built web application to serve at `/` (WEB_ROOT); without one, `/` explains how to build it. */
  readonly webRoot?: string | null;
  /** Bounds on what is received (tests shorten the timeouts); DEFAULT_INPUT_LIMITS otherwise. */
  readonly limits?: Partial<InputLimits>;
}

/** The HTTP API: thin routes over the services, one error mapping, an OpenAPI document. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits: InputLimits = { ...DEFAULT_INPUT_LIMITS, ...options.limits };
  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel },
    bodyLimit: limits.jsonBytes,
    // A backstop for requests whose body no parser reads: Node answers 408 when the whole request
    // has not arrived by then (bodies that are read have their own, tighter deadlines below).
    requestTimeout: limits.bodyTotalMs + 5_000,
    // Parser errors (a header block over Node's 16 KiB: 431…) in the documented error format.
    clientErrorHandler,
    // Router errors (a path parameter over 100 characters: 414, a malformed %-escape) likewise.
    frameworkErrors: (err, request, reply) => errorHandler(err, request, reply),
  });
  await app.register(cookie);
  // Every body is received whole, with an idle and a total deadline, before its handler runs: a
  // handler (and its transaction) never waits on the network.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      Number(request.headers['content-length'] ?? 0) > 0;
    done(null, hasBody ? withDeadlines(payload, limits.bodyIdleMs, limits.bodyTotalMs) : payload);
  });
  // Only JSON and YAML bodies: no text/plain, which a cross-site form could send.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    ['application/yaml', 'text/yaml', 'application/x-yaml'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, { source: body as string, fileName: 'request.yaml' }),
  );
  // Central-lab CSV files: received whole (spooled to a temporary file when large) and handed to
  // the route as a ReceivedFile, which the import streams from; removed once the answer is sent.
  app.addContentTypeParser('text/csv', (request, payload, done) => {
    ReceivedFile.receive(payload, limits).then(
      (file) => {
        received.set(request, file);
        done(null, file);
      },
      (err: Error) => done(err, undefined),
    );
  });
  const received = new WeakMap<object, ReceivedFile>();
  const dispose = async (request: object): Promise<void> => {
    await received.get(request)?.dispose();
  };
  // The route removes its file when done; this catches a body no route took (e.g. a refused one).
  app.addHook('onResponse', dispose);
  app.setErrorHandler(errorHandler);
  const appPages = await registerWebApp(app, options.webRoot ?? null, options.version);
  app.setNotFoundHandler((request, reply) => {
    if (appPages(request.method, request.url.split('?')[0] ?? '', reply)) return;
    void reply
      .status(404)
      // The path only, never the query string, and bounded: an error message is no echo chamber.
      .send({
        error: {
          code: 'not_found',
          message: `No endpoint ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`,
        },
      });
  });

  const routes: AnyRoute[] = [
    ...systemRoutes(options.health),
    ...authRoutes({ secure: options.secureCookies }),
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
  let openapi: unknown;
  routes.push(
    defineRoute({
      method: 'GET',
      url: '/api/openapi.json',
      summary: 'This document: the OpenAPI 3.1 description of every endpoint.',
      tag: 'system',
      auth: false,
      handler: () => Promise.resolve((openapi ??= buildOpenApi(routes, options.version))),
    }),
  );
  registerRoutes(app, options.services, routes);
  return app;
}
