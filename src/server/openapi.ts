import { z } from 'zod';
import { ERROR_CODES } from '../core/errors.js';
import type { AnyRoute } from './route.js';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
};

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: [...ERROR_CODES] },
        message: { type: 'string' },
        details: { type: 'object', description: 'e.g. `issues`: [{ path, message }] for validation errors' },
      },
    },
  },
};

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = toSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

/** The OpenAPI 3.1 document, generated from the same route definitions and schemas the server uses. */
export function buildOpenApi(routes: readonly AnyRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const status = String(route.status ?? 200);
    const operation: JsonSchema = {
      summary: route.summary,
      tags: [route.tag],
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      ...(route.body
        ? {
            requestBody: {
              // An optional body (e.g. POST /api/audit/verify) may be left out.
              required: !route.body.safeParse(undefined).success,
              content: {
                'application/json': { schema: toSchema(route.body) },
                ...(route.acceptsYaml
                  ? { 'application/yaml': { schema: { type: 'string', description: 'the protocol file' } } }
                  : {}),
              },
            },
          }
        : {}),
      ...(route.rawBody
        ? {
            requestBody: {
              required: true,
              content: {
                [route.rawBody.contentType]: {
                  schema: { type: 'string', description: route.rawBody.description },
                },
              },
            },
          }
        : {}),
      ...(route.auth ? { security: [{ sessionCookie: [] }, { bearerToken: [] }] } : { security: [] }),
      responses: {
        [status]: { description: status === '204' ? 'Done, no content' : 'Success' },
        '4XX': {
          description: 'The request was refused; nothing was changed',
          content: { 'application/json': { schema: errorSchema } },
        },
      },
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'trialdesk API',
      version,
      description:
        'Run a randomized multi-center clinical trial. Sign in with POST /api/auth/sign-in (session cookie) or send an API token as a Bearer token.',
    },
    components: {
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'trialdesk_session' },
        bearerToken: { type: 'http', scheme: 'bearer' },
      },
    },
    paths,
  };
}
