import { describe } from 'vitest';
import { PASSWORD } from '../support/fixtures.js';
import { createStudy, it, pgliteOnly, uniqueName } from './harness.js';

describe.each(pgliteOnly())('API tokens and the user list on $name', ({ setup }) => {
  // Seven sign-ins, each a deliberately slow password check: a generous deadline on a busy machine.
  it(
    'creates, lists and revokes one’s own tokens; the admin lists anyone’s',
    { timeout: 240_000 },
    async ({ dir, expect }) => {
      const t = await setup(dir);
      const name = uniqueName('tok');
      const added = await t.run(['user', 'add', name, '--name', 'Token User', '--password-stdin'], {
        secrets: [PASSWORD],
      });
      expect(added.code, added.err).toBe(0);
      const as = t.envAs(name, PASSWORD);

      const created = await t.run(['token', 'create', '--name', 'nightly', '--days', '30', '--json'], {
        env: as,
      });
      expect(created.code, created.err).toBe(0);
      const issued = JSON.parse(created.out) as { token: string; expiresAt: string };
      expect(issued.token).toMatch(/^td_/);

      const mine = await t.run(['token', 'list', '--json'], { env: as });
      const tokens = JSON.parse(mine.out) as { id: string; username: string; name: string }[];
      expect(tokens).toMatchObject([{ username: name, name: 'nightly' }]);
      expect(mine.out).not.toContain(issued.token);
      const id = tokens[0]?.id ?? '';

      const ofUser = await t.run(['token', 'list', '--of', name]);
      expect(ofUser.code, ofUser.err).toBe(0);
      expect(ofUser.out).toMatch(new RegExp(`^${id}\\t${name}\\tnightly\\tcreated \\S+\\texpires \\S+\\n$`));
      const notAdmin = await t.run(['token', 'list', '--all'], { env: as });
      expect(notAdmin.code).toBe(1);
      expect(notAdmin.err).toMatch(/^error: Not allowed to user\.manage/);

      const bad = await t.run(['token', 'revoke', 'nope'], { env: as });
      expect(bad.code).toBe(1);
      expect(bad.err).toBe('error: "nope" is not a token id: use an id from "trialdesk token list"\n');
      const revoked = await t.run(['token', 'revoke', id, '--reason', 'rotated'], { env: as });
      expect(revoked.code, revoked.err).toBe(0);
      expect(revoked.out).toBe(`Revoked API token ${id}\n`);
      expect((await t.run(['token', 'list'], { env: as })).out).toBe('No live API tokens.\n');
      const audited = await t.sql<{ reason: string }>(
        `select reason from audit_log where action = 'auth.token_revoke' and entity_id = $1`,
        [id],
      );
      expect(audited).toEqual([{ reason: 'rotated' }]);
    },
  );

  it('lists users with who holds an unblinded role and who granted it', async ({ dir, expect }) => {
    const t = await setup(dir);
    const study = await createStudy(t);
    const name = uniqueName('stat');
    const added = await t.run([
      'user',
      'add',
      name,
      '--name',
      'Statistician',
      '--role',
      'unblinded_statistician',
      '--study',
      study.code,
    ]);
    expect(added.code, added.err).toBe(0);
    const list = await t.run(['user', 'list']);
    expect(list.code, list.err).toBe(0);
    const line = list.out.split('\n').find((l) => l.startsWith(`${name}\t`));
    expect(line).toBe(
      `${name}\tStatistician\tmust change password\tUNBLINDED: unblinded_statistician in ${study.id} (granted by ${t.admin})`,
    );
    expect(list.out.split('\n').find((l) => l.startsWith(`${t.admin}\t`))).not.toMatch(/UNBLINDED/);
  });
});
