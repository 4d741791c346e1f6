import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isoDateToSas, isoDatetimeToSas } from '../../../src/core/formats/index.js';
import { readDatasetJson } from '../../../src/core/formats/dataset-json/index.js';
import { readXpt, xptBytes, type XptData } from '../../../src/core/formats/xpt/index.js';
import {
  asR,
  bytesOf,
  datasetJsonExamples,
  haveR,
  parseRReadings,
  referenceXptFiles,
  rscript,
  sameAsR,
  type RReading,
} from './support.js';

// One file of the CDISC pilot has a Windows-1252 apostrophe (0x92): read as Latin-1, every byte
// stays itself, so the comparison with R's raw bytes and the byte-for-byte rewrite both hold.
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

let files: string[] = [];
const read = new Map<string, XptData>();

beforeAll(async () => {
  files = await referenceXptFiles();
  for (const f of files) {
    const { datasets } = await readXpt(await bytesOf(f), { encoding: 'latin1' });
    expect(datasets).toHaveLength(1);
    read.set(f, datasets[0]!);
  }
});

describe('our transport reader on the reference files', () => {
  it('reads all 29: the CDISC pilot’s 15 and the Dataset-JSON examples’ 14', () => {
    expect(files).toHaveLength(29);
    expect(files.filter((f) => f.includes('cdiscpilot01'))).toHaveLength(15);
    const dm = read.get(files.find((f) => f.endsWith('cdiscpilot01/dm.xpt'))!)!;
    expect(dm.dataset.name).toBe('DM');
    expect(dm.rows).toHaveLength(306);
    expect(dm.dataset.variables.map((v) => v.name).slice(0, 4)).toEqual([
      'STUDYID',
      'DOMAIN',
      'USUBJID',
      'SUBJID',
    ]);
    expect(dm.rows[0]!.slice(0, 3)).toEqual(['CDISCPILOT01', 'DM', '01-701-1015']);
  });

  it.skipIf(!haveR)(
    'reads every value as haven::read_xpt and foreign::read.xport do',
    async () => {
      const readings = parseRReadings(await rscript('xpt-read.R', ...files));
      for (const reader of ['haven', 'foreign'] as const) {
        const theirs = readings.get(reader)!;
        expect(theirs).toHaveLength(files.length);
        files.forEach((f, k) => {
          const ours = read.get(f)!;
          const r: RReading = theirs[k]!;
          const where = `${reader}, ${basename(f)}`;
          expect(r.rows, where).toBe(ours.rows.length);
          expect(r.names, where).toEqual(ours.dataset.variables.map((v) => v.name));
          if (reader === 'haven')
            expect(r.labels, where).toEqual(ours.dataset.variables.map((v) => v.label ?? ''));
          ours.dataset.variables.forEach((v, j) => {
            const values = r.values.get(v.name) ?? [];
            const mismatches = ours.rows
              .map((row, i) => [i + 1, asR(row[j], reader, latin1), values[i] ?? '(none)'] as const)
              .filter(([, a, b]) => !sameAsR(a, b));
            expect(mismatches.slice(0, 3), `${where} ${v.name}`).toEqual([]);
          });
        });
      }
    },
    240_000,
  );

  it('rewrites every reference file byte for byte from what it read (same metadata and stamps)', async () => {
    for (const f of files) {
      const { stamps, datasets } = await readXpt(await bytesOf(f), { encoding: 'latin1' });
      const { dataset, rows } = datasets[0]!;
      // Our writer writes UTF-8: strings read as Latin-1 are written back as their bytes by re-reading
      // them as UTF-8 only where they are valid UTF-8 (every file but one is pure ASCII).
      const ascii = rows.every((row) => row.every((v) => typeof v !== 'string' || /^[\x20-\x7e]*$/.test(v)));
      const out = await xptBytes(dataset, rows, {
        ...stamps,
        created: dataset.created!,
        modified: dataset.modified!,
      });
      if (ascii) expect(Buffer.compare(out, await bytesOf(f)), basename(f)).toBe(0);
      const back = await readXpt(out);
      expect(back.datasets[0]!.rows, basename(f)).toEqual(rows);
      expect(back.datasets[0]!.dataset.variables).toEqual(dataset.variables);
    }
  });
});

describe('the Dataset-JSON examples against their transport files', () => {
  it('hold the same rows and values in .xpt and .json', async () => {
    const examples = await datasetJsonExamples();
    expect(examples.map((e) => e.name)).toContain('sdtm/lb');
    for (const example of examples) {
      const { metadata, rows } = await readDatasetJson(await bytesOf(example.json));
      const { datasets } = await readXpt(await bytesOf(example.xpt));
      const x = datasets[0]!;
      expect(x.dataset.name, example.name).toBe(metadata.name);
      expect(
        x.dataset.variables.map((v) => v.name),
        example.name,
      ).toEqual(metadata.columns.map((c) => c.name));
      expect(x.rows, example.name).toHaveLength(rows.length);
      metadata.columns.forEach((column, j) => {
        const mismatches: unknown[] = [];
        rows.forEach((row, i) => {
          const json = row[j] ?? null;
          const sas = x.rows[i]![j];
          let expected: unknown = json;
          // Dates kept as SAS numbers in the transport file are ISO 8601 strings in Dataset-JSON.
          if (column.targetDataType === 'integer' && typeof json === 'string')
            expected =
              json === '' ? null : column.dataType === 'date' ? isoDateToSas(json) : isoDatetimeToSas(json);
          // The examples' floats were printed with 15 significant digits (8.549999999999999 is "8.55").
          const same =
            typeof sas === 'number' && typeof expected === 'number'
              ? Number(sas.toPrecision(15)) === expected
              : sas === (expected ?? (x.dataset.variables[j]!.type === 'char' ? '' : null));
          if (!same) mismatches.push({ row: i + 1, sas, json });
        });
        expect(mismatches.slice(0, 3), `${example.name} ${column.name}`).toEqual([]);
      });
    }
  });
});
