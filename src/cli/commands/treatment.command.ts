import type { Command } from 'commander';
import { dispenseSchema, electExtensionSchema } from '../../services/randomization/randomization.schemas.js';
import { json, kitsLine } from '../format.js';
import { parseInput } from '../input.js';
import type { CliIo } from '../io.js';
import { resolveSubject, studyRef, withCaller, type CredentialOptions } from '../session.js';

type SubjectOptions = CredentialOptions & { study: string; subject: string; json?: boolean };

export function treatmentCommands(
  program: Command,
  io: CliIo,
  run: (work: () => Promise<number>) => void,
): void {
  program
    .command('extension')
    .description('The extension phase')
    .command('elect')
    .description(
      'Record the extension election of a subject who completed the main phase (site coordinator or ' +
        'investigator of the subject’s site): a re-assignment, never a second randomization, made once; ' +
        'the answer names no arm',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--subject <screening-number-or-id>', 'the subject, e.g. WPG-S001')
    .requiredOption('--option <code>', 'the option of the protocol’s election, e.g. CONTINUE or SWITCH')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the election as JSON')
    .action((opts: SubjectOptions & { option: string }) =>
      run(async () => {
        const input = parseInput(electExtensionSchema, { option: opts.option }, { option: '--option' });
        const { subject, election } = await withCaller(io, opts, async (rt, caller) => {
          const subject = await resolveSubject(
            rt,
            caller,
            await studyRef(rt, caller, opts.study),
            opts.subject,
          );
          return {
            subject,
            election: await rt.services.randomization.electExtension(caller, subject.id, input),
          };
        });
        io.out(
          opts.json
            ? json(election)
            : `Recorded ${subject.screeningNumber}’s ${election.phase} election: ${election.option}\n`,
        );
        return 0;
      }),
    );

  program
    .command('dispense')
    .description(
      'Dispense the kits a scheduled visit calls for to a randomized subject (site coordinator or ' +
        'investigator of the subject’s site); prints kit numbers, never the arm',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--subject <screening-number-or-id>', 'the subject, e.g. WPG-S001')
    .requiredOption('--visit <code>', 'the visit of the protocol, e.g. W4')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the kits as JSON')
    .action((opts: SubjectOptions & { visit: string }) =>
      run(async () => {
        const input = parseInput(dispenseSchema, { visit: opts.visit }, { visit: '--visit' });
        const { subject, kits } = await withCaller(io, opts, async (rt, caller) => {
          const subject = await resolveSubject(
            rt,
            caller,
            await studyRef(rt, caller, opts.study),
            opts.subject,
          );
          return { subject, kits: await rt.services.randomization.dispense(caller, subject.id, input) };
        });
        io.out(
          opts.json
            ? json(kits)
            : `Dispensed to ${subject.screeningNumber} at ${input.visit}: ${kitsLine(kits)}\n`,
        );
        return 0;
      }),
    );
}
