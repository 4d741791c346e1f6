import { describe, expect, it } from 'vitest';
import { cli } from './harness.js';

// None of these touch a database: the environment is empty on purpose.
describe('trialdesk --help for the trial commands', () => {
  it('lists every trial command', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const command of [
      'subject',
      'randomize',
      'randomization',
      'unblind',
      'extension',
      'dispense',
      'kits',
      'shipment',
      'inventory',
    ])
      expect(r.out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it.each([
    {
      args: ['subject', 'screen'],
      says: 'Screen a subject at a site (site coordinator or investigator of the site)',
      options: ['--study <code-or-id>', '--site <code>', '--answers <file>', '--user <name>', '--json'],
    },
    {
      args: ['subject', 'list'],
      says: 'List the subjects you can see',
      options: ['--study <code-or-id>', '--user <name>', '--json'],
    },
    {
      args: ['randomize'],
      says: 'site coordinator or investigator of the subject’s site',
      options: [
        '--subject <screening-number-or-id>',
        '--request-id <uuid>',
        'default: a new one, printed',
        '--level <factor=level>',
        'repeatable',
        '--user <name>',
        '--json',
      ],
    },
    {
      args: ['randomization', 'verify'],
      says: 'from the study’s secret seed and compare every allocation made (unblinded statistician)',
      options: ['--study <code-or-id>', '--user <name>', '--json'],
    },
    {
      args: ['randomization', 'list'],
      says: 'the arm only for the unblinded statistician',
      options: ['--study <code-or-id>', '--user <name>', '--json'],
    },
    {
      args: ['unblind'],
      says: 'by their investigator: asks for your password again',
      options: ['--subject <screening-number-or-id>', '--reason <text>', 'TRIALDESK_PASSWORD', '--json'],
    },
    {
      args: ['extension', 'elect'],
      says: 'site coordinator or investigator of the subject’s site',
      options: ['--subject <screening-number-or-id>', '--option <code>', '--user <name>', '--json'],
    },
    {
      args: ['dispense'],
      says: 'site coordinator or investigator of the subject’s site',
      options: ['--subject <screening-number-or-id>', '--visit <code>', '--user <name>', '--json'],
    },
    {
      args: ['kits', 'create'],
      says: 'Add kits of a drug to the depot (drug supply manager)',
      options: [
        '--drug <code>',
        '--count <n>',
        '--lot <lot>',
        '--expires <YYYY-MM-DD>',
        '--user <name>',
        '--json',
      ],
    },
    {
      args: ['kits', 'list'],
      says: 'drug supply manager: the depot too; site staff: their sites',
      options: [
        '--site <code>',
        '--status <status>',
        'depot, in_transit, at_site, dispensed, damaged',
        '--drug <code>',
        '--json',
      ],
    },
    {
      args: ['shipment', 'create'],
      says: 'earliest expiry first (drug supply manager)',
      options: ['--site <code>', '--kits <DRUG=N,...>', '--user <name>', '--json'],
    },
    {
      args: ['shipment', 'receive'],
      says: 'site coordinator or investigator of the site',
      options: ['--shipment <id>', '--damaged <kit,...>', '--user <name>', '--json'],
    },
    {
      args: ['inventory'],
      says: 'low-stock warnings (drug supply manager; site staff for their sites',
      options: ['--study <code-or-id>', '--user <name>', '--json'],
    },
  ])('trialdesk $args --help says who may run it and lists its options', async ({ args, says, options }) => {
    const r = await cli([...args, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: trialdesk ${args.join(' ')}`);
    // Commander wraps long descriptions: compare with the line breaks folded.
    const text = r.out.replace(/\s+/g, ' ');
    expect(text).toContain(says);
    for (const o of options) expect(text).toContain(o);
  });

  it.each([['subject'], ['randomization'], ['extension'], ['kits'], ['shipment']])(
    'trialdesk %s without a sub-command shows its help (exit 2)',
    async (group) => {
      const r = await cli([group]);
      expect(r.code).toBe(2);
      expect(r.out + r.err).toContain(`Usage: trialdesk ${group} [options] [command]`);
    },
  );
});
