import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { Config } from '../../src/config.js';
import { createServices, type Caller, type Services } from '../../src/services/index.js';
import { hashPassword } from '../../src/services/auth/password.js';
import { SYSTEM_ACTOR } from '../../src/services/caller.js';
import type { Database } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import type { Role } from '../../src/core/auth/roles.js';
import type { RandomSource } from '../../src/core/supply/random.js';
import { unique } from './engines.js';

export const PASSWORD = 'a good long test password';

export const authSettings = { sessionHours: 12, lockoutAttempts: 5, lockoutMinutes: 15 } as const;

export const testConfig = (overrides: Partial<Config> = {}): Config => ({
  port: 0,
  host: '127.0.0.1',
  databaseUrl: undefined,
  dataDir: 'memory://',
  adminPassword: PASSWORD,
  sessionHours: 12,
  lockoutAttempts: 5,
  lockoutMinutes: 15,
  signInSourceAttempts: 20,
  trustProxy: false,
  secureCookies: false,
  loadReferenceStudies: false,
  logLevel: 'silent',
  ...overrides,
});

export const readProtocol = (path: string): string =>
  readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** A reference protocol with a unique study code, so tests sharing a database don't collide. */
export function protocolWithUniqueCode(path: string): { source: string; code: string } {
  const doc = parse(readProtocol(path)) as { code: string };
  const code = `${doc.code}-${unique()}`;
  return { source: stringify({ ...doc, code }), code };
}

export interface World {
  readonly store: Store;
  readonly services: Services;
  /** Creates a user with PASSWORD, grants the roles, signs in and returns the caller. */
  user(
    grants: readonly { role: Role; studyId?: string; siteId?: string; expiresAt?: Date }[],
    name?: string,
  ): Promise<Caller>;
  admin(): Promise<Caller>;
}

export interface SeedGrant {
  readonly role: Role;
  readonly studyId?: string | undefined;
  readonly siteId?: string | undefined;
  readonly expiresAt?: Date | null | undefined;
}

/** Creates a user with a known password hash and role grants directly, as the system; returns the id. */
export function seedUser(
  store: Store,
  username: string,
  passwordHash: string,
  grants: readonly SeedGrant[],
): Promise<string> {
  return store.write(SYSTEM_ACTOR, async (r) => {
    const u = await r.users.create({
      username,
      displayName: username,
      email: null,
      passwordHash,
      mustChangePassword: false,
    });
    for (const g of grants)
      await r.grants.create({
        userId: u.id,
        role: g.role,
        studyId: g.studyId ?? null,
        siteId: g.siteId ?? null,
        expiresAt: g.expiresAt ?? null,
      });
    return u.id;
  });
}

/**
 * Services over a database, with helpers to make users with roles (set up directly, as the system).
 * `random` seeds supply's draws, so a test can replay a trial draw for draw.
 */
export function world(database: Database, options: { random?: RandomSource } = {}): World {
  const store = new Store(database);
  const services = createServices(store, authSettings, options);
  const passwordHash = hashPassword(PASSWORD);
  const user: World['user'] = async (grants, name) => {
    const username = name ?? `u-${unique()}`;
    const hash = await passwordHash;
    await seedUser(store, username, hash, grants);
    const issued = await services.auth.signIn({ username, password: PASSWORD });
    return services.auth.authenticate(issued.token);
  };
  return { store, services, user, admin: () => user([{ role: 'admin' }]) };
}
