import { loadConfig, type Config } from '../config.js';
import { DomainError } from '../core/errors.js';
import { bootstrap, openRuntime, type Runtime } from '../runtime.js';
import type { Caller } from '../services/index.js';
import type { CliIo } from './io.js';

export interface CredentialOptions {
  readonly user?: string;
}

/** Opens the store as configured by the environment, runs `work`, and always closes it. */
export async function withRuntime<T>(
  io: CliIo,
  work: (rt: Runtime, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig(io.env);
  const runtime = await openRuntime(config, { poolSize: 4 });
  try {
    await bootstrap(runtime, config);
    return await work(runtime, config);
  } finally {
    await runtime.close();
  }
}

/**
 * Signs in as `--user` (or TRIALDESK_USER) with TRIALDESK_PASSWORD or a prompt, runs `work` as that
 * caller, and signs out. The CLI acts as a person, so everything it does is authorized and audited.
 */
export async function withCaller<T>(
  io: CliIo,
  opts: CredentialOptions,
  work: (rt: Runtime, caller: Caller) => Promise<T>,
): Promise<T> {
  const username = opts.user ?? io.env.TRIALDESK_USER;
  if (!username)
    throw new DomainError(
      'unauthenticated',
      'Say who you are: --user NAME or TRIALDESK_USER (password from TRIALDESK_PASSWORD or a prompt)',
    );
  const password = await readPassword(io, `Password for ${username}: `);
  return withRuntime(io, async (rt) => {
    const issued = await rt.services.auth.signIn({ username, password });
    const caller = await rt.services.auth.authenticate(issued.token);
    try {
      return await work(rt, caller);
    } finally {
      await rt.services.auth.signOut(caller);
    }
  });
}

/** The signed-in person's password: TRIALDESK_PASSWORD, or a prompt (asked again where a service re-checks it). */
export const readPassword = async (io: CliIo, prompt: string): Promise<string> =>
  io.env.TRIALDESK_PASSWORD ?? (await io.readSecret(prompt));

/** Finds a study the caller can see by code or id. */
export async function resolveStudy(rt: Runtime, caller: Caller, ref: string): Promise<string> {
  const studies = await rt.services.studies.list(caller);
  const study = studies.find((s) => s.id === ref || s.code === ref);
  if (!study) throw new DomainError('not_found', `No study "${ref}" that you can see (give its code or id)`);
  return study.id;
}

/** A study as the command line named it (`ref`: code or id) and its id. */
export interface StudyRef {
  readonly id: string;
  readonly ref: string;
}

/** Finds a study like resolveStudy, keeping the name the user gave it for messages. */
export const studyRef = async (rt: Runtime, caller: Caller, ref: string): Promise<StudyRef> => ({
  id: await resolveStudy(rt, caller, ref),
  ref,
});

/** Finds a site of the study by its code. */
export async function resolveSite(
  rt: Runtime,
  caller: Caller,
  study: StudyRef,
  code: string,
): Promise<string> {
  const site = (await rt.services.studies.sites(caller, study.id)).find((s) => s.code === code);
  if (!site) throw new DomainError('not_found', `No site "${code}" in study ${study.ref}`);
  return site.id;
}

/** The study's site codes by site id, to print codes rather than ids. */
export async function siteCodes(rt: Runtime, caller: Caller, studyId: string): Promise<Map<string, string>> {
  return new Map((await rt.services.studies.sites(caller, studyId)).map((s) => [s.id, s.code]));
}

/** Finds a subject the caller can see by screening number (e.g. WPG-S001) or id. */
export async function resolveSubject(
  rt: Runtime,
  caller: Caller,
  study: StudyRef,
  ref: string,
): Promise<{ id: string; screeningNumber: string }> {
  const subject = (await rt.services.subjects.list(caller, study.id)).find(
    (s) => s.id === ref || s.screeningNumber === ref,
  );
  if (!subject)
    throw new DomainError(
      'not_found',
      `No subject "${ref}" in study ${study.ref} that you can see (give a screening number or id)`,
    );
  return { id: subject.id, screeningNumber: subject.screeningNumber };
}
