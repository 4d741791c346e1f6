import { describe } from 'vitest';
import { ROLES } from '../../src/core/auth/roles.js';
import { PASSWORD } from '../support/fixtures.js';
import { addSites, cliTargets, createStudy, it, pgliteOnly, uniqueName, type CliTarget } from './harness.js';

interface GrantRow {
  role: string;
  study_id: string | null;
  site_code: string | null;
}

/** The live grants of a user, read with the test's own connection. */
const grantsOf = (t: CliTarget, username: string): Promise<GrantRow[]> =>
  t.sql<GrantRow>(
    `select g.role, g.study_id, s.code as site_code
       from role_grants g join users u on u.id = g.user_id left join sites s on s.id = g.site_id
      where u.username = $1 and g.revoked_at is null`,
    [username],
  );

const userExists = async (t: CliTarget, username: string): Promise<boolean> =>
  (await t.sql('select 1 from users where username = $1', [username])).length > 0;

describe.concurrent.each(cliTargets())('user add on $name', ({ setup }) => {
  it('creates a site coordinator as admin, prints a one-time password, and grants the role', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const study = await createStudy(t);
    await addSites(t, study.id, ['WPG', 'VAN']);
    const name = uniqueName('coord');

    const r = await t.run([
      'user',
      'add',
      name,
      '--name',
      'Site Coordinator',
      '--email',
      'coordinator@example.org',
      '--role',
      'site_coordinator',
      '--study',
      study.code,
      '--site',
      'WPG',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^Created user ${name} \\([0-9a-f-]{36}\\)$`));
    expect(lines[1]).toMatch(/^One-time password \(shown once\): \S{12,}$/);
    expect(lines[2]).toBe(`Granted site_coordinator in ${study.code} at site WPG`);
    expect(await grantsOf(t, name)).toEqual([
      { role: 'site_coordinator', study_id: study.id, site_code: 'WPG' },
    ]);

    // The password is real, and must be changed before anything else.
    const oneTimePassword = lines[1]?.split(': ')[1] ?? '';
    const signedIn = await t.run(['study', 'list'], { env: t.envAs(name, oneTimePassword) });
    expect(signedIn.code).toBe(1);
    expect(signedIn.err).toBe('error: Change your one-time password before doing anything else\n');
  });

  it('refuses a duplicate user name with a clear message', async ({ dir, expect }) => {
    const t = await setup(dir);
    const name = uniqueName('dup');
    expect((await t.run(['user', 'add', name, '--name', 'First'])).code).toBe(0);
    const r = await t.run(['user', 'add', name, '--name', 'Second']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`error: A user named "${name}" already exists\n`);
  });

  it('creates nothing when the site of the role does not exist', async ({ dir, expect }) => {
    const t = await setup(dir);
    const study = await createStudy(t);
    const name = uniqueName('nosite');
    const r = await t.run([
      'user',
      'add',
      name,
      '--name',
      'Nobody',
      '--role',
      'site_coordinator',
      '--study',
      study.code,
      '--site',
      'NOPE',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: No site "NOPE" in study ${study.code}\n`);
    expect(r.out).toBe('');
    expect(await userExists(t, name)).toBe(false);
  });

  it('creates nothing when the role is given in a scope it does not have', async ({ dir, expect }) => {
    const t = await setup(dir);
    const study = await createStudy(t);
    const name = uniqueName('scope');
    const r = await t.run([
      'user',
      'add',
      name,
      '--name',
      'Nobody',
      '--role',
      'site_coordinator',
      '--study',
      study.code,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'error: The role site_coordinator is granted per site, not study\n' +
        '  roles.0.siteId: site_coordinator needs a studyId and a siteId\n',
    );
    expect(await userExists(t, name)).toBe(false);
  });
});

describe.concurrent.each(pgliteOnly())('signing in and user add checks on $name', ({ setup }) => {
  it('rejects an unknown role, listing the roles, before signing in or creating anything', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const name = uniqueName('role');
    const r = await t.run(['user', 'add', name, '--name', 'Nobody', '--role', 'overlord'], {
      env: { ...t.env, TRIALDESK_PASSWORD: undefined },
    });
    expect([1, 2]).toContain(r.code);
    expect(r.err).toBe(`error: Unknown role "overlord": use one of ${ROLES.join(', ')}\n`);
    expect(r.prompts).toEqual([]);
    expect(await userExists(t, name)).toBe(false);
  });

  it('rejects an invalid user name, saying what a name may contain', async ({ dir, expect }) => {
    const t = await setup(dir);
    const r = await t.run(['user', 'add', 'Not A Name!', '--name', 'Nobody']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: username: .*3 to 40/);
  });

  it('grants a global role without a study', async ({ dir, expect }) => {
    const t = await setup(dir);
    const name = uniqueName('sponsor-dm');
    const r = await t.run(['user', 'add', name, '--name', 'Sponsor DM', '--role', 'data_manager']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Granted data_manager\n');
    expect(await grantsOf(t, name)).toEqual([{ role: 'data_manager', study_id: null, site_code: null }]);
  });

  it('without a user name: a clear message and exit 1, before touching the database', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const r = await t.run(['study', 'list'], { env: { ...t.env, TRIALDESK_USER: '' } });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'error: Say who you are: --user NAME or TRIALDESK_USER (password from TRIALDESK_PASSWORD or a prompt)\n',
    );
    expect(r.prompts).toEqual([]);
  });

  it('without TRIALDESK_PASSWORD: asks for the password, and an empty answer fails', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const env = { ...t.env, TRIALDESK_PASSWORD: undefined };
    const denied = await t.run(['study', 'list'], { env });
    expect(denied.prompts).toEqual([`Password for ${t.admin}: `]);
    expect(denied.code).toBe(1);
    expect(denied.err).toBe('error: Wrong username or password\n');

    const allowed = await t.run(['study', 'list'], { env, secrets: [PASSWORD] });
    expect(allowed.prompts).toEqual([`Password for ${t.admin}: `]);
    expect(allowed.code, allowed.err).toBe(0);
  });

  it('with a wrong password: exit 1, "Wrong username or password"', async ({ dir, expect }) => {
    const t = await setup(dir);
    const r = await t.run(['study', 'list'], {
      env: { ...t.env, TRIALDESK_PASSWORD: 'not the password at all' },
    });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('error: Wrong username or password\n');
  });

  it('--user overrides TRIALDESK_USER', async ({ dir, expect }) => {
    const t = await setup(dir);
    const r = await t.run(['study', 'list', '--user', t.admin], {
      env: { ...t.env, TRIALDESK_USER: uniqueName('someone-else') },
    });
    expect(r.code, r.err).toBe(0);
    const unknown = await t.run(['study', 'list', '--user', uniqueName('nobody')]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('error: Wrong username or password\n');
  });

  it('a user without a role may sign in but is refused user management', async ({ dir, expect }) => {
    const t = await setup(dir);
    const name = uniqueName('plain');
    const password = `${PASSWORD} for ${name}`;
    const added = await t.run(['user', 'add', name, '--name', 'Plain', '--password-stdin'], {
      secrets: [password],
    });
    expect(added.code, added.err).toBe(0);
    const listed = await t.run(['study', 'list'], { env: t.envAs(name, password) });
    expect(listed).toMatchObject({ code: 0, out: 'No studies.\n' });
    const r = await t.run(['user', 'add', uniqueName('other'), '--name', 'Other'], {
      env: t.envAs(name, password),
    });
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: Not allowed to user.manage: you hold no role that allows it\n');
  });
});
