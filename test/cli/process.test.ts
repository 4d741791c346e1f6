import { join } from 'node:path';
import { describe } from 'vitest';
import { VERSION } from '../../src/version.js';
import { PASSWORD } from '../support/fixtures.js';
import { BASE_ENV, cli, cliTargets, it, uniqueName } from './harness.js';
import { trialdesk, waitForOutput } from './spawn.js';

// A first start runs initdb, the migrations, the reference studies and a password hash: on a busy
// machine that took more than 30 s, so the deadlines here are generous.
describe.concurrent('the trialdesk process', { timeout: 240_000 }, () => {
  it('--help exits 0 and lists the commands', async ({ expect }) => {
    const p = trialdesk(['--help']);
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain('Usage: trialdesk [options] [command]');
    expect(p.stdout()).toContain('protocol');
    expect(p.stderr()).toBe('');
  });

  it('protocol validate exits 0 on a reference protocol and 1 on a missing file', async ({ expect }) => {
    const good = trialdesk(['protocol', 'validate', 'protocols/celgosivir-nr-phase2.yaml']);
    const missing = trialdesk(['protocol', 'validate', 'protocols/missing.yaml']);
    expect(await good.exited).toBe(0);
    expect(good.stdout()).toMatch(
      /^protocols\/celgosivir-nr-phase2\.yaml: valid protocol celgosivir-nr-phase2 with 3 arms, 11 visits, 2 endpoints\n$/,
    );
    expect(await missing.exited).toBe(1);
    expect(missing.stderr()).toMatch(
      /^error: Cannot read the protocol file protocols\/missing\.yaml: ENOENT/,
    );
  });

  it('serve on a fresh folder: prints its URL and first-start notes, answers /api/health, holds the folder; SIGTERM stops it (exit 0) and unlocks', async ({
    dir,
    expect,
  }) => {
    const data = join(dir, 'data');
    // No TRIALDESK_ADMIN_PASSWORD: the first admin gets a one-time password, printed once. The
    // reference studies are loaded on first start (the default).
    const env = { ...BASE_ENV, TRIALDESK_LOAD_REFERENCE: undefined, TRIALDESK_DATA_DIR: data, PORT: '0' };
    const server = trialdesk(['serve'], env);
    try {
      await waitForOutput(server, (out) => out.includes('API reference:'), 240_000);
      const url = /is running at (http:\/\/\S+)/.exec(server.stdout())?.[1] ?? '';
      expect(url).toMatch(/^http:\/\/localhost:\d+$/);
      expect(server.stdout()).toContain(`  database: PGlite in ${data}\n`);
      expect(server.stdout()).toContain(
        '  migrations applied: 0001-foundation, 0002-randomization-supply, 0003-data-capture, 0004-integrity\n',
      );
      expect(server.stdout()).toContain(
        '  reference studies loaded: celgosivir-nr-phase2, celgosivir-naive-phase2\n',
      );
      expect(server.stdout()).toMatch(/ {2}sign in as "admin" with the one-time password \S+\n/);

      const health = await fetch(`${url}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', engine: 'pglite', version: VERSION });

      // While it runs, the folder is the server's: another command is refused with exit 3.
      const refused = await cli(['migrate'], { env });
      expect(refused.code).toBe(3);
      expect(refused.err).toContain(`is in use by another trialdesk process (pid ${server.pid})`);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toMatch(/stopping…\n$/);
    expect(server.stderr()).toBe('');
    // Unlocked: the next command opens the folder.
    const after = await cli(['migrate'], { env });
    expect(after.code, after.err).toBe(0);
  }, 600_000); // a first start runs PGlite's initdb: minutes on a busy machine
});

// The shared PostgreSQL database when the run has one: no PGlite folder to set up.
describe.concurrent.each(cliTargets().slice(-1))('secrets from a pipe on $name', ({ setup }) => {
  it('reads the new user’s password, then the signed-in user’s, from standard input', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const name = uniqueName('piped');
    const newPassword = `${PASSWORD} for ${name}`;
    const p = trialdesk(
      ['user', 'add', name, '--name', 'Piped', '--password-stdin'],
      { ...t.env, TRIALDESK_PASSWORD: undefined },
      `${newPassword}\n${PASSWORD}\n`,
    );
    expect(await p.exited, p.stderr()).toBe(0);
    expect(p.stdout()).toMatch(new RegExp(`^Created user ${name} \\(`));
    expect(p.stdout()).not.toContain('One-time password');

    const signedIn = await t.run(['study', 'list'], { env: t.envAs(name, newPassword) });
    expect(signedIn.code, signedIn.err).toBe(0);
  });
});
