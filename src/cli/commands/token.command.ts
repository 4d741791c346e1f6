import type { Command } from 'commander';
import { createTokenSchema } from '../../services/auth/auth.schemas.js';
import type { TokenRecord } from '../../services/auth/auth.service.js';
import { json } from '../format.js';
import { usageError, type CliIo } from '../io.js';
import { withCaller, type CredentialOptions } from '../session.js';

const tokenLine = (t: TokenRecord): string =>
  `${t.id}\t${t.username}\t${t.name ?? ''}\tcreated ${t.createdAt.toISOString()}\texpires ${t.expiresAt.toISOString()}\n`;

/** API tokens for scripts and remote use: create, list and revoke (own ones; an admin anyone's). */
export function tokenCommands(program: Command, io: CliIo, run: (work: () => Promise<number>) => void): void {
  const token = program.command('token').description('API tokens (Authorization: Bearer td_…)');

  token
    .command('create')
    .description('Create an API token for yourself; the secret is printed once')
    .requiredOption('--name <name>', 'what the token is for, e.g. "nightly export"')
    .option('--days <n>', 'days until it expires, 1 to 365', '90')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print JSON')
    .action((opts: CredentialOptions & { name: string; days: string; json?: boolean }) =>
      run(async () => {
        const input = createTokenSchema.safeParse({ name: opts.name, days: Number(opts.days) });
        if (!input.success)
          throw usageError(input.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
        const issued = await withCaller(io, opts, (rt, caller) =>
          rt.services.auth.createApiToken(caller, input.data),
        );
        if (opts.json) io.out(json({ token: issued.token, expiresAt: issued.expiresAt }));
        else io.out(`API token (shown once): ${issued.token}\nExpires ${issued.expiresAt.toISOString()}\n`);
        return 0;
      }),
    );

  token
    .command('list')
    .description('List live API tokens: yours, or as an admin another user’s (--of) or everyone’s (--all)')
    .option('--of <username>', 'the tokens of this user (admin)')
    .option('--all', 'the tokens of every user (admin)')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print JSON')
    .action((opts: CredentialOptions & { of?: string; all?: boolean; json?: boolean }) =>
      run(async () => {
        if (opts.of !== undefined && opts.all) throw usageError('Give --of or --all, not both');
        const tokens = await withCaller(io, opts, async (rt, caller) => {
          if (opts.all) return rt.services.auth.listTokens(caller, null);
          if (opts.of === undefined) return rt.services.auth.listTokens(caller, caller.userId);
          const owner = (await rt.services.users.list(caller)).find(
            (u) => u.username === opts.of?.toLowerCase(),
          );
          if (!owner) throw usageError(`No user "${opts.of}"`);
          return rt.services.auth.listTokens(caller, owner.id);
        });
        if (opts.json) io.out(json(tokens));
        else if (tokens.length === 0) io.out('No live API tokens.\n');
        else for (const t of tokens) io.out(tokenLine(t));
        return 0;
      }),
    );

  token
    .command('revoke')
    .description('Revoke an API token by its id (see token list): your own, or anyone’s as an admin')
    .argument('<id>', 'the token id')
    .option('--reason <text>', 'kept in the audit trail')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .action((id: string, opts: CredentialOptions & { reason?: string }) =>
      run(async () => {
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
          throw usageError(`"${id}" is not a token id: use an id from "trialdesk token list"`);
        const reason = opts.reason?.trim() || null;
        await withCaller(io, opts, (rt, caller) => rt.services.auth.revokeToken(caller, id, reason));
        io.out(`Revoked API token ${id}\n`);
        return 0;
      }),
    );
}
