import type { Role } from './roles.js';

/** Everything a caller can ask to do; each service call authorizes exactly one of these. */
export const ACTIONS = [
  'study.create',
  'study.read',
  'study.amend',
  'site.manage',
  'user.manage',
  'grant.manage',
  'audit.read',
  'audit.verify',
  'subject.screen',
  'subject.read',
  'subject.randomize',
  'subject.unblind',
  'subject.dispense',
  'subject.elect_extension',
  'allocation.read',
  'allocation.unblinded',
  'unblinding.read',
  'supply.manage',
  'supply.read',
  'supply.receive',
  'data.enter',
  'lab.import',
  'lab.read',
  'query.open',
  'query.answer',
  'query.close',
  'query.read',
  'sdv.verify',
  'casebook.sign',
  'study.lock',
  'analysis.read',
  'study.import',
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Which roles may perform an action. A grant only counts inside its own scope: a study-level
 * grant covers that study, a site-level grant that site, a global grant everything.
 * `study.read` (protocol and sites, no clinical data) is open to every role in the study.
 */
export const PERMISSIONS: Readonly<Record<Action, readonly Role[]>> = {
  'study.create': ['admin', 'data_manager'],
  'study.read': [
    'admin',
    'data_manager',
    'site_coordinator',
    'investigator',
    'central_lab',
    'monitor',
    'drug_supply_manager',
    'unblinded_statistician',
    'partner_reviewer',
  ],
  'study.amend': ['data_manager'],
  'site.manage': ['data_manager'],
  'user.manage': ['admin'],
  'grant.manage': ['admin', 'data_manager'],
  // The admin reads the global chain (accounts and roles) only: study chains hold clinical data.
  'audit.read': ['data_manager', 'unblinded_statistician'],
  'audit.verify': ['admin', 'data_manager'],
  'subject.screen': ['site_coordinator', 'investigator'],
  'subject.read': ['site_coordinator', 'investigator', 'monitor', 'data_manager', 'unblinded_statistician'],
  'subject.randomize': ['site_coordinator', 'investigator'],
  // Emergency unblinding of one subject: the investigator responsible for them.
  'subject.unblind': ['investigator'],
  'subject.dispense': ['site_coordinator', 'investigator'],
  'subject.elect_extension': ['site_coordinator', 'investigator'],
  // Allocations as randomization numbers and kits; the arm only with `allocation.unblinded`.
  'allocation.read': [
    'site_coordinator',
    'investigator',
    'monitor',
    'data_manager',
    'drug_supply_manager',
    'unblinded_statistician',
  ],
  'allocation.unblinded': ['unblinded_statistician'],
  'unblinding.read': ['data_manager', 'monitor', 'unblinded_statistician'],
  'supply.manage': ['drug_supply_manager'],
  'supply.read': [
    'drug_supply_manager',
    'data_manager',
    'site_coordinator',
    'investigator',
    'monitor',
    'unblinded_statistician',
  ],
  'supply.receive': ['site_coordinator', 'investigator'],
  // Visits, results, adverse events, dispositions: the site staff.
  'data.enter': ['site_coordinator', 'investigator'],
  // Central-lab bulk import of results; the data manager may run it for the lab.
  'lab.import': ['central_lab', 'data_manager'],
  'lab.read': ['central_lab', 'data_manager', 'monitor'],
  'query.open': ['monitor', 'data_manager'],
  'query.answer': ['site_coordinator', 'investigator'],
  'query.close': ['monitor', 'data_manager'],
  'query.read': ['site_coordinator', 'investigator', 'monitor', 'data_manager'],
  'sdv.verify': ['monitor'],
  // The investigator signs the casebooks of their site's subjects.
  'casebook.sign': ['investigator'],
  'study.lock': ['data_manager'],
  // The top-line results by arm: the unblinded statistician only.
  'analysis.read': ['unblinded_statistician'],
  // A study created from SDTM datasets (a completed trial's data): as for creating a study.
  'study.import': ['admin', 'data_manager'],
};

export interface Grant {
  readonly role: Role;
  readonly studyId: string | null;
  readonly siteId: string | null;
  readonly expiresAt: Date | null;
}

export interface Target {
  readonly studyId?: string | null;
  readonly siteId?: string | null;
}

/** Does the grant's scope contain the target? (A site grant covers only its site's records.) */
function covers(grant: Grant, target: Target): boolean {
  if (grant.studyId === null) return true;
  if (target.studyId === undefined || target.studyId === null) return false;
  if (grant.studyId !== target.studyId) return false;
  if (grant.siteId === null) return true;
  // A site grant covers study-level reads of its study (e.g. the protocol) and its own site.
  return target.siteId === undefined || target.siteId === null || grant.siteId === target.siteId;
}

/** The first grant that allows `action` on `target`, or null. Expired grants never count. */
export function findGrant(
  grants: readonly Grant[],
  action: Action,
  target: Target,
  now: Date = new Date(),
): Grant | null {
  const roles = PERMISSIONS[action];
  return (
    grants.find(
      (g) => roles.includes(g.role) && (g.expiresAt === null || g.expiresAt > now) && covers(g, target),
    ) ?? null
  );
}
