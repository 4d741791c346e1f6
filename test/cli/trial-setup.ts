import type { Role } from '../../src/core/auth/roles.js';
import { newKitNumbers } from '../../src/core/supply/kits.js';
import { hashPassword } from '../../src/services/auth/password.js';
import { SYSTEM_ACTOR } from '../../src/services/caller.js';
import { StudyService } from '../../src/services/studies/study.service.js';
import { PASSWORD, protocolWithUniqueCode } from '../support/fixtures.js';
import { inAYear } from '../support/trial.js';
import { uniqueName, type CliTarget } from './harness.js';

/** A study with one site (WPG) and a user per role the trial commands need; nothing stocked yet. */
export interface CliTrial {
  readonly id: string;
  readonly code: string;
  readonly siteId: string;
  /** User names, all with PASSWORD. */
  readonly supply: string;
  readonly coordinator: string;
  readonly investigator: string;
  readonly statistician: string;
}

/** One hash for every user of a run: scrypt is slow on purpose. */
let passwordHash: Promise<string> | undefined;

/**
 * Sets the trial up as the system (fast: no sign-in per user). `depot`: kits of unmasked drugs to put in
 * the depot at once, by drug code, expiring in a year.
 */
export async function cliTrial(
  t: CliTarget,
  depot: Readonly<Record<string, number>> = {},
): Promise<CliTrial> {
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
  return t.withStore(async (store) => {
    const { source } = protocolWithUniqueCode('protocols/celgosivir-nr-phase2.yaml');
    const study = await new StudyService(store).createAs(SYSTEM_ACTOR, { source, fileName: 'trial.yaml' });
    return store.write(SYSTEM_ACTOR, async (r) => {
      const site = await r.sites.create({ studyId: study.id, code: 'WPG', name: 'Winnipeg', country: 'CA' });
      const taken = new Set<string>();
      for (const [drug, count] of Object.entries(depot)) {
        const numbers = newKitNumbers(count, taken);
        numbers.forEach((n) => taken.add(n));
        await r.supply.createKits({
          studyId: study.id,
          drug,
          lot: `L-${drug}`,
          expiresOn: inAYear(),
          kits: numbers.map((kitNumber) => ({ kitNumber, content: 'active' })),
        });
      }
      const user = async (role: Role, siteId: string | null = null): Promise<string> => {
        const u = await r.users.create({
          username: uniqueName(role.split('_')[0] ?? role),
          displayName: role,
          email: null,
          passwordHash: hash,
          mustChangePassword: false,
        });
        await r.grants.create({ userId: u.id, role, studyId: study.id, siteId, expiresAt: null });
        return u.username;
      };
      return {
        id: study.id,
        code: study.code,
        siteId: site.id,
        supply: await user('drug_supply_manager'),
        coordinator: await user('site_coordinator', site.id),
        investigator: await user('investigator', site.id),
        statistician: await user('unblinded_statistician'),
      };
    });
  });
}

/** How many rows of each kind the study has: a refused command must leave these unchanged. */
export async function rowCounts(t: CliTarget, studyId: string): Promise<Record<string, number>> {
  const [row] = await t.sql<Record<string, string | number>>(
    `select (select count(*) from subjects where study_id = $1) as subjects,
            (select count(*) from allocations where study_id = $1) as allocations,
            (select count(*) from kits where study_id = $1) as kits,
            (select count(*) from shipments where study_id = $1) as shipments,
            (select count(*) from unblinding_events where study_id = $1) as unblindings`,
    [studyId],
  );
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
}
