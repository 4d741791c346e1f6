import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../support/fixtures.js';
import { eligibleNr, inAYear } from '../support/trial.js';
import { cliTargets, type CliTarget, type RunOptions } from './harness.js';
import { cliTrial, rowCounts, type CliTrial } from './trial-setup.js';

// Input checks do not depend on the engine: they run on one, PostgreSQL when the run has it (the faster
// of the two per command). The tests share one study and run in order (a PGlite folder has one owner at
// a time); each checks that its refused command wrote nothing.
describe('trial commands refuse bad input, writing nothing', () => {
  let dir: string;
  let t: CliTarget;
  let trial: CliTrial;
  let study: string[];
  let before: Record<string, number>;
  const as = (user: string, options: RunOptions = {}): RunOptions => ({
    env: t.envAs(user, PASSWORD),
    ...options,
  });
  /** Signed in as `user`, but with no password given: a command that signed in would prompt. */
  const beforeSignIn = (user: string): RunOptions => ({
    env: { ...t.envAs(user, PASSWORD), TRIALDESK_PASSWORD: undefined },
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trialdesk-cli-'));
    const target = cliTargets().at(-1);
    if (!target) throw new Error('no database to run on');
    t = await target.setup(dir);
    trial = await cliTrial(t);
    study = ['--study', trial.code];
    const screened = await t.run(
      [
        'subject',
        'screen',
        ...study,
        '--site',
        'WPG',
        '--answers',
        await t.writeFile('ok.json', JSON.stringify(eligibleNr())),
      ],
      as(trial.coordinator),
    );
    if (screened.code !== 0) throw new Error(`could not screen a subject: ${screened.err}`);
    before = await rowCounts(t, trial.id);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const expectNothingWritten = async (): Promise<void> =>
    expect(await rowCounts(t, trial.id)).toEqual(before);

  it('subject screen names an unknown site code', async () => {
    const r = await t.run(
      ['subject', 'screen', ...study, '--site', 'NOPE', '--answers', join(dir, 'ok.json')],
      as(trial.coordinator),
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`error: No site "NOPE" in study ${trial.code}\n`);
    await expectNothingWritten();
  });

  it('subject screen refuses an answers file that is not JSON, or not an object of answers, before signing in', async () => {
    const broken = await t.run(
      [
        'subject',
        'screen',
        ...study,
        '--site',
        'WPG',
        '--answers',
        await t.writeFile('broken.json', '{"age": '),
      ],
      beforeSignIn(trial.coordinator),
    );
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^error: The answers file .*broken\.json is not valid JSON: /);
    const list = await t.run(
      ['subject', 'screen', ...study, '--site', 'WPG', '--answers', await t.writeFile('list.json', '[50]')],
      beforeSignIn(trial.coordinator),
    );
    expect(list.code).toBe(1);
    expect(list.err).toBe(
      `error: ${join(dir, 'list.json')}: Invalid input: expected record, received array\n`,
    );
    expect([...broken.prompts, ...list.prompts]).toEqual([]);
  });

  it('randomize refuses a --level that is not FACTOR=LEVEL (usage, exit 2)', async () => {
    const r = await t.run(
      ['randomize', ...study, '--subject', 'WPG-S001', '--level', 'PRIORRESP'],
      as(trial.coordinator),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "error: option '--level <factor=level>' argument 'PRIORRESP' is invalid. Write KEY=VALUE, e.g. PRIORRESP=NR.",
    );
    expect(r.out).toBe('');
    await expectNothingWritten();
  });

  it('randomize refuses a --request-id that is not a UUID, before signing in', async () => {
    const r = await t.run(
      ['randomize', ...study, '--subject', 'WPG-S001', '--request-id', 'retry-1'],
      beforeSignIn(trial.coordinator),
    );
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: --request-id: must be a UUID chosen by the client for this randomization\n');
    expect(r.out).toBe('');
    expect(r.prompts).toEqual([]);
    await expectNothingWritten();
  });

  it('names a subject that does not exist (screening number or id)', async () => {
    const r = await t.run(
      ['dispense', ...study, '--subject', 'WPG-S999', '--visit', 'W4'],
      as(trial.coordinator),
    );
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: No subject "WPG-S999" in study ${trial.code} that you can see (give a screening number or id)\n`,
    );
  });

  it('unblind refuses a reason shorter than 10 characters before asking for any password', async () => {
    const r = await t.run(
      ['unblind', ...study, '--subject', 'WPG-S001', '--reason', 'urgent'],
      beforeSignIn(trial.investigator),
    );
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: --reason: must say why, in at least 10 characters\n');
    expect(r.prompts).toEqual([]);
  });

  it('unblind asks for the password again, and records nothing when it is wrong', async () => {
    const r = await t.run(
      ['unblind', ...study, '--subject', 'WPG-S001', '--reason', 'Severe hepatic event: treatment needed'],
      { ...beforeSignIn(trial.investigator), secrets: [PASSWORD, 'not my password'] },
    );
    expect(r.prompts).toEqual([
      `Password for ${trial.investigator}: `,
      'Your password again, to unblind WPG-S001: ',
    ]);
    // Not randomized yet; the wrong password is refused first.
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: Password check failed: the password is wrong\n');
    await expectNothingWritten();
  });

  it('shipment create refuses --kits that is not DRUG=N[,DRUG=N...] (usage, exit 2) or names no drug code', async () => {
    const syntax = await t.run(
      ['shipment', 'create', ...study, '--site', 'WPG', '--kits', 'CELGOSIVIR:5'],
      as(trial.supply),
    );
    expect(syntax.code).toBe(2);
    expect(syntax.err).toContain(
      "error: option '--kits <DRUG=N,...>' argument 'CELGOSIVIR:5' is invalid. Write DRUG=N[,DRUG=N...], e.g. CELGOSIVIR=10,RBV=10.",
    );
    const code = await t.run(
      ['shipment', 'create', ...study, '--site', 'WPG', '--kits', 'PEGIFN=2,celgosivir=0'],
      beforeSignIn(trial.supply),
    );
    expect(code.code).toBe(1);
    expect(code.err).toBe(
      'error: --kits #2 drug: must be a drug code of the protocol, e.g. CELGOSIVIR; ' +
        '--kits #2 count: Too small: expected number to be >=1\n',
    );
    await expectNothingWritten();
  });

  it('kits create refuses an unknown drug, a count below 1 and a date that is not one; creates no kit', async () => {
    const args = ['kits', 'create', ...study, '--lot', 'L1'];
    const unknown = await t.run(
      [...args, '--drug', 'NOPE', '--count', '5', '--expires', inAYear()],
      as(trial.supply),
    );
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('error: Unknown drug NOPE\n  drug: must be one of CELGOSIVIR, PEGIFN, RBV\n');
    const zero = await t.run(
      [...args, '--drug', 'RBV', '--count', '0', '--expires', '2031-02-30'],
      beforeSignIn(trial.supply),
    );
    expect(zero.code).toBe(1);
    expect(zero.err).toBe('error: --count: must be at least 1; --expires: must be a real date, YYYY-MM-DD\n');
    const words = await t.run(
      [...args, '--drug', 'RBV', '--count', 'ten', '--expires', inAYear()],
      as(trial.supply),
    );
    expect(words.code).toBe(2);
    expect(words.err).toContain("argument 'ten' is invalid. Write a whole number, e.g. 10.");
    await expectNothingWritten();
  });

  it('shipment receive refuses a shipment id that is not one, and one the study does not have', async () => {
    const bad = await t.run(
      ['shipment', 'receive', ...study, '--shipment', '42'],
      beforeSignIn(trial.coordinator),
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('error: --shipment: must be a shipment id, as `shipment create` printed it\n');
    const id = '00000000-0000-4000-8000-000000000000';
    const missing = await t.run(['shipment', 'receive', ...study, '--shipment', id], as(trial.coordinator));
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`error: No shipment ${id} in study ${trial.code} that you can see\n`);
  });
});
