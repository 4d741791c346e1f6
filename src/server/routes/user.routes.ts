import { z } from 'zod';
import { createUserSchema, grantRoleSchema } from '../../services/users/user.schemas.js';
import { defineRoute } from '../route.js';

const userParams = z.strictObject({ userId: z.uuid('must be a user id') });

export const userRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/users',
    summary:
      'All users (admin), each with `unblindedRoles`: the unblinded grants they hold and who granted each.',
    tag: 'users',
    auth: true,
    handler: async ({ services, caller }) => services.users.list(await caller()),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/users',
    summary:
      'Creates a user (admin). Without a password, a one-time password is generated and returned once.',
    tag: 'users',
    auth: true,
    body: createUserSchema,
    status: 201,
    handler: async ({ services, caller, body }) => services.users.create(await caller(), body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/tokens',
    summary: 'Every user’s live API tokens (admin): owner, name, created, expires; never a secret.',
    tag: 'users',
    auth: true,
    handler: async ({ services, caller }) => services.auth.listTokens(await caller(), null),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/users/:userId/tokens',
    summary: 'A user’s live API tokens (admin, or the user themself).',
    tag: 'users',
    auth: true,
    params: userParams,
    handler: async ({ services, caller, params }) => services.auth.listTokens(await caller(), params.userId),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/users/:userId/grants',
    summary: 'A user’s active role grants (admin, or the user themself).',
    tag: 'users',
    auth: true,
    params: userParams,
    handler: async ({ services, caller, params }) => services.users.grants(await caller(), params.userId),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/users/:userId/grants',
    summary:
      'Grants a role, globally, for a study, or for a site of a study. An unblinded role only by an admin, never to themself.',
    tag: 'users',
    auth: true,
    params: userParams,
    body: grantRoleSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.users.grant(await caller(), params.userId, body),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/grants/:grantId',
    summary: 'Revokes a role grant; `reason` (query, required) is recorded in the audit trail.',
    tag: 'users',
    auth: true,
    params: z.strictObject({ grantId: z.uuid('must be a grant id') }),
    query: z.strictObject({
      reason: z
        .string('is required: say why the role is revoked (kept in the audit trail)')
        .trim()
        .min(1, 'is required: say why the role is revoked (kept in the audit trail)')
        .max(500),
    }),
    status: 204,
    handler: async ({ services, caller, params, query }) =>
      services.users.revoke(await caller(), params.grantId, query.reason),
  }),
];
