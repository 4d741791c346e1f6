import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { engines, unique } from '../support/engines.js';
import { PASSWORD, protocolWithUniqueCode, world, type World } from '../support/fixtures.js';

describe.each(engines())('accounts: sessions, tokens and unblinded grants on $name', (engine) => {
  let database: Database;
  let w: World;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
  });
  afterAll(() => database.close());

  const globalEntries = async (action: string, entityId: string) =>
    (await w.store.read((r) => r.audit.list({ chain: 'global', action, limit: 1000 }))).filter(
      (e) => e.entityId === entityId,
    );

  it('ends every other session and API token at a password change, keeping the one that changed it', async () => {
    const caller = await w.user([]);
    const other = await w.services.auth.signIn({ username: caller.username, password: PASSWORD });
    const token = await w.services.auth.createApiToken(caller, { name: 'laptop', days: 365 });
    const [listed] = await w.services.auth.listTokens(caller, caller.userId);
    await w.services.auth.changePassword(caller, {
      currentPassword: PASSWORD,
      newPassword: 'a completely new password',
    });
    for (const secret of [other.token, token.token])
      await expect(w.services.auth.authenticate(secret)).rejects.toMatchObject({ code: 'unauthenticated' });
    // The session that changed the password is still live.
    expect(await w.store.read((r) => r.sessions.getActiveById(caller.sessionId))).toBeDefined();
    expect(await w.services.auth.listTokens(caller, caller.userId)).toEqual([]);
    const revoked = await globalEntries('auth.token_revoke', listed?.id ?? '');
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ actorId: caller.userId, reason: 'password changed' });
  });

  it('lists and revokes one’s own API tokens, and only one’s own', async () => {
    const alice = await w.user([]);
    const bob = await w.user([]);
    const a1 = await w.services.auth.createApiToken(alice, { name: 'ci', days: 30 });
    await w.services.auth.createApiToken(alice, { name: 'export', days: 365 });
    const mine = await w.services.auth.listTokens(alice, alice.userId);
    expect(mine.map((t) => t.name).sort()).toEqual(['ci', 'export']);
    expect(mine.every((t) => t.userId === alice.userId && t.username === alice.username)).toBe(true);
    expect(JSON.stringify(mine)).not.toContain(a1.token);
    const ci = mine.find((t) => t.name === 'ci');
    if (!ci) throw new Error('no ci token');

    await expect(w.services.auth.listTokens(bob, alice.userId)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(w.services.auth.listTokens(bob, null)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(w.services.auth.revokeToken(bob, ci.id, null)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await w.services.auth.authenticate(a1.token)).userId).toBe(alice.userId);

    await w.services.auth.revokeToken(alice, ci.id, 'left on a shared machine');
    await expect(w.services.auth.authenticate(a1.token)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect((await w.services.auth.listTokens(alice, alice.userId)).map((t) => t.name)).toEqual(['export']);
    await expect(w.services.auth.revokeToken(alice, ci.id, null)).rejects.toMatchObject({
      code: 'not_found',
    });
    // A session is not a token: it is not listed nor revoked here.
    await expect(w.services.auth.revokeToken(alice, alice.sessionId, null)).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await globalEntries('auth.token_revoke', ci.id)).toMatchObject([
      { actorId: alice.userId, actorRole: 'self', reason: 'left on a shared machine' },
    ]);
  });

  it('lets an admin list anyone’s tokens and revoke them, audited as the admin', async () => {
    const admin = await w.admin();
    const carol = await w.user([]);
    const t = await w.services.auth.createApiToken(carol, { name: 'script', days: 7 });
    const [listed] = await w.services.auth.listTokens(admin, carol.userId);
    expect(listed).toMatchObject({ userId: carol.userId, username: carol.username, name: 'script' });
    const all = await w.services.auth.listTokens(admin, null);
    expect(all.some((x) => x.id === listed?.id)).toBe(true);
    await w.services.auth.revokeToken(admin, listed?.id ?? '', 'offboarding');
    await expect(w.services.auth.authenticate(t.token)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(await globalEntries('auth.token_revoke', listed?.id ?? '')).toMatchObject([
      { actorId: admin.userId, actorRole: 'admin', reason: 'offboarding' },
    ]);
    await expect(
      w.services.auth.listTokens(admin, '00000000-0000-4000-8000-000000000000'),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('never lets an admin grant themself an unblinded role; another admin can, and the list shows it', async () => {
    const admin = await w.admin();
    const second = await w.admin();
    const study = await w.services.studies.create(admin, {
      source: protocolWithUniqueCode('protocols/celgosivir-nr-phase2.yaml').source,
      fileName: 'nr.yaml',
    });
    await expect(
      w.services.users.grant(admin, admin.userId, { role: 'unblinded_statistician', studyId: study.id }),
    ).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/another administrator, never to oneself/) as string,
    });
    expect((await w.services.users.grants(admin, admin.userId)).map((g) => g.role)).toEqual(['admin']);

    const grant = await w.services.users.grant(second, admin.userId, {
      role: 'unblinded_statistician',
      studyId: study.id,
    });
    const entry = (await w.services.users.list(second)).find((u) => u.id === admin.userId);
    expect(entry?.unblindedRoles).toMatchObject([
      {
        id: grant.id,
        role: 'unblinded_statistician',
        studyId: study.id,
        grantedBy: { userId: second.userId, name: second.username },
      },
    ]);
    const blinded = (await w.services.users.list(second)).find((u) => u.id === second.userId);
    expect(blinded?.unblindedRoles).toEqual([]);
    expect(await globalEntries('grant.create', grant.id)).toMatchObject([
      { actorId: second.userId, actorRole: 'admin' },
    ]);
  });

  it('lets an admin create another user with an unblinded role: grantor and grantee differ', async () => {
    const admin = await w.admin();
    const study = await w.services.studies.create(admin, {
      source: protocolWithUniqueCode('protocols/celgosivir-nr-phase2.yaml').source,
      fileName: 'nr.yaml',
    });
    const { user } = await w.services.users.create(admin, {
      username: `stat-${unique()}`,
      displayName: 'Statistician',
      password: 'a long enough password',
      roles: [{ role: 'unblinded_statistician', studyId: study.id }],
    });
    const entry = (await w.services.users.list(admin)).find((u) => u.id === user.id);
    expect(entry?.unblindedRoles).toMatchObject([{ grantedBy: { userId: admin.userId } }]);
  });
});
