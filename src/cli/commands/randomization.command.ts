import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { Mismatch } from '../../core/randomization/index.js';
import { randomizeSchema, unblindSchema } from '../../services/randomization/randomization.schemas.js';
import { json, kitsLine } from '../format.js';
import { keyValue, parseInput } from '../input.js';
import type { CliIo } from '../io.js';
import {
  readPassword,
  resolveSubject,
  siteCodes,
  studyRef,
  withCaller,
  type CredentialOptions,
} from '../session.js';

/** One disagreement between the recorded allocations and the sequence, in words. */
function describeMismatch(m: Mismatch): string {
  const at = `allocation ${m.index + 1}`;
  switch (m.kind) {
    case 'arm_mismatch':
      return `${at}${m.stratumKey === undefined ? '' : ` (stratum ${m.stratumKey}, slot ${m.slotIndex ?? '?'})`}: recorded ${m.recorded}, the sequence gives ${m.expected}`;
    case 'invalid_slot':
      return `${at} (stratum ${m.stratumKey}): slot ${m.slotIndex} is not a slot of the sequence`;
    case 'slot_reused':
      return `${at} (stratum ${m.stratumKey}): slot ${m.slotIndex} was already used by allocation ${m.firstIndex + 1}`;
    case 'slot_out_of_order':
      return `${at} (stratum ${m.stratumKey}): slot ${m.slotIndex} comes after slot ${m.previousSlotIndex}`;
    case 'unjustified_skip':
      return `${at} (stratum ${m.stratumKey}, slot ${m.slotIndex}): an earlier slot of ${m.arm} was passed over though ${m.arm} was not full`;
    case 'cap_exceeded':
      return `${at}: ${m.arm} exceeds its cap (${m.count} allocated)`;
    case 'allocated_when_full':
      return `${at}: ${m.recorded} was allocated when every arm was full`;
    case 'unreplayable':
      return `${at}: cannot be replayed (${m.message})`;
  }
}

export function randomizationCommands(
  program: Command,
  io: CliIo,
  run: (work: () => Promise<number>) => void,
): void {
  program
    .command('randomize')
    .description(
      'Randomize an eligible subject and dispense their first kits (site coordinator or investigator of ' +
        'the subject’s site). Prints the randomization number and kit numbers, never the arm; repeating ' +
        'a request id returns the same answer',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--subject <screening-number-or-id>', 'the subject, e.g. WPG-S001')
    .option(
      '--request-id <uuid>',
      'this randomization’s id (default: a new one, printed); repeat it to retry without a second allocation',
    )
    .option(
      '--level <factor=level>',
      'the level of a stratification factor screening does not give (repeatable)',
      keyValue('PRIORRESP=NR'),
    )
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the allocation as JSON')
    .action(
      (
        opts: CredentialOptions & {
          study: string;
          subject: string;
          requestId?: string;
          level?: Record<string, string>;
          json?: boolean;
        },
      ) =>
        run(async () => {
          const input = parseInput(
            randomizeSchema,
            { requestId: opts.requestId ?? randomUUID(), levels: opts.level ?? {} },
            { requestId: '--request-id', levels: '--level' },
          );
          // Printed first: if the answer is lost, the same request can be repeated safely. With --json,
          // on standard error, so standard output stays one JSON document.
          if (!opts.requestId) {
            const note = `Request id ${input.requestId} (repeat it with --request-id to retry this request)\n`;
            if (opts.json) io.err(note);
            else io.out(note);
          }
          const { subject, allocation } = await withCaller(io, opts, async (rt, caller) => {
            const study = await studyRef(rt, caller, opts.study);
            const subject = await resolveSubject(rt, caller, study, opts.subject);
            return {
              subject,
              allocation: await rt.services.randomization.randomize(caller, subject.id, input),
            };
          });
          if (opts.json) io.out(json({ requestId: input.requestId, ...allocation }));
          else {
            if (allocation.replayed)
              io.out('This request was already answered: nothing new was allocated.\n');
            io.out(
              `Randomized ${subject.screeningNumber}: randomization number ${allocation.randomizationNumber}\n`,
            );
            io.out(`Kits dispensed: ${kitsLine(allocation.kits)}\n`);
          }
          return 0;
        }),
    );

  const randomization = program
    .command('randomization')
    .description('Allocations: list them, verify them against the seed');

  randomization
    .command('verify')
    .description(
      'Recompute the allocation sequence from the study’s secret seed and compare every allocation made ' +
        '(unblinded statistician); exits 1 listing each mismatch',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print the report as JSON')
    .action((opts: CredentialOptions & { study: string; json?: boolean }) =>
      run(async () => {
        const report = await withCaller(io, opts, async (rt, caller) =>
          rt.services.randomization.verify(caller, (await studyRef(rt, caller, opts.study)).id),
        );
        if (opts.json) io.out(json(report));
        else {
          for (const m of report.mismatches) io.err(`MISMATCH  ${describeMismatch(m)}\n`);
          io.out(
            report.ok
              ? `Randomization verified: all ${report.allocations} allocation(s) match the sequence recomputed from the seed (${report.method}).\n`
              : `Randomization does NOT verify: ${report.mismatches.length} mismatch(es) in ${report.allocations} allocation(s); see above.\n`,
          );
        }
        return report.ok ? 0 : 1;
      }),
    );

  randomization
    .command('list')
    .description(
      'List the allocations you may see (site staff: their sites): randomization numbers and kits; the ' +
        'arm only for the unblinded statistician',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print JSON')
    .action((opts: CredentialOptions & { study: string; json?: boolean }) =>
      run(async () => {
        const { allocations, sites } = await withCaller(io, opts, async (rt, caller) => {
          const study = await studyRef(rt, caller, opts.study);
          return {
            allocations: await rt.services.randomization.allocations(caller, study.id),
            sites: await siteCodes(rt, caller, study.id),
          };
        });
        if (opts.json) io.out(json(allocations));
        else if (allocations.length === 0) io.out('No allocations.\n');
        else
          for (const a of allocations) {
            // The arm is printed exactly when the service gave it (the unblinded view).
            const arm = 'arm' in a && typeof a.arm === 'string' ? `\tarm ${a.arm}` : '';
            io.out(
              `${a.randomizationNumber}\t${sites.get(a.siteId) ?? a.siteId}\tsubject ${a.subjectId}\tkits ${kitsLine(a.kits)}${arm}\n`,
            );
          }
        return 0;
      }),
    );

  program
    .command('unblind')
    .description(
      'Emergency unblinding of one subject by their investigator: asks for your password again and ' +
        'prints the treatment; the sponsor is told who, when and why, never the arm',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--subject <screening-number-or-id>', 'the subject, e.g. WPG-S001')
    .requiredOption('--reason <text>', 'why unblinding is needed (at least 10 characters; recorded)')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the treatment as JSON')
    .action((opts: CredentialOptions & { study: string; subject: string; reason: string; json?: boolean }) =>
      run(async () => {
        const { reason } = parseInput(
          unblindSchema.pick({ reason: true }),
          { reason: opts.reason },
          { reason: '--reason' },
        );
        const { subject, unblinded } = await withCaller(io, opts, async (rt, caller) => {
          const study = await studyRef(rt, caller, opts.study);
          const subject = await resolveSubject(rt, caller, study, opts.subject);
          const password = await readPassword(
            io,
            `Your password again, to unblind ${subject.screeningNumber}: `,
          );
          const input = parseInput(unblindSchema, { reason, password }, { password: 'password' });
          return { subject, unblinded: await rt.services.randomization.unblind(caller, subject.id, input) };
        });
        if (opts.json) io.out(json(unblinded));
        else {
          io.out(`Subject ${subject.screeningNumber} is on ${unblinded.arm}: ${unblinded.armName}\n`);
          io.out(
            `Treatments: ${unblinded.treatments.map((t) => (t.placebo ? `${t.drug} (placebo)` : t.drug)).join(', ')}\n`,
          );
          io.out(`Recorded as unblinding event ${unblinded.event.id}; the sponsor sees who, when and why.\n`);
        }
        return 0;
      }),
    );
}
