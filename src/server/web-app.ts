import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { homePage } from './home-page.js';

/** Where `vite build` puts the web application (the same folder from src/ under tsx and from dist/). */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/**
 * The policy of the app's pages: scripts, styles and connections only to this origin; the report page
 * frames the API's own report, nothing else frames us.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

const pageHeaders = (reply: FastifyReply): FastifyReply =>
  reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-cache');

/** Answers a request the API has no route for with the app's page, when it is one; false otherwise. */
export type AppPages = (method: string, path: string, reply: FastifyReply) => boolean;

/**
 * Serves the built web application at `/`: hashed assets cached for a year, every other page path
 * answered with index.html (the app routes in the browser). Without a build, `/` says how to make one.
 */
export async function registerWebApp(
  app: FastifyInstance,
  webRoot: string | null,
  version: string,
): Promise<AppPages> {
  const index = webRoot ? join(webRoot, 'index.html') : null;
  if (!webRoot || !index || !existsSync(index)) {
    const home = homePage(version);
    app.get('/', (_request, reply) => pageHeaders(reply).type('text/html; charset=utf-8').send(home));
    return () => false;
  }
  const html = await readFile(index, 'utf8');
  await app.register(fastifyStatic, {
    root: webRoot,
    prefix: '/',
    wildcard: false,
    index: false,
    // index.html only as the app's page, with the page headers (below), never as a bare file.
    globIgnore: ['index.html'],
    setHeaders: (res, path) => {
      res.header('x-content-type-options', 'nosniff');
      res.header(
        'cache-control',
        path.includes(`${join(webRoot, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const sendApp = (reply: FastifyReply): FastifyReply =>
    pageHeaders(reply).type('text/html; charset=utf-8').send(html);
  app.get('/', (_request, reply) => sendApp(reply));
  // The app's own paths (/studies/…, /users…) get index.html, for the browser's router.
  return (method, path, reply) => {
    if (method !== 'GET' || path === '/api' || path.startsWith('/api/') || path.startsWith('/assets/'))
      return false;
    if (/\.[a-z0-9]+$/i.test(path)) return false;
    sendApp(reply);
    return true;
  };
}
