import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { cli } from './harness.js';

// None of these touch a database: the environment is empty on purpose.
describe('trialdesk --help', () => {
  it('describes the program and lists every command', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: trialdesk [options] [command]');
    expect(r.out).toContain('Run a randomized, multi-center clinical trial end to end');
    for (const command of [
      'serve',
      'migrate',
      'backup',
      'restore',
      'study',
      'protocol',
      'user',
      'token',
      'audit',
    ])
      expect(r.out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(r.err).toBe('');
  });

  it.each([
    {
      args: ['serve'],
      says: 'Start the HTTP server',
      options: ['--port <port>', 'env PORT, default 3000', '--host <host>', 'env HOST'],
    },
    { args: ['migrate'], says: 'Apply pending database migrations', options: ['-h, --help'] },
    {
      args: ['backup'],
      says: 'Back up the whole database',
      options: ['--out <file>', 'written whole or not at all', '--force'],
    },
    {
      args: ['restore'],
      says: 'Restore a backup into an empty store of the same kind',
      options: ['<file>', '--force', 'replace the target'],
    },
    {
      args: ['study', 'create'],
      says: 'Create a study from a protocol file',
      options: ['--protocol <file>', '--user <name>', 'TRIALDESK_PASSWORD', '--json'],
    },
    {
      args: ['study', 'amend'],
      says: 'becomes a new version',
      options: ['--study <code-or-id>', '--protocol <file>', '--reason <text>', '--user <name>'],
    },
    { args: ['study', 'list'], says: 'List the studies you can see', options: ['--user <name>', '--json'] },
    {
      args: ['user', 'add'],
      says: 'Create a user (admin)',
      options: [
        '<username>',
        '--name <display name>',
        '--email <address>',
        '--password-stdin',
        '--role <role>',
        'site_coordinator, investigator',
        '--study <code-or-id>',
        '--site <code>',
        '--user <name>',
      ],
    },
    {
      args: ['user', 'list'],
      says: 'who holds an unblinded role',
      options: ['--user <name>', '--json'],
    },
    {
      args: ['token', 'create'],
      says: 'the secret is printed once',
      options: ['--name <name>', '--days <n>', '1 to 365', '--user <name>', '--json'],
    },
    {
      args: ['token', 'list'],
      says: 'List live API tokens',
      options: ['--of <username>', '--all', '--user <name>', '--json'],
    },
    {
      args: ['token', 'revoke'],
      says: 'Revoke an API token',
      options: ['<id>', '--reason <text>', '--user <name>'],
    },
    {
      args: ['audit', 'verify'],
      says: 'Recompute the audit hash chains',
      options: [
        '--study <code-or-id>',
        '--checkpoint <file>',
        '--public-key <file>',
        '--user <name>',
        '--json',
      ],
    },
    {
      args: ['audit', 'keygen'],
      says: 'Make an Ed25519 key pair for signing checkpoints',
      options: ['--out <file>'],
    },
    {
      args: ['audit', 'checkpoint'],
      says: 'Write a signed checkpoint',
      options: ['--key <file>', '--out <file>', '--study <code-or-id>', '--user <name>'],
    },
    {
      args: ['protocol', 'validate'],
      says: 'without touching any database',
      options: ['<file>', 'the protocol file'],
    },
  ])('trialdesk $args --help describes the command and its options', async ({ args, says, options }) => {
    const r = await cli([...args, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: trialdesk ${args.join(' ')}`);
    // Commander wraps long descriptions: compare with the line breaks folded.
    const text = r.out.replace(/\s+/g, ' ');
    expect(text).toContain(says);
    for (const o of options) expect(text).toContain(o);
  });

  it.each([['study'], ['user'], ['token'], ['audit'], ['protocol']])(
    'trialdesk %s --help lists its sub-commands',
    async (group) => {
      const r = await cli([group, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: trialdesk ${group} [options] [command]`);
      expect(r.out).toMatch(/^ {2}(create|add|list|verify|validate)\b/m);
    },
  );

  it('prints the version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(VERSION);
  });
});

describe('usage errors', () => {
  it('exits 2 for an unknown command and says so', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
  });

  it('exits 2 for a command group without a sub-command, showing its help', async () => {
    const r = await cli(['study']);
    expect(r.code).toBe(2);
    expect(r.out + r.err).toContain('Usage: trialdesk study');
  });

  it('exits 2 for an unknown option', async () => {
    const r = await cli(['study', 'list', '--colour']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--colour'");
    expect(r.err).toContain('(add --help for usage)');
  });

  it('exits 2 when a required option is missing', async () => {
    const r = await cli(['study', 'create']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("required option '--protocol <file>' not specified");
  });

  it('exits 2 when the program is run without a command', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.out + r.err).toContain('Usage: trialdesk');
  });
});
