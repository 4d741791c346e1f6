import type { Command } from 'commander';
import { screenSubjectSchema } from '../../services/subjects/subject.schemas.js';
import { json } from '../format.js';
import { parseInput, readJsonFile } from '../input.js';
import type { CliIo } from '../io.js';
import { resolveSite, siteCodes, studyRef, withCaller, type CredentialOptions } from '../session.js';

export function subjectCommands(
  program: Command,
  io: CliIo,
  run: (work: () => Promise<number>) => void,
): void {
  const subject = program.command('subject').description('Subjects: screen, list');

  subject
    .command('screen')
    .description(
      'Screen a subject at a site (site coordinator or investigator of the site): every eligibility ' +
        'criterion is evaluated; a screen failure is kept with its reasons',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--site <code>', 'the site’s code')
    .requiredOption('--answers <file>', 'a JSON file: the answers to the screening fields, by field code')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the subject as JSON')
    .action((opts: CredentialOptions & { study: string; site: string; answers: string; json?: boolean }) =>
      run(async () => {
        const { answers } = parseInput(
          screenSubjectSchema.omit({ siteId: true }),
          { answers: await readJsonFile(io, opts.answers, 'answers') },
          { answers: opts.answers },
        );
        const screened = await withCaller(io, opts, async (rt, caller) => {
          const study = await studyRef(rt, caller, opts.study);
          const siteId = await resolveSite(rt, caller, study, opts.site);
          return rt.services.subjects.screen(
            caller,
            study.id,
            parseInput(screenSubjectSchema, { siteId, answers }),
          );
        });
        if (opts.json) io.out(json(screened));
        else {
          io.out(`Screened ${screened.screeningNumber} (${screened.id}): ${screened.status}\n`);
          for (const c of screened.eligibility.criteria.filter((x) => x.outcome !== 'met'))
            io.out(`  ${c.code} ${c.text} — ${c.reason}\n`);
        }
        return 0;
      }),
    );

  subject
    .command('list')
    .description(
      'List the subjects you can see (site staff: their sites; monitors, data managers, statisticians)',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print JSON')
    .action((opts: CredentialOptions & { study: string; json?: boolean }) =>
      run(async () => {
        const { subjects, sites } = await withCaller(io, opts, async (rt, caller) => {
          const study = await studyRef(rt, caller, opts.study);
          return {
            subjects: await rt.services.subjects.list(caller, study.id),
            sites: await siteCodes(rt, caller, study.id),
          };
        });
        if (opts.json) io.out(json(subjects));
        else if (subjects.length === 0) io.out('No subjects.\n');
        else
          for (const s of subjects)
            io.out(`${s.screeningNumber}\t${sites.get(s.siteId) ?? s.siteId}\t${s.status}\t${s.id}\n`);
        return 0;
      }),
    );
}
