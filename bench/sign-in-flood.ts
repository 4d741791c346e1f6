/**
 * A real sign-in's time while one address floods the server with bogus sign-ins (issue 10, item 5).
 * Standalone and small: `npx tsx bench/sign-in-flood.ts [BOGUS]` (default 40), PGlite in memory.
 * Prints the real sign-in's time alone and under the flood, and how the bogus ones were answered.
 */
import { buildServer } from '../src/server/app.js';
import { hashPassword } from '../src/services/auth/password.js';
import { SYSTEM_ACTOR } from '../src/services/caller.js';
import { createServices } from '../src/services/index.js';
import { openDatabase } from '../src/store/database.js';
import { Store } from '../src/store/store.js';

const bogus = Number(process.argv[2] ?? 40);
const database = await openDatabase({ dataDir: 'memory://' });
const store = new Store(database);
const services = createServices(store, { sessionHours: 1, lockoutAttempts: 5, lockoutMinutes: 15 });
const app = await buildServer({
  services,
  health: () => Promise.resolve({ engine: database.engine }),
  secureCookies: false,
  logLevel: 'silent',
  version: 'bench',
});
const password = 'the real user password';
const passwordHash = await hashPassword(password);
await store.write(SYSTEM_ACTOR, (r) =>
  r.users.create({
    username: 'real',
    displayName: 'Real',
    email: null,
    passwordHash,
    mustChangePassword: false,
  }),
);

const signIn = async (username: string, pw: string, remoteAddress: string) => {
  const started = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/sign-in',
    payload: { username, password: pw },
    remoteAddress,
  });
  return { status: res.statusCode, ms: performance.now() - started };
};

// Warm up: the dummy hash that unknown names are checked against is made on first use.
await signIn('warm-up', 'a wrong password', '192.0.2.1');
const alone = await signIn('real', password, '198.51.100.1');
const flood = Array.from({ length: bogus }, (_, i) =>
  signIn(`nobody${i}`, 'a wrong password', '203.0.113.66'),
);
// The real user arrives just after the flood started.
await new Promise((resolve) => setImmediate(resolve));
const underFlood = await signIn('real', password, '198.51.100.1');
const answers = await Promise.all(flood);
const counts = new Map<number, number>();
for (const a of answers) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
console.log(
  JSON.stringify(
    {
      bogus,
      realAloneMs: Math.round(alone.ms),
      realUnderFloodMs: Math.round(underFlood.ms),
      realStatus: underFlood.status,
      bogusAnswers: Object.fromEntries(counts),
      bogusLastMs: Math.round(Math.max(...answers.map((a) => a.ms))),
    },
    null,
    2,
  ),
);
await app.close();
await database.close();
