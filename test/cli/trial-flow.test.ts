import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import type { KitListing } from '../../src/services/supply/supply.service.js';
import { PASSWORD } from '../support/fixtures.js';
import { eligibleNr, inAYear } from '../support/trial.js';
import { cliTargets, it, type CliResult, type RunOptions } from './harness.js';
import { cliTrial, rowCounts } from './trial-setup.js';

const ARMS = /TRIPLE|DOUBLE|CONTROL/;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe.concurrent.each(cliTargets())('a trial run through the CLI on $name', ({ setup }) => {
  it('stocks a site, screens, randomizes once per subject, dispenses, unblinds and verifies, each as its role', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const trial = await cliTrial(t, { PEGIFN: 6, RBV: 12 });
    const study = ['--study', trial.code];
    const as = (user: string, options: RunOptions = {}) => ({ env: t.envAs(user, PASSWORD), ...options });
    // Everything the site coordinator is shown, to check no arm is ever among it.
    const seenBySite: string[] = [];
    const asCoordinator = async (args: readonly string[]): Promise<CliResult> => {
      const r = await t.run(args, as(trial.coordinator));
      seenBySite.push(r.out, r.err);
      return r;
    };

    // The drug supply manager adds the masked drug's kits to the depot (the others are there) and ships
    // to the site: few PEGIFN kits, so the site's stock runs low.
    const expires = inAYear();
    const created = await t.run(
      [
        'kits',
        'create',
        ...study,
        '--drug',
        'CELGOSIVIR',
        '--count',
        '12',
        '--lot',
        'C-1',
        '--expires',
        expires,
      ],
      as(trial.supply),
    );
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.out).toBe(
      `Created 12 CELGOSIVIR kit(s) at the depot, lot C-1, expiring ${expires} (--json lists their numbers)\n`,
    );
    const shipped = await t.run(
      ['shipment', 'create', ...study, '--site', 'WPG', '--kits', 'CELGOSIVIR=6,PEGIFN=3,RBV=6'],
      as(trial.supply),
    );
    expect(shipped.err).toBe('');
    expect(shipped.code).toBe(0);
    expect(shipped.out).toMatch(
      new RegExp(
        `^Shipped 15 kit\\(s\\) to site WPG: shipment ${UUID}\\nKit numbers: (\\d{7}, ){14}\\d{7}\\n$`,
      ),
    );
    const shipmentId = new RegExp(`shipment (${UUID})`).exec(shipped.out)?.[1] ?? '';

    // The site sees the kits on their way and receives them, one RBV kit damaged.
    const onTheWay = await asCoordinator([
      'kits',
      'list',
      ...study,
      '--status',
      'in_transit',
      '--drug',
      'RBV',
      '--json',
    ]);
    expect(onTheWay.code).toBe(0);
    const rbv = JSON.parse(onTheWay.out) as KitListing[];
    expect(rbv).toHaveLength(6);
    const damaged = rbv[0]?.kitNumber ?? '';
    const received = await asCoordinator([
      'shipment',
      'receive',
      ...study,
      '--shipment',
      shipmentId,
      '--damaged',
      damaged,
    ]);
    expect(received.err).toBe('');
    expect(received.out).toBe(
      `Received shipment ${shipmentId}: its kits are in the site’s stock\nSet aside as damaged: ${damaged}\n`,
    );

    // Screening: one eligible subject, one screen failure with each failed criterion's reason.
    const eligible = await asCoordinator([
      'subject',
      'screen',
      ...study,
      '--site',
      'WPG',
      '--answers',
      await t.writeFile('eligible.json', JSON.stringify(eligibleNr())),
    ]);
    expect(eligible.err).toBe('');
    expect(eligible.out).toMatch(new RegExp(`^Screened WPG-S001 \\((${UUID})\\): eligible\\n$`));
    const subjectId = new RegExp(`\\((${UUID})\\)`).exec(eligible.out)?.[1] ?? '';
    const failure = await asCoordinator([
      'subject',
      'screen',
      ...study,
      '--site',
      'WPG',
      '--answers',
      await t.writeFile('failure.json', JSON.stringify({ ...eligibleNr(), age: 70, hivCoinfection: true })),
    ]);
    expect(failure.code).toBe(0);
    expect(failure.out.split('\n').slice(1)).toEqual([
      '  IN01 Aged 18 to 65 years (assumed) — not met: age = 70',
      '  EX02 HIV or hepatitis B co-infection — excluded: hivCoinfection = true',
      '',
    ]);
    expect(failure.out).toMatch(new RegExp(`^Screened WPG-S002 \\(${UUID}\\): screen_failed\\n`));
    const subjects = await asCoordinator(['subject', 'list', ...study]);
    expect(subjects.out).toMatch(
      new RegExp(`^WPG-S001\\tWPG\\teligible\\t${subjectId}\\nWPG-S002\\tWPG\\tscreen_failed\\t${UUID}\\n$`),
    );

    // Randomization: the same request id (by screening number, then by id) gives the same answer;
    // a new request for the same subject is refused.
    const requestId = randomUUID();
    const first = await asCoordinator([
      'randomize',
      ...study,
      '--subject',
      'WPG-S001',
      '--request-id',
      requestId,
    ]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /^Randomized WPG-S001: randomization number 1001\nKits dispensed: \d{7} \(CELGOSIVIR\), \d{7} \(PEGIFN\)(, \d{7} \(RBV\))?\n$/,
    );
    const again = await asCoordinator([
      'randomize',
      ...study,
      '--subject',
      subjectId,
      '--request-id',
      requestId,
    ]);
    expect(again.code).toBe(0);
    expect(again.out).toBe(`This request was already answered: nothing new was allocated.\n${first.out}`);
    const second = await asCoordinator(['randomize', ...study, '--subject', 'WPG-S001']);
    expect(second.code).toBe(1);
    expect(second.out).toMatch(
      new RegExp(`^Request id ${UUID} \\(repeat it with --request-id to retry this request\\)\\n$`),
    );
    expect(second.err).toBe('error: Subject WPG-S001 is already randomized (number 1001)\n');

    // The extension is elected only once the main phase is completed (the protocol's rule, as the
    // web app offers it): refused here, naming the rule. Then the week-4 kits.
    const elected = await asCoordinator([
      'extension',
      'elect',
      ...study,
      '--subject',
      'WPG-S001',
      '--option',
      'CONTINUE',
    ]);
    expect(elected.code).toBe(1);
    expect(elected.err).toBe(
      'error: No extension election for WPG-S001: the extension is elected only after the 12-week randomized treatment is completed: record the MAIN disposition as completed first\n',
    );
    const dispensed = await asCoordinator(['dispense', ...study, '--subject', 'WPG-S001', '--visit', 'W4']);
    expect(dispensed.err).toBe('');
    expect(dispensed.out).toMatch(/^Dispensed to WPG-S001 at W4: \d{7} \(CELGOSIVIR\), \d{7} \(PEGIFN\)/);

    // What the site sees of the allocations: numbers and kits.
    const allocations = await asCoordinator(['randomization', 'list', ...study]);
    expect(allocations.out).toMatch(
      new RegExp(`^1001\\tWPG\\tsubject ${subjectId}\\tkits (\\d{7} \\(\\w+\\)(, )?){4,6}\\n$`),
    );

    // One PEGIFN kit is left: the inventory warns, naming the drug.
    const inventory = await asCoordinator(['inventory', ...study]);
    expect(inventory.code).toBe(0);
    expect(inventory.out).toMatch(/^WPG\t.*PEGIFN 1.*\tin transit 0\tenough for [01] more subject\(s\)\n$/);
    expect(inventory.err).toMatch(
      /^WARNING {2}Site WPG (cannot randomize|can randomize only 1 more subject\(s\) in every arm): resupply .*PEGIFN.*\n$/,
    );

    // The investigator unblinds (password from TRIALDESK_PASSWORD, checked again by the service).
    const unblinded = await t.run(
      ['unblind', ...study, '--subject', 'WPG-S001', '--reason', 'Severe hepatic event: treatment needed'],
      as(trial.investigator),
    );
    expect(unblinded.err).toBe('');
    expect(unblinded.prompts).toEqual([]);
    expect(unblinded.out).toMatch(
      new RegExp(
        `^Subject WPG-S001 is on (TRIPLE|DOUBLE|CONTROL): .+\\nTreatments: CELGOSIVIR.*\\nRecorded as unblinding event ${UUID}; the sponsor sees who, when and why\\.\\n$`,
      ),
    );
    const arm = /is on (\w+)/.exec(unblinded.out)?.[1] ?? '';

    // The unblinded statistician verifies the allocations against the seed and sees the arm.
    const verified = await t.run(['randomization', 'verify', ...study], as(trial.statistician));
    expect(verified.err).toBe('');
    expect(verified.code).toBe(0);
    expect(verified.out).toBe(
      'Randomization verified: all 1 allocation(s) match the sequence recomputed from the seed (permuted-blocks).\n',
    );
    const unblindedList = await t.run(['randomization', 'list', ...study], as(trial.statistician));
    expect(unblindedList.out).toContain(`\tarm ${arm}\n`);
    const refused = await asCoordinator(['randomization', 'verify', ...study]);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      'error: Not allowed to allocation.unblinded: you hold no role that allows it in this study\n',
    );

    // An allocation changed behind the system's back is named.
    const forged = arm === 'TRIPLE' ? 'CONTROL' : 'TRIPLE';
    const changed = await t.sql(
      'update allocations set arm_code = $1 where study_id = $2 and randomization_number = 1001 returning id',
      [forged, trial.id],
    );
    expect(changed).toHaveLength(1);
    const broken = await t.run(['randomization', 'verify', ...study], as(trial.statistician));
    expect(broken.code).toBe(1);
    expect(broken.err).toBe(
      `MISMATCH  allocation 1 (stratum PRIORRESP=NR, slot 0): recorded ${forged}, the sequence gives ${arm}\n`,
    );
    expect(broken.out).toBe('Randomization does NOT verify: 1 mismatch(es) in 1 allocation(s); see above.\n');

    expect(await rowCounts(t, trial.id)).toEqual({
      subjects: 2,
      allocations: 1,
      kits: 30,
      shipments: 1,
      unblindings: 1,
    });
    for (const text of seenBySite) expect(text).not.toMatch(ARMS);
  });
});
