import { z } from 'zod';
import {
  changePasswordSchema,
  createTokenSchema,
  revokeTokenQuerySchema,
  signInSchema,
} from '../../services/auth/auth.schemas.js';
import { defineRoute, SESSION_COOKIE } from '../route.js';

export const authRoutes = (cookie: { secure: boolean }) => [
  defineRoute({
    method: 'POST',
    url: '/api/auth/sign-in',
    summary: 'Sign in with username and password; sets the HTTP-only session cookie.',
    tag: 'auth',
    auth: false,
    body: signInSchema,
    handler: async ({ body, services, request, reply }) => {
      // The address counts towards the sign-in throttle (the proxy's client address with TRUST_PROXY).
      const issued = await services.auth.signIn(body, `ip:${request.ip}`);
      void reply.setCookie(SESSION_COOKIE, issued.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: cookie.secure,
        expires: issued.expiresAt,
      });
      const caller = await services.auth.authenticate(issued.token);
      return { user: caller, expiresAt: issued.expiresAt, mustChangePassword: issued.mustChangePassword };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/auth/sign-out',
    summary: 'Ends the current session.',
    tag: 'auth',
    auth: true,
    status: 204,
    handler: async ({ services, caller, reply }) => {
      await services.auth.signOut(await caller());
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/auth/me',
    summary: 'The signed-in user and their role grants.',
    tag: 'auth',
    auth: true,
    handler: async ({ caller }) => caller(),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/auth/password',
    summary:
      'Changes the signed-in user’s password (required after a one-time password); ends their other sessions and API tokens.',
    tag: 'auth',
    auth: true,
    body: changePasswordSchema,
    status: 204,
    handler: async ({ services, caller, body }) => services.auth.changePassword(await caller(), body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/auth/tokens',
    summary: 'Creates an API token (send as `Authorization: Bearer …`); the secret is shown once.',
    tag: 'auth',
    auth: true,
    body: createTokenSchema,
    status: 201,
    handler: async ({ services, caller, body }) => services.auth.createApiToken(await caller(), body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/auth/tokens',
    summary: 'The signed-in user’s live API tokens: name, created, expires (never the secret).',
    tag: 'auth',
    auth: true,
    handler: async ({ services, caller }) => {
      const me = await caller();
      return services.auth.listTokens(me, me.userId);
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/auth/tokens/:tokenId',
    summary:
      'Revokes an API token: your own, or anyone’s as an admin; `reason` (query) is kept in the audit trail.',
    tag: 'auth',
    auth: true,
    params: z.strictObject({ tokenId: z.uuid('must be a token id') }),
    query: revokeTokenQuerySchema,
    status: 204,
    handler: async ({ services, caller, params, query }) =>
      services.auth.revokeToken(await caller(), params.tokenId, query.reason ?? null),
  }),
];
