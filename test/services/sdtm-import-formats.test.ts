import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileOf, type SdtmDomain, type SdtmIssue } from '../../src/core/sdtm/index.js';
import { isDomainError } from '../../src/core/errors.js';
import type { Caller } from '../../src/services/index.js';
import type { SdtmFile } from '../../src/services/sdtm/sdtm-import.service.js';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { protocolWithUniqueCode, world, type World } from '../support/fixtures.js';
import { asJson, asXpt, FIXTURE, TABLES, type Table } from '../support/sdtm-formats.js';

/** The fixture's files in the formats given (CSV for the domains not named). */
async function files(
  formats: Partial<Record<SdtmDomain, 'xpt' | 'json' | 'ndjson'>>,
): Promise<Partial<Record<SdtmDomain, SdtmFile>>> {
  const out: Partial<Record<SdtmDomain, SdtmFile>> = {};
  for (const [domain, t] of TABLES) {
    const format = formats[domain];
    const name = domain.toLowerCase();
    if (format === undefined)
      out[domain] = {
        fileName: fileOf(domain),
        source: Readable.from([readFileSync(new URL(fileOf(domain), FIXTURE))]),
      };
    else if (format === 'xpt')
      out[domain] = { fileName: `${name}.xpt`, source: Readable.from([Buffer.from(await asXpt(domain, t))]) };
    else
      out[domain] = {
        fileName: `${name}.${format}`,
        source: Readable.from([Buffer.from(await asJson(domain, t, format))]),
      };
  }
  return out;
}

const ALL_XPT = Object.fromEntries([...TABLES.keys()].map((d) => [d, 'xpt'])) as Record<SdtmDomain, 'xpt'>;

describe.each(engines())('SDTM import from transport and Dataset-JSON files on $name', (engine) => {
  let db: Database;
  let w: World;
  let dm: Caller;
  beforeAll(async () => {
    db = await engine.open();
    w = world(db);
    dm = await w.user([{ role: 'data_manager' }]);
  });
  afterAll(() => db.close());

  /** Imports the fixture in the formats given; gives the summary and the analysis at the trial's data cut. */
  async function importAs(formats: Partial<Record<SdtmDomain, 'xpt' | 'json' | 'ndjson'>>) {
    const { source: protocolSource } = protocolWithUniqueCode('protocols/celgosivir-nr-phase2.yaml');
    const summary = await w.services.sdtmImport.importStudy(dm, {
      protocolSource,
      protocolFileName: 'nr.yaml',
      datasets: await files(formats),
    });
    const stat = await w.user([{ role: 'unblinded_statistician', studyId: summary.study.id }]);
    const analysis = await w.services.analysis.analyze(stat, summary.study.id, { dataCut: '2006-12-31' });
    // The study's identity differs between imports; everything else must not.
    const text = JSON.stringify(analysis)
      .replaceAll(summary.study.id, 'ID')
      .replaceAll(summary.study.code, 'CODE');
    return { summary, analysis: JSON.parse(text) as unknown };
  }

  it('imports the same study from the CSV datasets converted to XPT, to Dataset-JSON and to NDJSON', async () => {
    const csv = await importAs({});
    const xpt = await importAs(ALL_XPT);
    const json = await importAs({
      DM: 'json',
      SUPPDM: 'ndjson',
      LB: 'ndjson',
      AE: 'json',
      DS: 'xpt',
      SV: 'json',
    });
    expect(csv.summary.counts.randomized).toBe(10);
    for (const other of [xpt, json]) {
      expect(other.summary.counts).toEqual(csv.summary.counts);
      expect(other.summary.notes.map((n) => n.replace(/\.(xpt|json|ndjson)/, '.csv'))).toEqual(
        csv.summary.notes,
      );
      expect(other.analysis).toEqual(csv.analysis);
    }
    expect(xpt.summary.files.map((f) => f.fileName)).toContain('lb.xpt');
    expect(xpt.summary.files.find((f) => f.domain === 'LB')?.rows).toBe(TABLES.get('LB')?.rows.length);
  });

  it('names a refused row of a transport file by its line, as for CSV (the first row is line 2)', async () => {
    const { source: protocolSource } = protocolWithUniqueCode('protocols/celgosivir-nr-phase2.yaml');
    const datasets = await files(ALL_XPT);
    const lb = TABLES.get('LB')!;
    const unit = lb.header.indexOf('LBORRESU');
    // Row 39 is lb.csv's line 40: the same edit as the CSV test's, refused at the same line.
    const edited: Table = {
      header: lb.header,
      rows: lb.rows.map((r, i) => (i === 38 ? r.map((v, j) => (j === unit ? 'copies/mL' : v)) : r)),
    };
    datasets.LB = { fileName: 'lb.xpt', source: Readable.from([Buffer.from(await asXpt('LB', edited))]) };
    const e = await w.services.sdtmImport
      .importStudy(dm, { protocolSource, protocolFileName: 'nr.yaml', datasets })
      .then(
        () => null,
        (x: unknown) => x,
      );
    expect(isDomainError(e) && e.code).toBe('validation');
    const issues = (isDomainError(e) ? e.details?.errors : []) as SdtmIssue[];
    expect(issues).toEqual([
      {
        file: 'lb.xpt',
        line: 40,
        reason: 'LBORRESU: unit "copies/mL" is not the unit of this measure (IU/mL)',
      },
    ]);
  });

  it('reports a file that is not of its format as the file’s line 1, importing nothing', async () => {
    const { source: protocolSource } = protocolWithUniqueCode('protocols/celgosivir-nr-phase2.yaml');
    const datasets = await files(ALL_XPT);
    datasets.DM = { fileName: 'dm.xpt', source: Readable.from([Buffer.from('STUDYID,DOMAIN\n'.repeat(30))]) };
    datasets.AE = { fileName: 'ae.json', source: Readable.from([Buffer.from('{"rows": [')]) };
    const e = await w.services.sdtmImport
      .importStudy(dm, { protocolSource, protocolFileName: 'nr.yaml', datasets })
      .then(
        () => null,
        (x: unknown) => x,
      );
    const issues = (isDomainError(e) ? e.details?.errors : []) as SdtmIssue[];
    expect(issues).toContainEqual(
      expect.objectContaining({
        file: 'dm.xpt',
        line: 1,
        reason: expect.stringMatching(/does not start with a SAS transport library header/),
      }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ file: 'ae.json', line: 1, reason: expect.stringMatching(/not valid JSON/) }),
    );
  });
});
