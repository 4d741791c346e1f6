import { randomBytes } from 'node:crypto';
import { addDays } from '../core/capture/dates.js';
import { ApiClient } from './client.js';
import { PROTOCOL_FILE, SITES, type EnrollmentPlan } from './scenario.js';

// One attempt's study and the people who run it, set up through the API as a sponsor would: the
// study from the shipped protocol under a fresh code, its sites, a user for each role, drug supply.

const DRUG_EXPIRY_DAYS = 3 * 365;
/**
 * Kits shipped per subject and drug: up to seven dispensings (D0, W4, W8, W12, W16, W24, W36) and
 * room for a site whose subjects fall mostly in arms on active celgosivir, or mostly on its placebo.
 */
const KITS_PER_SUBJECT = 10;
/** The drugs of the reference protocol, all dispensed as kits. */
export const DRUGS = ['CELGOSIVIR', 'PEGIFN', 'RBV'] as const;

/** The users of one attempt, signed in through the API. */
export interface Team {
  readonly studyId: string;
  readonly studyCode: string;
  readonly dataManager: ApiClient;
  readonly supply: ApiClient;
  readonly statistician: ApiClient;
  /** By site code. */
  readonly coordinators: ReadonlyMap<string, ApiClient>;
  readonly siteIds: ReadonlyMap<string, string>;
}

const password = (): string => randomBytes(24).toString('base64url');

/**
 * A fresh study from the shipped protocol under a new code, its sites, a user for each role (signed
 * in with API tokens), and drug supply shipped to and received at every site.
 */
export async function setUpStudy(
  admin: ApiClient,
  source: string,
  enrollment: EnrollmentPlan,
  today: string,
): Promise<Team> {
  const tag = `${today.replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
  const code = `celgosivir-nr-replay-${tag}`;
  const replaced = source.replace(/^code: .*$/m, `code: ${code}`);
  const study = await admin.createStudy(replaced, `replay/${PROTOCOL_FILE}`);
  const person = async (
    role: 'data_manager' | 'drug_supply_manager' | 'unblinded_statistician' | 'site_coordinator',
    name: string,
    siteId?: string,
  ): Promise<ApiClient> => {
    const credentials = { username: `replay-${tag}-${name}`.toLowerCase(), password: password() };
    await admin.createUser({
      ...credentials,
      displayName: `Replay ${name}`,
      roles: [{ role, studyId: study.id, ...(siteId ? { siteId } : {}) }],
    });
    return ApiClient.signIn(admin.baseUrl, credentials, 'trialdesk replay');
  };
  const dataManager = await person('data_manager', 'dm');
  const siteIds = new Map<string, string>();
  for (const s of SITES)
    siteIds.set(
      s.code,
      (await dataManager.createSite(study.id, { code: s.code, name: s.name, country: s.country })).id,
    );
  const [supply, statistician, ...coordinators] = await Promise.all([
    person('drug_supply_manager', 'supply'),
    person('unblinded_statistician', 'stat'),
    ...SITES.map((s) => person('site_coordinator', s.code, siteIds.get(s.code))),
  ]);
  if (!supply || !statistician) throw new Error('unreachable: users not signed in');
  const team: Team = {
    studyId: study.id,
    studyCode: study.code,
    dataManager,
    supply,
    statistician,
    coordinators: new Map(SITES.map((s, i) => [s.code, coordinators[i] as ApiClient])),
    siteIds,
  };

  const drugs = DRUGS;
  const perSite = new Map(
    SITES.map((s) => [
      s.code,
      enrollment.candidates.filter((c) => c.site === s.code).length * KITS_PER_SUBJECT + 4,
    ]),
  );
  const total = [...perSite.values()].reduce((sum, n) => sum + n, 0) + 60;
  for (const drug of drugs)
    await supply.createKits(study.id, {
      drug,
      count: total,
      lot: `RP-${drug.slice(0, 3)}-${tag.slice(-6).toUpperCase()}`,
      expiresOn: addDays(today, DRUG_EXPIRY_DAYS),
    });
  for (const s of SITES)
    await resupply(
      team,
      s.code,
      drugs.map((drug) => ({ drug, count: perSite.get(s.code) ?? 0 })),
    );
  return team;
}

/** Ships kits to a site and has its coordinator confirm their arrival. */
export async function resupply(
  team: Team,
  site: string,
  kits: readonly { drug: string; count: number }[],
): Promise<void> {
  const { shipment } = await team.supply.ship(team.studyId, team.siteIds.get(site) ?? '', kits);
  await coordinatorOf(team, site).receive(shipment.id);
}

export function coordinatorOf(team: Team, site: string): ApiClient {
  const client = team.coordinators.get(site);
  if (!client) throw new Error(`unreachable: no coordinator at ${site}`);
  return client;
}

export async function signOutAll(team: Team): Promise<void> {
  await Promise.allSettled(
    [team.dataManager, team.supply, team.statistician, ...team.coordinators.values()].map((c) => c.signOut()),
  );
}
