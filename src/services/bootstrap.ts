import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Store } from '../store/store.js';
import { generatePassword, hashPassword } from './auth/password.js';
import { SYSTEM_ACTOR } from './caller.js';
import { createSiteSchema } from './studies/study.schemas.js';
import type { StudyService } from './studies/study.service.js';

/** The folder of the shipped protocol files. */
export const PROTOCOLS_DIR = fileURLToPath(new URL('../../protocols/', import.meta.url));
export const REFERENCE_PROTOCOLS = ['celgosivir-nr-phase2.yaml', 'celgosivir-naive-phase2.yaml'] as const;

export interface AdminBootstrap {
  readonly username: string;
  /** Set when the password was generated: print it once; it must be changed at first sign-in. */
  readonly oneTimePassword: string | null;
}

/**
 * On an empty database, creates the first administrator: with TRIALDESK_ADMIN_PASSWORD when set,
 * otherwise with a generated one-time password. Returns null when users exist already.
 */
export async function ensureAdmin(
  store: Store,
  password: string | undefined,
): Promise<AdminBootstrap | null> {
  if ((await store.read((r) => r.users.count())) > 0) return null;
  const oneTimePassword = password === undefined ? generatePassword() : null;
  const passwordHash = await hashPassword(password ?? oneTimePassword ?? '');
  return store.write(SYSTEM_ACTOR, async (r) => {
    if ((await r.users.count()) > 0) return null; // another process got there first
    const admin = await r.users.create({
      username: 'admin',
      displayName: 'Administrator',
      email: null,
      passwordHash,
      mustChangePassword: oneTimePassword !== null,
    });
    await r.grants.create({ userId: admin.id, role: 'admin', studyId: null, siteId: null, expiresAt: null });
    return { username: admin.username, oneTimePassword };
  });
}

const referenceSitesSchema = z.record(z.string(), z.array(createSiteSchema));

/** Loads the reference protocols (and their demo sites) that are not loaded yet; returns the codes loaded. */
export async function loadReferenceStudies(store: Store, studies: StudyService): Promise<string[]> {
  const sites = referenceSitesSchema.parse(
    parseYaml(await readFile(`${PROTOCOLS_DIR}reference-sites.yaml`, 'utf8')),
  );
  const loaded: string[] = [];
  for (const file of REFERENCE_PROTOCOLS) {
    const source = await readFile(`${PROTOCOLS_DIR}${file}`, 'utf8');
    const code = file.replace(/\.yaml$/, '');
    if (await store.read((r) => r.studies.getByCode(code))) continue;
    const study = await studies.createAs(SYSTEM_ACTOR, { source, fileName: `protocols/${file}` });
    await store.write(SYSTEM_ACTOR, async (r) => {
      for (const s of sites[code] ?? [])
        await r.sites.create({ studyId: study.id, code: s.code, name: s.name, country: s.country ?? null });
    });
    loaded.push(study.code);
  }
  return loaded;
}
