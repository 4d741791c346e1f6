import type { Command } from 'commander';
import { isRole, ROLES } from '../../core/auth/roles.js';
import { createUserSchema, type GrantRoleInput } from '../../services/users/user.schemas.js';
import { json } from '../format.js';
import { usageError, type CliIo } from '../io.js';
import { resolveStudy, withCaller, type CredentialOptions } from '../session.js';

export function userCommands(program: Command, io: CliIo, run: (work: () => Promise<number>) => void): void {
  const user = program.command('user').description('Users and their roles');

  user
    .command('add')
    .description('Create a user (admin); without --password-stdin a one-time password is printed')
    .argument('<username>', 'login name (3 to 40 letters, digits, ".", "_" or "-")')
    .requiredOption('--name <display name>', 'the person’s name')
    .option('--email <address>', 'e-mail address')
    .option('--password-stdin', 'read the new user’s password from standard input')
    .option('--role <role>', `grant a role at once: ${ROLES.join(', ')}`)
    .option('--study <code-or-id>', 'the study of the role')
    .option('--site <code>', 'the site of the role (site roles)')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .action(
      (
        username: string,
        opts: CredentialOptions & {
          name: string;
          email?: string;
          passwordStdin?: boolean;
          role?: string;
          study?: string;
          site?: string;
        },
      ) =>
        run(async () => {
          if (opts.role !== undefined && !isRole(opts.role))
            throw usageError(`Unknown role "${opts.role}": use one of ${ROLES.join(', ')}`);
          const password = opts.passwordStdin
            ? (await io.readSecret(`New password for ${username}: `)).trim()
            : undefined;
          const input = createUserSchema.safeParse({
            username,
            displayName: opts.name,
            email: opts.email,
            password,
          });
          if (!input.success)
            throw usageError(
              input.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '),
            );
          await withCaller(io, opts, async (rt, caller) => {
            const roles: GrantRoleInput[] = [];
            if (opts.role && isRole(opts.role)) {
              const studyId = opts.study ? await resolveStudy(rt, caller, opts.study) : undefined;
              const siteId =
                opts.site && studyId
                  ? (await rt.services.studies.sites(caller, studyId)).find((s) => s.code === opts.site)?.id
                  : undefined;
              if (opts.site && !siteId)
                throw usageError(`No site "${opts.site}" in study ${opts.study ?? ''}`);
              roles.push({ role: opts.role, ...(studyId ? { studyId } : {}), ...(siteId ? { siteId } : {}) });
            }
            // The user and the role are created in one transaction: a bad scope leaves no user behind.
            const created = await rt.services.users.create(caller, { ...input.data, roles });
            io.out(`Created user ${created.user.username} (${created.user.id})\n`);
            if (created.oneTimePassword)
              io.out(`One-time password (shown once): ${created.oneTimePassword}\n`);
            if (roles.length > 0)
              io.out(
                `Granted ${opts.role}${opts.study ? ` in ${opts.study}` : ''}${opts.site ? ` at site ${opts.site}` : ''}\n`,
              );
          });
          return 0;
        }),
    );

  user
    .command('list')
    .description('List users (admin) with their state and who holds an unblinded role, granted by whom')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print JSON')
    .action((opts: CredentialOptions & { json?: boolean }) =>
      run(async () => {
        const users = await withCaller(io, opts, (rt, caller) => rt.services.users.list(caller));
        if (opts.json) {
          io.out(json(users));
          return 0;
        }
        for (const u of users) {
          const state = u.disabled ? 'disabled' : u.mustChangePassword ? 'must change password' : 'active';
          const unblinded = u.unblindedRoles
            .map(
              (g) =>
                `${g.role} in ${g.studyId ?? 'all studies'} (granted by ${g.grantedBy?.name ?? 'unknown'})`,
            )
            .join('; ');
          io.out(
            `${u.username}\t${u.displayName}\t${state}${unblinded ? `\tUNBLINDED: ${unblinded}` : ''}\n`,
          );
        }
        return 0;
      }),
    );
}
