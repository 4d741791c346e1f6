import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Role } from '../../src/core/auth/roles.js';
import { latestDateOnEarth } from '../../src/core/capture/dates.js';
import { hashPassword } from '../../src/services/auth/password.js';
import { SYSTEM_ACTOR } from '../../src/services/caller.js';
import { createServices } from '../../src/services/index.js';
import type { LabImportReport } from '../../src/services/capture/lab-import.service.js';
import { unique } from '../support/engines.js';
import { authSettings, PASSWORD, readProtocol, seedUser } from '../support/fixtures.js';
import { eligibleNr } from '../support/trial.js';
import { cliTargets, it, pgliteOnly, uniqueName, type CliTarget } from './harness.js';

const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const SAMPLED = daysAgo(10);
const HEADER = 'subject,visit,date,result,unit,lloq';

let passwordHash: Promise<string> | undefined;

/**
 * A study whose drugs need no kits, a site WPG, two randomized subjects (WPG-S001, WPG-S002) and a
 * central-lab user, a site coordinator: set up through the services, as the system and the site.
 */
async function labTrial(t: CliTarget): Promise<{ code: string; lab: string; coordinator: string }> {
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
  return t.withStore(async (store) => {
    const services = createServices(store, authSettings);
    const doc = parse(readProtocol('protocols/celgosivir-nr-phase2.yaml')) as Record<string, unknown> & {
      drugs: Record<string, unknown>[];
    };
    const code = `lab-cli-${unique()}`;
    const study = await services.studies.createAs(SYSTEM_ACTOR, {
      source: stringify({ ...doc, code, drugs: doc.drugs.map(({ supply: _supply, ...d }) => d) }),
      fileName: 'lab.yaml',
    });
    const site = await store.write(SYSTEM_ACTOR, (r) =>
      r.sites.create({ studyId: study.id, code: 'WPG', name: 'Winnipeg', country: 'CA' }),
    );
    const user = async (role: Role, siteId?: string): Promise<string> => {
      const name = uniqueName(role.split('_')[0] ?? role);
      await seedUser(store, name, hash, [{ role, studyId: study.id, siteId }]);
      return name;
    };
    const lab = await user('central_lab');
    const coordinator = await user('site_coordinator', site.id);
    const caller = await services.auth.authenticate(
      (await services.auth.signIn({ username: coordinator, password: PASSWORD })).token,
    );
    for (let i = 0; i < 2; i++) {
      const subject = await services.subjects.screen(caller, study.id, {
        siteId: site.id,
        answers: eligibleNr(),
        consentedOn: daysAgo(60),
      });
      await services.randomization.randomize(caller, subject.id, { requestId: randomUUID(), levels: {} });
    }
    return { code, lab, coordinator };
  });
}

describe.concurrent.each(cliTargets())('trialdesk lab import on $name', ({ setup }) => {
  it('reports a dry run, imports, finds the same file unchanged, and lists the import', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const trial = await labTrial(t);
    const env = { env: t.envAs(trial.lab, PASSWORD) };
    const file = join(dir, 'week-12.csv');
    await writeFile(
      file,
      [
        HEADER,
        `WPG-S001,D0,${SAMPLED},2400000,IU/mL,15`,
        `WPG-S001,W1,${SAMPLED},6.1E7,IU/mL,15`,
        `WPG-S002,D0,${SAMPLED},<15,IU/mL,15`,
      ].join('\r\n'),
    );
    const args = ['lab', 'import', '--study', trial.code, '--file', file, '--assay', 'COBAS TaqMan'];

    const dry = await t.run([...args, '--dry-run'], env);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toBe(
      `Dry run of ${file}: 3 row(s): 3 to import, 0 unchanged, 0 with errors; nothing was written\n`,
    );
    expect(dry.err).toMatch(
      /^line 3: warning: result: .*please confirm \(edit check HCV_HIGH: opens a query\)\n$/,
    );

    const done = await t.run(args, env);
    expect(done.code, done.err).toBe(0);
    expect(done.out).toMatch(
      /^Imported .*week-12\.csv: 3 result\(s\), 0 unchanged \(import [0-9a-f-]{36}\); 1 query\(ies\) opened, 0 verification\(s\) cleared, 0 signature\(s\) invalidated\n$/,
    );

    const again = await t.run([...args, '--json'], env);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ rows: 3, inserted: 0, unchanged: 3, labImportId: null });

    const listed = await t.run(['lab', 'list', '--study', trial.code], env);
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toMatch(
      /^\S+\tweek-12\.csv\t3 row\(s\)\t3 imported\t0 unchanged\tby central-\S+\t[0-9a-f-]{36}\n$/,
    );
    const results = await t.sql<{ n: string | number }>(
      `select count(*) as n from results r join studies s on s.id = r.study_id where s.code = $1`,
      [trial.code],
    );
    expect(Number(results[0]?.n)).toBe(3);
  });

  it('refuses a file with bad rows: exit 1, each bad row on standard error, nothing imported', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const trial = await labTrial(t);
    const file = join(dir, 'bad.csv');
    await writeFile(
      file,
      [
        'Visit,Subject,Date,Result,Unit,LLOQ,Assay',
        `D0,WPG-S001,${SAMPLED},2400000,IU/mL,15,COBAS`,
        `D0,WPG-S009,${SAMPLED},2400000,IU/mL,15,COBAS`,
        `W1,WPG-S001,${SAMPLED},2400000,IU/mL,15,`,
        `W2,WPG-S001,${daysAgo(-5)},2400000,IU/mL,15,COBAS`,
      ].join('\n'),
    );
    const args = ['lab', 'import', '--study', trial.code, '--file', file];
    const env = { env: t.envAs(trial.lab, PASSWORD) };
    const expected =
      'line 3: subject: WPG-S009 is not a subject of this study\n' +
      'line 4: assay: is required (edit check ASSAY)\n' +
      `line 5: date: ${daysAgo(-5)} is in the future (today is ${latestDateOnEarth()}) (edit check NOT_FUTURE)\n`;

    const dry = await t.run([...args, '--dry-run'], env);
    expect(dry.code).toBe(1);
    expect(dry.out).toBe(
      `Dry run of ${file}: 4 row(s): 1 to import, 0 unchanged, 3 with errors; nothing was written\n`,
    );
    expect(dry.err).toBe(expected);

    const refused = await t.run(args, env);
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('');
    expect(refused.err).toBe(
      `error: nothing was imported from ${file}: 3 of 4 row(s) cannot be imported\n${expected}`,
    );
    const json = await t.run([...args, '--json'], env);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.out) as LabImportReport).errors.map((e) => e.line)).toEqual([3, 4, 5]);
    const results = await t.sql<{ n: string | number }>(
      `select count(*) as n from results r join studies s on s.id = r.study_id where s.code = $1`,
      [trial.code],
    );
    expect(Number(results[0]?.n)).toBe(0);

    // Only the central lab and the data manager import.
    const coordinator = await t.run(args, { env: t.envAs(trial.coordinator, PASSWORD) });
    expect(coordinator.code).toBe(1);
    expect(coordinator.err).toMatch(/^error: Not allowed to lab\.import/);
  });
});

describe.each(pgliteOnly())('trialdesk lab import usage on $name', ({ setup }) => {
  it('explains itself, and refuses a missing file or a bad header before importing anything', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const help = await t.run(['lab', 'import', '--help']);
    expect(help.code).toBe(0);
    for (const option of ['--study', '--file', '--dry-run', '--assay', '--json', '--user'])
      expect(help.out).toContain(option);
    expect(help.out).toMatch(/line N: reason/);

    const missing = await t.run(['lab', 'import', '--study', 'x', '--file', join(dir, 'none.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: Cannot read the CSV file .*none\.csv/);
    expect(missing.prompts).toEqual([]);

    const noStudy = await t.run(['lab', 'import', '--file', 'x.csv']);
    expect(noStudy.code).toBe(2);
    expect(noStudy.err).toMatch(/required option '--study <code-or-id>' not specified/);

    const trial = await labTrial(t);
    const file = join(dir, 'header.csv');
    await writeFile(file, 'subject;visit;date;result;unit;lloq\nWPG-S001;D0;2025-01-01;15;IU/mL;15\n');
    const header = await t.run(['lab', 'import', '--study', trial.code, '--file', file], {
      env: t.envAs(trial.lab, PASSWORD),
    });
    expect(header.code).toBe(1);
    expect(header.err).toMatch(
      /^error: The CSV header must name the columns .*: missing subject, visit, date, result, unit, lloq; unknown column "subject;visit;date;result;unit;lloq"\n/,
    );
  });
});
