import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { validationError } from '../core/errors.js';
import { unsafeInputIssues } from '../core/input/unsafe-input.js';
import type { Caller, Services } from '../services/index.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler gets: parsed input, the caller (authenticated on first use) and the reply. */
export interface RouteContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly services: Services;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly caller: () => Promise<Caller>;
}

export interface RouteSpec<P, Q, B> {
  readonly method: Method;
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  /** False only for the few endpoints that work signed out (health, sign-in, the OpenAPI document). */
  readonly auth: boolean;
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  /** HTTP status of success (default 200). */
  readonly status?: number;
  /** The body may also be a protocol file sent as application/yaml (documented in OpenAPI). */
  readonly acceptsYaml?: boolean;
  /** The body is a file streamed raw to the handler (e.g. text/csv), not JSON: documented in OpenAPI. */
  readonly rawBody?: { readonly contentType: string; readonly description: string };
  readonly handler: (ctx: RouteContext<P, Q, B>) => Promise<unknown>;
}

/** A route with its input types erased, for registries. */
export type AnyRoute = RouteSpec<unknown, unknown, unknown>;

/** Declares a route; the registry feeds both Fastify and the OpenAPI document. */
export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  spec: RouteSpec<P, Q, B>,
): AnyRoute {
  return spec as unknown as AnyRoute;
}

export const SESSION_COOKIE = 'trialdesk_session';

/** The session cookie, or an API token sent as `Authorization: Bearer td_…`. */
export function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return request.cookies[SESSION_COOKIE];
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return (where === 'body' ? undefined : {}) as T;
  // Control characters (U+0000…) in any text, and hostile nesting, are refused for every field of
  // every endpoint here, before a schema or the database sees them.
  const unsafe = unsafeInputIssues(value, where);
  if (unsafe.length > 0)
    throw validationError(
      `Invalid ${where}: ${unsafe.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      unsafe,
    );
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw validationError(
    `Invalid ${where}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    issues,
  );
}

export function registerRoutes(app: FastifyInstance, services: Services, routes: readonly AnyRoute[]): void {
  const callers = new WeakMap<FastifyRequest, Promise<Caller>>();
  const authenticate = (request: FastifyRequest): Promise<Caller> => {
    let caller = callers.get(request);
    if (!caller) callers.set(request, (caller = services.auth.authenticate(credentialOf(request))));
    return caller;
  };
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      // Authenticate before the body is received or anything is parsed: a signed-out caller learns
      // nothing from validation, and cannot make the server receive (or spool to disk) a large body.
      ...(route.auth
        ? {
            onRequest: async (request: FastifyRequest): Promise<void> => {
              await authenticate(request);
            },
          }
        : {}),
      handler: async (request, reply) => {
        const ctx: RouteContext<unknown, unknown, unknown> = {
          params: parse(route.params, request.params, 'params'),
          query: parse(route.query, request.query, 'query'),
          body: parse(route.body, request.body, 'body'),
          services,
          request,
          reply,
          caller: () => authenticate(request),
        };
        const result = await route.handler(ctx);
        if (reply.sent) return reply;
        void reply.status(route.status ?? 200);
        return result === undefined ? reply.send() : result;
      },
    });
  }
}
