/** The roles of DESIGN.md. Each is granted per study (and per site where `scope` says so). */
export const ROLES = [
  'site_coordinator',
  'investigator',
  'central_lab',
  'monitor',
  'data_manager',
  'drug_supply_manager',
  'unblinded_statistician',
  'partner_reviewer',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Where a role may be granted: `global` (no study), `study` (one study, all its sites),
 * `site` (one site of one study). A data manager may be sponsor-wide (global) or per study.
 */
export type GrantScope = 'global' | 'study' | 'site';

export interface RoleInfo {
  readonly label: string;
  readonly scopes: readonly GrantScope[];
  /** A blinded role never receives a masked allocation. */
  readonly blinded: boolean;
}

export const ROLE_INFO: Readonly<Record<Role, RoleInfo>> = {
  site_coordinator: { label: 'Site coordinator', scopes: ['site'], blinded: true },
  investigator: { label: 'Investigator', scopes: ['site'], blinded: true },
  central_lab: { label: 'Central lab', scopes: ['study'], blinded: true },
  monitor: { label: 'Monitor (CRA)', scopes: ['site'], blinded: true },
  data_manager: { label: 'Data manager', scopes: ['global', 'study'], blinded: true },
  drug_supply_manager: { label: 'Drug supply manager', scopes: ['study'], blinded: true },
  unblinded_statistician: { label: 'Unblinded statistician', scopes: ['study'], blinded: false },
  partner_reviewer: { label: 'Partner reviewer', scopes: ['study'], blinded: true },
  admin: { label: 'Administrator', scopes: ['global'], blinded: true },
};

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** The scope a grant has, from which of study and site it names. */
export const grantScopeOf = (g: {
  readonly studyId: string | null;
  readonly siteId: string | null;
}): GrantScope => (g.siteId !== null ? 'site' : g.studyId !== null ? 'study' : 'global');
