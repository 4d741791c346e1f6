import { describe, expect, it } from 'vitest';
import { ACTIONS, PERMISSIONS, findGrant, type Grant } from '../../../src/core/auth/permissions.js';
import { ROLES, ROLE_INFO } from '../../../src/core/auth/roles.js';

const g = (
  role: Grant['role'],
  studyId: string | null = null,
  siteId: string | null = null,
  expiresAt: Date | null = null,
): Grant => ({
  role,
  studyId,
  siteId,
  expiresAt,
});

describe('permissions', () => {
  it('names only known roles for every action', () => {
    for (const action of ACTIONS) for (const role of PERMISSIONS[action]) expect(ROLES).toContain(role);
  });

  it('keeps the admin out of study audit trails and protocols, which hold clinical data', () => {
    expect(findGrant([g('admin')], 'audit.read', { studyId: 's1' })).toBeNull();
    expect(findGrant([g('admin')], 'user.manage', {})).not.toBeNull();
    expect(findGrant([g('admin')], 'study.amend', { studyId: 's1' })).toBeNull();
  });

  it('limits a study grant to its study', () => {
    expect(findGrant([g('data_manager', 's1')], 'study.amend', { studyId: 's1' })).not.toBeNull();
    expect(findGrant([g('data_manager', 's1')], 'study.amend', { studyId: 's2' })).toBeNull();
    expect(findGrant([g('data_manager', 's1')], 'study.create', {})).toBeNull();
  });

  it('limits a site grant to its site, while letting it read its study', () => {
    const grants = [g('site_coordinator', 's1', 'site-a')];
    expect(findGrant(grants, 'study.read', { studyId: 's1' })).not.toBeNull();
    expect(findGrant(grants, 'study.read', { studyId: 's1', siteId: 'site-a' })).not.toBeNull();
    expect(findGrant(grants, 'study.read', { studyId: 's1', siteId: 'site-b' })).toBeNull();
    expect(findGrant(grants, 'study.read', { studyId: 's2' })).toBeNull();
  });

  it('ignores an expired grant, e.g. a partner review window that has closed', () => {
    const past = new Date(Date.now() - 1000);
    const future = new Date(Date.now() + 60_000);
    expect(findGrant([g('partner_reviewer', 's1', null, past)], 'study.read', { studyId: 's1' })).toBeNull();
    expect(
      findGrant([g('partner_reviewer', 's1', null, future)], 'study.read', { studyId: 's1' }),
    ).not.toBeNull();
  });

  it('has exactly one unblinded role', () => {
    expect(ROLES.filter((r) => !ROLE_INFO[r].blinded)).toEqual(['unblinded_statistician']);
  });
});
