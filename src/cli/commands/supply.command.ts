import type { Command } from 'commander';
import { z } from 'zod';
import { DomainError } from '../../core/errors.js';
import {
  createKitsSchema,
  createShipmentSchema,
  kitQuerySchema,
  receiveShipmentSchema,
} from '../../services/supply/supply.schemas.js';
import { json } from '../format.js';
import { commaList, drugCounts, parseInput, wholeNumber } from '../input.js';
import type { CliIo } from '../io.js';
import { resolveSite, siteCodes, studyRef, withCaller, type CredentialOptions } from '../session.js';

type StudyOptions = CredentialOptions & { study: string; json?: boolean };

const shipmentRef = z.strictObject({
  shipment: z.uuid('must be a shipment id, as `shipment create` printed it'),
});

export function supplyCommands(
  program: Command,
  io: CliIo,
  run: (work: () => Promise<number>) => void,
): void {
  const kits = program.command('kits').description('Drug kits: create at the depot, list');

  kits
    .command('create')
    .description(
      'Add kits of a drug to the depot (drug supply manager): random kit numbers; the kits of a masked ' +
        'drug are a shuffled mix of active and placebo in the proportion the arms need',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--drug <code>', 'the drug of the protocol, e.g. CELGOSIVIR')
    .requiredOption('--count <n>', 'how many kits', wholeNumber)
    .requiredOption('--lot <lot>', 'the manufacturing lot')
    .requiredOption('--expires <YYYY-MM-DD>', 'the lot’s expiry date')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the kit numbers as JSON')
    .action((opts: StudyOptions & { drug: string; count: number; lot: string; expires: string }) =>
      run(async () => {
        const input = parseInput(
          createKitsSchema,
          { drug: opts.drug, count: opts.count, lot: opts.lot, expiresOn: opts.expires },
          { drug: '--drug', count: '--count', lot: '--lot', expiresOn: '--expires' },
        );
        const created = await withCaller(io, opts, async (rt, caller) =>
          rt.services.supply.createKits(caller, (await studyRef(rt, caller, opts.study)).id, input),
        );
        io.out(
          opts.json
            ? json(created)
            : `Created ${created.kitNumbers.length} ${created.drug} kit(s) at the depot, lot ${created.lot}, expiring ${input.expiresOn} (--json lists their numbers)\n`,
        );
        return 0;
      }),
    );

  kits
    .command('list')
    .description(
      'List the kits you may see (drug supply manager: the depot too; site staff: their sites); the ' +
        'content of a masked drug’s kit only for the unblinded',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .option('--site <code>', 'only the kits of this site')
    .option(
      '--status <status>',
      `only kits in this status: ${kitQuerySchema.shape.status.unwrap().options.join(', ')}`,
    )
    .option('--drug <code>', 'only the kits of this drug')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print JSON')
    .action((opts: StudyOptions & { site?: string; status?: string; drug?: string }) =>
      run(async () => {
        const labels = { siteId: '--site', status: '--status', drug: '--drug' };
        const filter = parseInput(
          kitQuerySchema.omit({ siteId: true }),
          { status: opts.status, drug: opts.drug },
          labels,
        );
        const { listed, sites } = await withCaller(io, opts, async (rt, caller) => {
          const study = await studyRef(rt, caller, opts.study);
          const siteId = opts.site ? await resolveSite(rt, caller, study, opts.site) : undefined;
          const query = parseInput(kitQuerySchema, { ...filter, siteId }, labels);
          return {
            listed: await rt.services.supply.kits(caller, study.id, query),
            sites: await siteCodes(rt, caller, study.id),
          };
        });
        if (opts.json) io.out(json(listed));
        else if (listed.length === 0) io.out('No kits.\n');
        else
          for (const k of listed)
            io.out(
              [
                k.kitNumber,
                k.drug,
                `lot ${k.lot}`,
                `expires ${k.expiresOn}`,
                k.status,
                k.siteId ? `site ${sites.get(k.siteId) ?? k.siteId}` : 'depot',
                ...(k.visit ? [`visit ${k.visit}`] : []),
                ...(k.content ? [k.content] : []),
              ].join('\t') + '\n',
            );
        return 0;
      }),
    );

  const shipment = program.command('shipment').description('Shipments of kits from the depot to sites');

  shipment
    .command('create')
    .description(
      'Ship kits from the depot to a site, earliest expiry first (drug supply manager); for a masked drug ' +
        'the system picks the active/placebo mix',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--site <code>', 'the site’s code')
    .requiredOption(
      '--kits <DRUG=N,...>',
      'how many kits of each drug, e.g. CELGOSIVIR=10,PEGIFN=10',
      drugCounts,
    )
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the shipment as JSON')
    .action((opts: StudyOptions & { site: string; kits: { drug: string; count: number }[] }) =>
      run(async () => {
        const labels = { siteId: '--site', kits: '--kits' };
        const { kits } = parseInput(createShipmentSchema.omit({ siteId: true }), { kits: opts.kits }, labels);
        const shipped = await withCaller(io, opts, async (rt, caller) => {
          const study = await studyRef(rt, caller, opts.study);
          const siteId = await resolveSite(rt, caller, study, opts.site);
          return rt.services.supply.ship(
            caller,
            study.id,
            parseInput(createShipmentSchema, { siteId, kits }, labels),
          );
        });
        io.out(
          opts.json
            ? json(shipped)
            : `Shipped ${shipped.kitNumbers.length} kit(s) to site ${opts.site}: shipment ${shipped.shipment.id}\n` +
                `Kit numbers: ${shipped.kitNumbers.join(', ')}\n`,
        );
        return 0;
      }),
    );

  shipment
    .command('receive')
    .description(
      'Confirm a shipment arrived at your site (site coordinator or investigator of the site); damaged ' +
        'kits are set aside and never dispensed',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--shipment <id>', 'the shipment, as `shipment create` printed it')
    .option('--damaged <kit,...>', 'kit numbers that arrived unusable, e.g. 1234567,7654321', commaList)
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the shipment as JSON')
    .action((opts: StudyOptions & { shipment: string; damaged?: string[] }) =>
      run(async () => {
        const { shipment: id } = parseInput(
          shipmentRef,
          { shipment: opts.shipment },
          { shipment: '--shipment' },
        );
        const input = parseInput(
          receiveShipmentSchema,
          { damagedKitNumbers: opts.damaged ?? [] },
          { damagedKitNumbers: '--damaged' },
        );
        const received = await withCaller(io, opts, async (rt, caller) => {
          const study = await studyRef(rt, caller, opts.study);
          if (!(await rt.services.supply.shipments(caller, study.id)).some((s) => s.id === id))
            throw new DomainError('not_found', `No shipment ${id} in study ${study.ref} that you can see`);
          return rt.services.supply.receive(caller, id, input);
        });
        if (opts.json) io.out(json(received));
        else {
          io.out(`Received shipment ${received.id}: its kits are in the site’s stock\n`);
          if (input.damagedKitNumbers.length > 0)
            io.out(`Set aside as damaged: ${input.damagedKitNumbers.join(', ')}\n`);
        }
        return 0;
      }),
    );

  program
    .command('inventory')
    .description(
      'Stock per site and low-stock warnings (drug supply manager; site staff for their sites; monitors, ' +
        'data managers); warnings name drugs, never arms',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print JSON')
    .action((opts: StudyOptions) =>
      run(async () => {
        const inventory = await withCaller(io, opts, async (rt, caller) =>
          rt.services.supply.inventory(caller, (await studyRef(rt, caller, opts.study)).id),
        );
        if (opts.json) {
          io.out(json(inventory));
          return 0;
        }
        if (inventory.length === 0) io.out('No sites.\n');
        for (const site of inventory) {
          const stock = Object.entries(site.stock)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([drug, n]) => `${drug} ${n}`);
          io.out(
            `${site.siteCode}\t${stock.length > 0 ? stock.join(', ') : 'no stock'}\tin transit ${site.inTransit}\t` +
              `enough for ${site.subjectsCovered} more subject(s)\n`,
          );
        }
        // Warnings go to standard error, so they show even when the table is piped away.
        for (const w of inventory.flatMap((s) => s.warnings)) io.err(`WARNING  ${w}\n`);
        return 0;
      }),
    );
}
