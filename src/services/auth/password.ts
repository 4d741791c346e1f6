import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { HashLimiter, LOCAL_SOURCE, type HashLimits } from './hash-limiter.js';

/**
 * scrypt (memory-hard), OWASP's N=2^15, r=8, p=3 profile: 32 MiB per hash. The parameters are
 * stored in the hash, so they can be raised later without invalidating existing passwords.
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_LENGTH = 32;

/**
 * At most one hash per core at a time: unbounded, 40 bogus sign-ins took 40 × 32 MiB and doubled a
 * real sign-in's time. Waiting checks are served fairly by source (see HashLimiter).
 */
export const DEFAULT_HASH_LIMITS: HashLimits = {
  concurrency: Math.max(1, availableParallelism()),
  maxQueued: 64,
  maxQueuedPerSource: 8,
};
const limiter = new HashLimiter(DEFAULT_HASH_LIMITS);

/** Sets how many password hashes run at once and how many may wait (configuration and tests). */
export const setPasswordCheckLimits = (limits: HashLimits): void => limiter.configure(limits);

function derive(
  password: string,
  salt: Buffer,
  o: { N: number; r: number; p: number },
  source: string,
): Promise<Buffer> {
  const options: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r };
  return limiter.run(
    source,
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) =>
          err ? reject(err) : resolve(key),
        ),
      ),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string, source: string = LOCAL_SOURCE): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS, source);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** Checks a password against its stored hash; `source` (the caller's address) is where it queues. */
export async function verifyPassword(
  password: string,
  stored: string,
  source: string = LOCAL_SOURCE,
): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(
    password,
    Buffer.from(salt, 'base64url'),
    { N: Number(n), r: Number(r), p: Number(p) },
    source,
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A strong random password for generated accounts (e.g. the first admin). */
export const generatePassword = (): string => randomBytes(18).toString('base64url');

/** Spends the same time as a real check, so a missing account is not revealed by timing. */
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string, source: string = LOCAL_SOURCE): Promise<void> {
  // A refused first hash (queues full) must not be remembered as the dummy.
  dummyHash ??= hashPassword('not a real password').catch((e: unknown) => {
    dummyHash = undefined;
    throw e;
  });
  await verifyPassword(password, await dummyHash, source);
}
