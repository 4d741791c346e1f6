import { z } from 'zod';
import { validationError } from './core/errors.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .positive('must be above 0');

const envSchema = z.object({
  PORT: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0 to 65535')
    .max(65535, 'must be 0 to 65535')
    .default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  TRIALDESK_DATA_DIR: z.string().min(1).default('./data'),
  TRIALDESK_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  TRIALDESK_SESSION_HOURS: positiveInt.default(12),
  TRIALDESK_LOCKOUT_ATTEMPTS: positiveInt.default(5),
  TRIALDESK_LOCKOUT_MINUTES: positiveInt.default(15),
  TRIALDESK_SIGNIN_SOURCE_ATTEMPTS: positiveInt.default(20),
  TRIALDESK_TRUST_PROXY: bool.default(false),
  TRIALDESK_SECURE_COOKIES: bool.default(false),
  TRIALDESK_LOAD_REFERENCE: bool.default(true),
  TRIALDESK_PG_BIN: z.string().min(1).optional(),
  TRIALDESK_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
});

/** Everything trialdesk reads from the environment, validated once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly adminPassword: string | undefined;
  readonly sessionHours: number;
  readonly lockoutAttempts: number;
  readonly lockoutMinutes: number;
  readonly signInSourceAttempts: number;
  /** Behind a reverse proxy: take the client's address from X-Forwarded-For (for the sign-in throttle). */
  readonly trustProxy: boolean;
  readonly secureCookies: boolean;
  readonly loadReferenceStudies: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** The folder of pg_dump, pg_restore and psql for backup and restore; default: found on PATH. */
  readonly pgBin?: string | undefined;
}

/** Reads the configuration; a bad value fails with the variable's name and the reason. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = envSchema.safeParse(present);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw validationError(
      `Invalid configuration: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const e = r.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.TRIALDESK_DATA_DIR,
    adminPassword: e.TRIALDESK_ADMIN_PASSWORD,
    sessionHours: e.TRIALDESK_SESSION_HOURS,
    lockoutAttempts: e.TRIALDESK_LOCKOUT_ATTEMPTS,
    lockoutMinutes: e.TRIALDESK_LOCKOUT_MINUTES,
    signInSourceAttempts: e.TRIALDESK_SIGNIN_SOURCE_ATTEMPTS,
    trustProxy: e.TRIALDESK_TRUST_PROXY,
    secureCookies: e.TRIALDESK_SECURE_COOKIES,
    loadReferenceStudies: e.TRIALDESK_LOAD_REFERENCE,
    logLevel: e.TRIALDESK_LOG_LEVEL,
    pgBin: e.TRIALDESK_PG_BIN,
  };
}
