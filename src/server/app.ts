import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Services } from '../services/index.js';
import { errorHandler } from './errors.js';
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
  /** Behind a reverse proxy: the client's address from X-Forwarded-For (TRIALDESK_TRUST_PROXY). */
  readonly trustProxy?: boolean;
}

/** The HTTP API: thin routes over the services, one error mapping, an OpenAPI document. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel },
    bodyLimit: 5 * 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
  });
  await app.register(cookie);
  // Only JSON and YAML bodies: no text/plain, which a cross-site form could send.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    ['application/yaml', 'text/yaml', 'application/x-yaml'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, { source: body as string, fileName: 'request.yaml' }),
  );
  // Central-lab CSV files: the raw stream, read by the import as it arrives (no body limit, no buffering).
  app.addContentTypeParser('text/csv', (_req, payload, done) => done(null, payload));
  app.setErrorHandler(errorHandler);
  // Any /api answer may carry clinical data or a session's details: no browser or proxy may keep a
  // copy (also errors and 404s, so nothing is cached by mistake). Set before routing, so it holds for
  // every reply, including the error handler's and the not-found handler's.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.url === '/api' || request.url.startsWith('/api/') || request.url.startsWith('/api?'))
      void reply.header('cache-control', 'no-store');
    done();
  });
  const appPages = await registerWebApp(app, options.webRoot ?? null, options.version);
  app.setNotFoundHandler((request, reply) => {
    if (appPages(request.method, request.url.split('?')[0] ?? '', reply)) return;
    void reply
      .status(404)
      .send({ error: { code: 'not_found', message: `No endpoint ${request.method} ${request.url}` } });
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
