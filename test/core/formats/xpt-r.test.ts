import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IBM_MAX,
  readXpt,
  sasMissing,
  xptBytes,
  type XptDataset,
  type XptRow,
} from '../../../src/core/formats/xpt/index.js';
import { asR, bytesOf, haveR, parseRReadings, rscript, sameAsR } from './support.js';

// What R must read back from our files: the values written, but for the two the format itself
// changes (1e-300 is below the smallest IBM number and becomes 0, as in SAS; -0 is written as 0).
const DATASET: XptDataset = {
  name: 'AWKWARD',
  label: 'Values that are hard to carry',
  variables: [
    { name: 'ID', type: 'char', length: 24, label: 'Text, blank-padded UTF-8' },
    { name: 'X', type: 'num', label: 'A number' },
    { name: 'N', type: 'num', label: 'An integer', format: { name: 'BEST', width: 12 } },
  ],
};
const CASES: readonly { row: XptRow; expected?: XptRow }[] = [
  { row: ['one third', 1 / 3, 0] },
  { row: ['tiny', 1e-300, -1], expected: ['tiny', 0, -1] },
  { row: ['negative zero', -0, 1], expected: ['negative zero', 0, 1] },
  { row: ['large', 1e75, Number.MAX_SAFE_INTEGER] },
  { row: ['largest', IBM_MAX, -Number.MAX_SAFE_INTEGER] },
  { row: ['small', -6e-79, 123456789012] },
  { row: ['pi, 0.1 + 0.2', Math.PI, 0.1 + 0.2] },
  { row: ['café', -118.625, 42] },
  { row: ['naïve — “quoted”', 1e-5, 2 ** 40] },
  { row: ['  leading blanks', null, null] },
  { row: ['', sasMissing('A'), sasMissing('Z')] },
  { row: ['exactly twenty-four byte', sasMissing('_'), 7] },
];

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trialdesk-xpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!haveR)('our transport files read by R', () => {
  it('haven::read_xpt and foreign::read.xport read the rows we wrote: integers, awkward doubles, missing values, UTF-8', async () => {
    const file = join(dir, 'awkward.xpt');
    await writeFile(
      file,
      await xptBytes(
        DATASET,
        CASES.map((c) => c.row),
        { created: new Date() },
      ),
    );
    const readings = parseRReadings(await rscript('xpt-read.R', file));
    for (const reader of ['haven', 'foreign'] as const) {
      const r = readings.get(reader)![0]!;
      expect(r.rows).toBe(CASES.length);
      expect(r.names).toEqual(['ID', 'X', 'N']);
      if (reader === 'haven') expect(r.labels).toEqual(DATASET.variables.map((v) => v.label));
      DATASET.variables.forEach((v, j) => {
        CASES.forEach((c, i) => {
          const expected = asR((c.expected ?? c.row)[j], reader);
          const theirs = r.values.get(v.name)![i]!;
          expect(
            sameAsR(expected, theirs),
            `${reader}: row ${i + 1} ${v.name}: ${expected} read as ${theirs}`,
          ).toBe(true);
        });
      });
    }
    // And our own reader agrees with R.
    const ours = await readXpt(await bytesOf(file));
    expect(ours.datasets[0]!.rows).toEqual(CASES.map((c) => c.expected ?? c.row));
  }, 120_000);

  it('writes the bytes haven::write_xpt writes, given the same metadata and stamps', async () => {
    const file = join(dir, 'haven.xpt');
    await rscript('xpt-write.R', file);
    const theirs = await bytesOf(file);
    const { stamps, datasets } = await readXpt(theirs);
    const { dataset, rows } = datasets[0]!;
    expect(dataset).toMatchObject({ name: 'DM', label: 'Demographics' });
    expect(rows).toEqual([
      ['SUBJ-001', 34, 'F'],
      ['SUBJ-002', null, 'M'],
      ['café', 1 / 3, ''],
      ['  lead', -118.625, 'U'],
      ['', 123456789012, 'F'],
    ]);
    const ours = await xptBytes(dataset, rows, {
      ...stamps,
      created: dataset.created!,
      modified: dataset.modified!,
    });
    expect(Buffer.compare(ours, theirs)).toBe(0);
  }, 120_000);
});
