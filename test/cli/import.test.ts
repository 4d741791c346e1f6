import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe } from 'vitest';
import { PASSWORD } from '../support/fixtures.js';
import { cliTargets, it, listStudies, pgliteOnly, uniqueName, type CliTarget } from './harness.js';
import { hashPassword } from '../../src/services/auth/password.js';
import { seedUser } from '../support/fixtures.js';
import { asJson, asXpt, TABLES } from '../support/sdtm-formats.js';

const FIXTURE = new URL('../fixtures/sdtm/celgosivir-small/', import.meta.url);

/** A copy of the fixture's folder in the test's folder, for the test to edit. */
async function sdtmFolder(dir: string): Promise<string> {
  const folder = join(dir, 'sdtm');
  await cp(FIXTURE, folder, { recursive: true });
  return folder;
}

async function importArgs(t: CliTarget, folder: string): Promise<{ args: string[]; code: string }> {
  const { file, code } = await t.protocol('protocols/celgosivir-nr-phase2.yaml', () => undefined);
  return { args: ['import', '--protocol', file, '--sdtm', folder], code };
}

describe.concurrent.each(cliTargets())('trialdesk import on $name', ({ setup }) => {
  it('creates the study and prints its code and counts', async ({ dir, expect }) => {
    const t = await setup(dir);
    const folder = await sdtmFolder(dir);
    // File names are matched whatever their case.
    await cp(join(folder, 'dm.csv'), join(folder, 'DM.CSV'));
    await rm(join(folder, 'dm.csv'));
    const { args, code } = await importArgs(t, folder);
    const r = await t.run(args);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Imported study ${code} (`);
    expect(r.out).toContain(
      '2 site(s), 12 subject(s) (10 randomized, 1 screen failure(s), 1 not randomized), 4 extension election(s), ' +
        '71 visit(s), 71 result(s), 6 adverse event(s), 10 disposition(s); 1 query(ies) opened',
    );
    expect(r.out).toContain('note: lb.csv: tests the protocol does not measure (ALT): 1 row(s) not imported');
    expect((await listStudies(t)).map((s) => s.code)).toContain(code);
  });

  it('reads datasets as SAS transport (.xpt) and Dataset-JSON (.json, .ndjson) files too', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const folder = await sdtmFolder(dir);
    await writeFile(join(folder, 'DM.xpt'), await asXpt('DM', TABLES.get('DM')!));
    await writeFile(join(folder, 'lb.ndjson'), await asJson('LB', TABLES.get('LB')!, 'ndjson'));
    await writeFile(join(folder, 'ae.json'), await asJson('AE', TABLES.get('AE')!, 'json'));
    // Two files for one domain: which one is meant?
    const { args, code } = await importArgs(t, folder);
    const both = await t.run(args);
    expect(both.code).toBe(1);
    expect(both.err).toMatch(
      /has (DM\.xpt and dm\.csv|dm\.csv and DM\.xpt): keep one file for DM \(dm\.csv, \.xpt, \.json or \.ndjson\)/,
    );
    for (const f of ['dm.csv', 'lb.csv', 'ae.csv']) await rm(join(folder, f));
    const r = await t.run(args);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      '2 site(s), 12 subject(s) (10 randomized, 1 screen failure(s), 1 not randomized), 4 extension election(s), ' +
        '71 visit(s), 71 result(s), 6 adverse event(s), 10 disposition(s); 1 query(ies) opened',
    );
    expect(r.out).toContain(
      'note: lb.ndjson: tests the protocol does not measure (ALT): 1 row(s) not imported',
    );
    expect((await listStudies(t)).map((s) => s.code)).toContain(code);
  });

  it('names every refused row as FILE:LINE: reason, exits 1 and creates nothing', async ({ dir, expect }) => {
    const t = await setup(dir);
    const folder = await sdtmFolder(dir);
    const lb = join(folder, 'lb.csv');
    const lines = (await readFile(lb, 'utf8')).split('\n');
    lines[1] = (lines[1] ?? '').replace(',3500000,IU/mL,', ',lots,IU/mL,');
    lines[4] = (lines[4] ?? '').replace('2006-01-24T09:15', '2006-01');
    await writeFile(lb, lines.join('\n'));
    const { args, code } = await importArgs(t, folder);
    const r = await t.run([...args, '--json']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toEqual([
      'error: nothing was imported: 2 row(s) of the SDTM datasets cannot be imported',
      'lb.csv:2: LBORRES must be a number, not "lots"',
      'lb.csv:5: LBDTC "2006-01" is a partial date: only complete dates (YYYY-MM-DD) are imported',
      '',
    ]);
    expect((await listStudies(t)).map((s) => s.code)).not.toContain(code);
  });
});

describe.each(pgliteOnly())('trialdesk import usage on $name', ({ setup }) => {
  it('refuses a folder without the required datasets, and a user who is not an admin or data manager', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const folder = await sdtmFolder(dir);
    await rm(join(folder, 'ae.csv'));
    const { args } = await importArgs(t, folder);
    const missing = await t.run(args);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('error: The SDTM dataset(s) AE are required (ae.csv)');

    const monitor = uniqueName('mon');
    await t.withStore(async (store) =>
      seedUser(store, monitor, await hashPassword(PASSWORD), [{ role: 'monitor' }]),
    );
    const refused = await t.run(
      ['import', '--protocol', args[2] ?? '', '--sdtm', await sdtmFolder(join(dir, 'x'))],
      {
        env: t.envAs(monitor, PASSWORD),
      },
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Not allowed to study.import');

    const noFolder = await t.run(['import', '--protocol', args[2] ?? '', '--sdtm', join(dir, 'nowhere')]);
    expect(noFolder.code).toBe(1);
    expect(noFolder.err).toContain('Cannot read the SDTM folder');
  });
});
