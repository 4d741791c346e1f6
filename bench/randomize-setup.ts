import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { Role } from '../src/core/auth/roles.js';
import { kitsNeeded, type KitNeed } from '../src/core/supply/kits.js';
import type { Services } from '../src/services/index.js';
import { hashPassword } from '../src/services/auth/password.js';
import { SYSTEM_ACTOR } from '../src/services/caller.js';
import type { Store } from '../src/store/store.js';
import { seedUser } from '../test/support/fixtures.js';
import { eligibleNr } from '../test/support/trial.js';
import { closedLoop } from './support.js';

const PASSWORD = 'bench password 123';

/** Kits beyond the expected need of each drug: permuted blocks keep the arms within a block of even. */
const SPARE_KITS = 30;

/** A study ready to randomize `subjects` screened, eligible subjects at its one site. */
export interface StockedStudy {
  readonly studyId: string;
  readonly siteId: string;
  /** The site coordinator's session token, sent as a Bearer token. */
  readonly token: string;
  readonly subjectIds: readonly string[];
  /** Each arm with the day-0 kits it dispenses. */
  readonly arms: readonly { code: string; needs: readonly KitNeed[] }[];
  /** Throws unless the study has `allocations` allocations, verified against the seed, and its audit chain verifies. */
  check(allocations: number): Promise<void>;
}

/** The reference non-responder protocol with its arm caps removed and a unique code. */
export function uncappedProtocol(label: string): string {
  const doc = parse(
    readFileSync(new URL('../protocols/celgosivir-nr-phase2.yaml', import.meta.url), 'utf8'),
  ) as { code: string; arms: Record<string, unknown>[] };
  return stringify({
    ...doc,
    code: `bench-randomize-${label}-${Date.now()}`,
    arms: doc.arms.map(({ cap: _cap, ...arm }) => arm),
  });
}

/**
 * Sets a study up through the services, outside any timing: the uncapped protocol, a site, its users,
 * kits for every subject (created, shipped, received) and the subjects screened eligible.
 */
export async function stockedStudy(
  store: Store,
  services: Services,
  label: string,
  subjects: number,
): Promise<StockedStudy> {
  const study = await services.studies.createAs(SYSTEM_ACTOR, {
    source: uncappedProtocol(label),
    fileName: 'bench.yaml',
  });
  const hash = await hashPassword(PASSWORD);
  const signedIn = async (grants: readonly { role: Role; siteId?: string }[]) => {
    const username = `bench-${label}-${grants[0]!.role}-${Date.now()}`;
    await seedUser(
      store,
      username,
      hash,
      grants.map((g) => ({ ...g, studyId: study.id })),
    );
    const { token } = await services.auth.signIn({ username, password: PASSWORD });
    return { token, caller: await services.auth.authenticate(token) };
  };
  const manager = await signedIn([
    { role: 'data_manager' },
    { role: 'drug_supply_manager' },
    { role: 'unblinded_statistician' },
  ]);
  const site = await services.studies.createSite(manager.caller, study.id, {
    code: 'S1',
    name: 'Bench site',
  });
  const coordinator = await signedIn([{ role: 'site_coordinator', siteId: site.id }]);

  const { protocol } = await services.studies.get(manager.caller, study.id);
  const visit = protocol.phases.find((p) => p.kind === 'main')?.startVisit ?? 'D0';
  const arms = protocol.arms.map((a) => ({ code: a.code, needs: kitsNeeded(protocol, a.code, visit) }));
  const totalRatio = protocol.arms.reduce((sum, a) => sum + a.ratio, 0);
  const shipment = protocol.drugs
    .filter((d) => d.supply)
    .map((d) => {
      const share = protocol.arms
        .filter((a) => a.treatments.some((t) => t.drug === d.code))
        .reduce((sum, a) => sum + a.ratio / totalRatio, 0);
      return { drug: d.code, count: Math.ceil(subjects * share) + SPARE_KITS };
    });
  const expiresOn = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  // A masked drug's active/placebo split is rounded at random, both when kits are made and when they
  // are shipped: a few more in the depot than shipped, so the shipment always finds its mix.
  for (const { drug, count } of shipment)
    await services.supply.createKits(manager.caller, study.id, {
      drug,
      count: count + 10,
      lot: `L-${drug}`,
      expiresOn,
    });
  const shipped = await services.supply.ship(manager.caller, study.id, { siteId: site.id, kits: shipment });
  await services.supply.receive(coordinator.caller, shipped.shipment.id, { damagedKitNumbers: [] });

  const subjectIds: string[] = [];
  await closedLoop(8, subjects, async () => {
    const s = await services.subjects.screen(coordinator.caller, study.id, {
      siteId: site.id,
      answers: eligibleNr('NR'),
    });
    subjectIds.push(s.id);
  });

  return {
    studyId: study.id,
    siteId: site.id,
    token: coordinator.token,
    subjectIds,
    arms,
    check: async (allocations) => {
      const verified = await services.randomization.verify(manager.caller, study.id);
      if (!verified.ok || verified.allocations !== allocations)
        throw new Error(`randomization does not verify: ${JSON.stringify(verified).slice(0, 500)}`);
      const audit = await services.audit.verify(manager.caller, { studyId: study.id });
      if (!audit.ok) throw new Error('audit chain broken after the benchmark');
    },
  };
}
