import type { Role } from '../src/core/auth/roles.js';
import type { Services } from '../src/services/index.js';
import { hashPassword } from '../src/services/auth/password.js';
import { SYSTEM_ACTOR } from '../src/services/caller.js';
import type { Store } from '../src/store/store.js';
import { seedUser } from '../test/support/fixtures.js';
import { uncappedProtocol } from './randomize-setup.js';

export const SOAK_PASSWORD = 'bench password 123';

/** The soak's study: one site, stocked with `kitsPerDrug` kits of each drug, and its people. */
export interface SoakStudy {
  readonly studyId: string;
  readonly siteId: string;
  /** Users the workload signs in as (password SOAK_PASSWORD). */
  readonly coordinator: string;
  readonly monitor: string;
  /** Signs in and out, again and again: a user of its own, so nobody else's sessions churn. */
  readonly visitor: string;
  /** Checks, after the run: the allocations verify against the seed, and every audit chain verifies. */
  check(): Promise<{ allocations: number; randomizationOk: boolean; auditOk: boolean; chains: number }>;
}

/** Sets the soak's study up through the services, outside any timing (as the other benchmarks do). */
export async function soakStudy(store: Store, services: Services, kitsPerDrug: number): Promise<SoakStudy> {
  const study = await services.studies.createAs(SYSTEM_ACTOR, {
    source: uncappedProtocol('soak'),
    fileName: 'soak.yaml',
  });
  const hash = await hashPassword(SOAK_PASSWORD);
  const stamp = Date.now();
  const user = async (name: string, grants: readonly { role: Role; siteId?: string; studyId?: string }[]) => {
    const username = `soak-${name}-${stamp}`;
    await seedUser(store, username, hash, grants);
    return username;
  };
  const manager = await user('manager', [
    { role: 'data_manager', studyId: study.id },
    { role: 'drug_supply_manager', studyId: study.id },
    { role: 'unblinded_statistician', studyId: study.id },
    { role: 'admin' },
  ]);
  const managerCaller = await services.auth.authenticate(
    (await services.auth.signIn({ username: manager, password: SOAK_PASSWORD })).token,
  );
  const site = await services.studies.createSite(managerCaller, study.id, { code: 'S1', name: 'Soak site' });
  const coordinator = await user('crc', [{ role: 'site_coordinator', studyId: study.id, siteId: site.id }]);
  const monitor = await user('cra', [{ role: 'monitor', studyId: study.id, siteId: site.id }]);
  const visitor = await user('visitor', [{ role: 'site_coordinator', studyId: study.id, siteId: site.id }]);
  const coordinatorCaller = await services.auth.authenticate(
    (await services.auth.signIn({ username: coordinator, password: SOAK_PASSWORD })).token,
  );

  const { protocol } = await services.studies.get(managerCaller, study.id);
  const expiresOn = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const drugs = protocol.drugs.filter((d) => d.supply).map((d) => d.code);
  // A few more made than shipped: a masked drug's active/placebo split is rounded at random both times.
  for (const drug of drugs)
    await services.supply.createKits(managerCaller, study.id, {
      drug,
      count: kitsPerDrug + 10,
      lot: `L-${drug}`,
      expiresOn,
    });
  const shipped = await services.supply.ship(managerCaller, study.id, {
    siteId: site.id,
    kits: drugs.map((drug) => ({ drug, count: kitsPerDrug })),
  });
  await services.supply.receive(coordinatorCaller, shipped.shipment.id, { damagedKitNumbers: [] });

  return {
    studyId: study.id,
    siteId: site.id,
    coordinator,
    monitor,
    visitor,
    check: async () => {
      await store.seal();
      const randomization = await services.randomization.verify(managerCaller, study.id);
      const audit = await services.audit.verify(managerCaller, {});
      return {
        allocations: randomization.allocations,
        randomizationOk: randomization.ok,
        auditOk: audit.ok,
        chains: audit.chains.length,
      };
    },
  };
}
