import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { engines, unique } from '../support/engines.js';
import { protocolWithUniqueCode, world, type World } from '../support/fixtures.js';

describe.each(engines())('users and roles on $name', (engine) => {
  let database: Database;
  let w: World;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
  });
  afterAll(() => database.close());

  async function study() {
    const admin = await w.admin();
    const s = await w.services.studies.create(admin, {
      source: protocolWithUniqueCode('protocols/celgosivir-nr-phase2.yaml').source,
      fileName: 'nr.yaml',
    });
    const dm = await w.user([{ role: 'data_manager', studyId: s.id }]);
    const site = await w.services.studies.createSite(dm, s.id, { code: 'WPG', name: 'Winnipeg' });
    return { admin, dm, study: s, site };
  }

  it('refuses a duplicate username, whatever its case', async () => {
    const admin = await w.admin();
    const username = `dup-${unique()}`;
    await w.services.users.create(admin, {
      username,
      displayName: 'One',
      password: 'a long enough password',
    });
    await expect(w.services.users.create(admin, { username, displayName: 'Two' })).rejects.toMatchObject({
      code: 'conflict',
      message: `A user named "${username}" already exists`,
    });
  });

  it('grants a site role only with a site of that study', async () => {
    const { admin, study: s, site } = await study();
    const other = await study();
    const { user } = await w.services.users.create(admin, {
      username: `c-${unique()}`,
      displayName: 'C',
      password: 'a long enough password',
    });
    await expect(
      w.services.users.grant(admin, user.id, { role: 'site_coordinator', studyId: s.id }),
    ).rejects.toMatchObject({
      code: 'validation',
      details: { issues: [{ path: 'siteId', message: 'site_coordinator needs a studyId and a siteId' }] },
    });
    await expect(
      w.services.users.grant(admin, user.id, {
        role: 'site_coordinator',
        studyId: s.id,
        siteId: other.site.id,
      }),
    ).rejects.toMatchObject({
      code: 'validation',
      message: 'The site is not a site of that study',
    });
    const g = await w.services.users.grant(admin, user.id, {
      role: 'site_coordinator',
      studyId: s.id,
      siteId: site.id,
    });
    expect(g).toMatchObject({ role: 'site_coordinator', studyId: s.id, siteId: site.id });
    await expect(
      w.services.users.grant(admin, user.id, { role: 'site_coordinator', studyId: s.id, siteId: site.id }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('lets a data manager grant roles in their study only, and never admin', async () => {
    const a = await study();
    const b = await study();
    const { user } = await w.services.users.create(a.admin, {
      username: `m-${unique()}`,
      displayName: 'M',
      password: 'a long enough password',
    });
    await expect(
      w.services.users.grant(a.dm, user.id, { role: 'monitor', studyId: a.study.id, siteId: a.site.id }),
    ).resolves.toBeDefined();
    await expect(
      w.services.users.grant(a.dm, user.id, { role: 'monitor', studyId: b.study.id, siteId: b.site.id }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(w.services.users.grant(a.dm, user.id, { role: 'admin' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(w.services.users.list(a.dm)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('never lets a blinded data manager unblind anyone, themselves included', async () => {
    const { admin, dm, study: s } = await study();
    const other = await w.user([]);
    await expect(
      w.services.users.grant(dm, other.userId, { role: 'unblinded_statistician', studyId: s.id }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(
      w.services.users.grant(dm, dm.userId, { role: 'unblinded_statistician', studyId: s.id }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(
      w.services.users.grant(dm, dm.userId, { role: 'drug_supply_manager', studyId: s.id }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(
      w.services.users.grant(admin, other.userId, { role: 'unblinded_statistician', studyId: s.id }),
    ).resolves.toBeDefined();
  });

  it('takes access away when a grant is revoked, with the reason audited', async () => {
    const { admin, study: s } = await study();
    const reviewer = await w.user([], `rev-${unique()}`);
    const g = await w.services.users.grant(admin, reviewer.userId, {
      role: 'partner_reviewer',
      studyId: s.id,
    });
    const before = await w.services.auth.authenticate(
      (await w.services.auth.signIn({ username: reviewer.username, password: 'a good long test password' }))
        .token,
    );
    await expect(w.services.studies.get(before, s.id)).resolves.toBeDefined();
    await w.services.users.revoke(admin, g.id, 'exclusivity window over');
    const after = await w.services.auth.authenticate(
      (await w.services.auth.signIn({ username: reviewer.username, password: 'a good long test password' }))
        .token,
    );
    await expect(w.services.studies.get(after, s.id)).rejects.toMatchObject({ code: 'forbidden' });
    const entries = await w.services.audit.list(admin, { action: 'grant.revoke', entityId: g.id, limit: 5 });
    expect(entries[0]?.reason).toBe('exclusivity window over');
  });

  it('lets a time-limited grant lapse by itself', async () => {
    const { admin, study: s } = await study();
    const reviewer = await w.user([], `win-${unique()}`);
    await expect(
      w.services.users.grant(admin, reviewer.userId, {
        role: 'partner_reviewer',
        studyId: s.id,
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      }),
    ).rejects.toMatchObject({
      code: 'validation',
      details: { issues: [{ path: 'expiresAt', message: 'must be in the future' }] },
    });
    // Signed in first: the slow password check must not eat into the grant's 1.5 s.
    const { token } = await w.services.auth.signIn({
      username: reviewer.username,
      password: 'a good long test password',
    });
    await w.services.users.grant(admin, reviewer.userId, {
      role: 'partner_reviewer',
      studyId: s.id,
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    const caller = await w.services.auth.authenticate(token);
    await expect(w.services.studies.get(caller, s.id)).resolves.toBeDefined();
    await new Promise((r) => setTimeout(r, 1600));
    await expect(w.services.studies.get(caller, s.id)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
