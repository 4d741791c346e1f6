import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cellProblem,
  datasetJsonText,
  readDatasetJson,
  readDatasetNdjson,
  writeDatasetJson,
  type Column,
  type DatasetJsonMetadata,
  type DatasetJsonRow,
} from '../../../src/core/formats/dataset-json/index.js';
import { FormatError } from '../../../src/core/formats/errors.js';
import { DATASET_JSON, bytesOf, datasetJsonExamples } from './support.js';

type Validate = ((data: unknown) => boolean) & { errors?: unknown };
let validateJson: Validate;
let validateNdjsonMetadata: Validate;

beforeAll(async () => {
  const schema = JSON.parse(await readFile(join(DATASET_JSON, 'dataset.schema.json'), 'utf8')) as {
    $defs: Record<string, unknown>;
  };
  // The NDJSON schema ships in UTF-16 and refers to #/$defs/Column, DataTypesEnum and SourceSystem
  // without defining them: we lend it the JSON schema's definitions, unchanged, so that it compiles.
  const ndjson = JSON.parse(
    new TextDecoder('utf-16le')
      .decode(await readFile(join(DATASET_JSON, 'dataset-ndjson-schema.json')))
      .replace(/^\uFEFF/, ''),
  ) as { $defs: Record<string, unknown> };
  for (const [name, definition] of Object.entries(schema.$defs)) ndjson.$defs[name] ??= definition;
  // The schemas carry CDISC's own annotations (metamodel_version, version): not strict mode.
  validateJson = new Ajv2019({ strict: false, allErrors: true }).compile(schema);
  validateNdjsonMetadata = new Ajv2019({ strict: false, allErrors: true }).compile(ndjson);
});

const CREATED = '2026-12-02T09:30:00';
const col = (name: string, dataType: Column['dataType'], extra: Partial<Column> = {}): Column => ({
  itemOID: `IT.ALL.${name}`,
  name,
  label: `A ${dataType}`,
  dataType,
  ...extra,
});
const ALL_TYPES: DatasetJsonMetadata = {
  datasetJSONCreationDateTime: CREATED,
  datasetJSONVersion: '1.1.0',
  itemGroupOID: 'IG.ALL',
  records: 3,
  name: 'ALL',
  label: 'Every data type',
  columns: [
    col('S', 'string', { length: 8, keySequence: 1 }),
    col('I', 'integer'),
    col('DEC', 'decimal'),
    col('F', 'float'),
    col('DBL', 'double'),
    col('B', 'boolean'),
    col('DTM', 'datetime'),
    col('DT', 'date', { targetDataType: 'integer', displayFormat: 'DATE9.' }),
    col('TM', 'time'),
    col('U', 'URI'),
  ],
};
const ALL_ROWS: DatasetJsonRow[] = [
  [
    'café',
    1,
    '12.50',
    1.5,
    1 / 3,
    true,
    '2026-12-02T09:30:05',
    '2026-12-02',
    '09:30',
    'https://example.org/a?b=c',
  ],
  ['', -7, '-0.001', 0, 1e-300, false, '2026-12', '2024-02-29', '23:59:59.5', ''],
  [null, null, null, null, null, null, null, null, null, null],
];

async function formatError(f: () => Promise<unknown>): Promise<FormatError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return e as FormatError;
  }
  throw new Error('expected a FormatError');
}

describe('Dataset-JSON 1.1 and the official examples', () => {
  it('writes every example’s rows back to the very bytes of the official file', async () => {
    const examples = await datasetJsonExamples();
    expect(examples).toHaveLength(14);
    for (const example of examples) {
      const official = await readFile(example.json, 'utf8');
      const { metadata, rows } = await readDatasetJson(await bytesOf(example.json));
      expect(rows, example.name).toHaveLength(metadata.records);
      const ours = await datasetJsonText(metadata, rows);
      expect(ours === official, example.name).toBe(true);
      expect(validateJson(JSON.parse(ours)), `${example.name}: ${JSON.stringify(validateJson.errors)}`).toBe(
        true,
      );
    }
  });

  it('writes them as NDJSON that reads back equal, its metadata line valid against the NDJSON schema', async () => {
    for (const example of await datasetJsonExamples()) {
      const official = await readDatasetJson(await bytesOf(example.json));
      const text = await datasetJsonText(official.metadata, official.rows, 'ndjson');
      const lines = text.split('\n');
      expect(lines.at(-1)).toBe('');
      expect(lines).toHaveLength(official.rows.length + 2);
      const first = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(first.rows).toBeUndefined();
      expect(validateNdjsonMetadata(first), JSON.stringify(validateNdjsonMetadata.errors)).toBe(true);
      expect(await readDatasetNdjson(text)).toEqual(official);
    }
  });

  it('validates our own output for every data type against the schema, and reads it back', async () => {
    const text = await datasetJsonText(ALL_TYPES, ALL_ROWS);
    expect(validateJson(JSON.parse(text)), JSON.stringify(validateJson.errors)).toBe(true);
    expect(await readDatasetJson(text)).toEqual({ metadata: ALL_TYPES, rows: ALL_ROWS });
    expect(await readDatasetNdjson(await datasetJsonText(ALL_TYPES, ALL_ROWS, 'ndjson'))).toEqual({
      metadata: ALL_TYPES,
      rows: ALL_ROWS,
    });
  });

  it('the schema itself refuses bad metadata (so the checks above can fail)', () => {
    const { itemGroupOID: _, ...noGroup } = ALL_TYPES;
    expect(validateJson({ ...noGroup, rows: [] })).toBe(false);
    expect(validateJson({ ...ALL_TYPES, datasetJSONVersion: '1.0', rows: [] })).toBe(false);
    expect(validateNdjsonMetadata({ ...ALL_TYPES, columns: [{ name: 'X' }] })).toBe(false);
  });
});

describe('cells checked against their column’s dataType', () => {
  it.each([
    ['S', 42, /a string column needs a string, not the number 42/],
    ['S', 'too long!', /9 characters; the column's length is 8/],
    ['I', 1.5, /an integer column needs a whole number, not the number 1.5/],
    ['I', '3', /needs a whole number, not the string "3"/],
    ['DEC', 12.5, /a decimal column needs a decimal number written as a string/],
    ['DEC', '1e3', /decimal number written as a string/],
    ['F', '1.5', /a float column needs a finite number/],
    ['DBL', true, /a double column needs a finite number, not the boolean true/],
    ['B', 'Y', /a boolean column needs true or false/],
    ['DTM', '2026-13-01T00:00', /ISO 8601 datetime/],
    ['DT', '2023-02-29', /ISO 8601 date/],
    ['DT', 20260101, /ISO 8601 date string, not the number/],
    ['TM', '24:00', /ISO 8601 time/],
    ['U', 'not a uri', /a URI column needs a URI/],
    ['I', [1], /not an array/],
  ] as const)('refuses %s = %j with the column named', async (name, value, message) => {
    const index = ALL_TYPES.columns.findIndex((c) => c.name === name);
    const bad = ALL_ROWS.map((r) => [...r]);
    bad[1]![index] = value as never;
    // The schema leaves cells unconstrained: such a file is "valid" for it …
    expect(validateJson({ ...ALL_TYPES, rows: bad })).toBe(true);
    // … but neither our writer nor our reader takes it.
    const written = await formatError(() => datasetJsonText(ALL_TYPES, bad));
    expect(written.details).toMatchObject({
      format: 'dataset-json',
      rule: 'cell-type',
      dataset: 'ALL',
      variable: name,
      row: 2,
    });
    expect(written.message).toMatch(message);
    expect(written.message).toMatch(new RegExp(`^dataset ALL, variable ${name}, row 2: `));
    const read = await formatError(() => readDatasetJson(JSON.stringify({ ...ALL_TYPES, rows: bad })));
    expect(read.details).toMatchObject({ variable: name, row: 2 });
  });

  it('takes null as missing in every type, and "" in the text types', () => {
    for (const c of ALL_TYPES.columns) expect(cellProblem(c, null)).toBeNull();
    for (const name of ['S', 'DEC', 'DTM', 'DT', 'TM', 'U'])
      expect(
        cellProblem(
          ALL_TYPES.columns.find((c) => c.name === name)!,
          '',
        ),
      ).toBeNull();
    expect(cellProblem(ALL_TYPES.columns[1]!, '')).toMatch(/whole number/);
  });

  it('takes partial ISO 8601 dates and times, as SDTM writes them', () => {
    const dtm = ALL_TYPES.columns[6]!;
    for (const ok of [
      '2026',
      '2026-12',
      '2026-12-02T09',
      '2026-12-02T09:30',
      '2026-12-02T09:30:05.123+01:00',
      '2026-12-02T09:30Z',
    ])
      expect(cellProblem(dtm, ok), ok).toBeNull();
    for (const bad of ['2026-1', '26-12-02', '2026-12-02 09:30', '2026-12-02T9:30', '2026-04-31'])
      expect(cellProblem(dtm, bad), bad).not.toBeNull();
  });
});

describe('the Dataset-JSON writer and readers', () => {
  it('refuses a row count other than the records announced, and rows of the wrong width', async () => {
    const e = await formatError(() => datasetJsonText({ ...ALL_TYPES, records: 4 }, ALL_ROWS));
    expect(e.details).toMatchObject({ rule: 'records' });
    expect(e.message).toMatch(/announces 4 records but 3 rows were written/);
    const read = await formatError(() =>
      readDatasetJson(JSON.stringify({ ...ALL_TYPES, records: 2, rows: ALL_ROWS })),
    );
    expect(read.message).toMatch(/"records" is 2 but the file has 3 rows/);
    const width = await formatError(() => datasetJsonText(ALL_TYPES, [ALL_ROWS[0]!, ['x'], ALL_ROWS[2]!]));
    expect(width.details).toMatchObject({ rule: 'row-width', row: 2 });
  });

  it.each([
    [{ datasetJSONVersion: '1.0.0' }, 'metadata-version', /must be 1.1 or 1.1.x/],
    [{ datasetJSONCreationDateTime: '2026-12-02' }, 'metadata-datetime', /ISO 8601 date and time/],
    [{ records: -1 }, 'metadata-records', /whole number ≥ 0/],
    [{ columns: [] }, 'metadata-columns', /non-empty array/],
    [{ columns: [col('A', 'string'), col('a', 'integer')] }, 'column-name-unique', /appears twice/],
    [{ columns: [col('A', 'text' as never)] }, 'column-data-type', /dataType "text" is not one of/],
    [
      { columns: [col('A', 'date', { targetDataType: 'float' as never })] },
      'column-target-data-type',
      /not integer or decimal/,
    ],
    [{ columns: [col('A', 'string', { length: 0 })] }, 'column-length', /whole number ≥ 1/],
    [{ extra: 1 }, 'metadata-member', /"extra" is not a member of Dataset-JSON 1.1/],
  ] as const)('refuses bad metadata: %j', async (change, rule, message) => {
    const e = await formatError(() => datasetJsonText({ ...ALL_TYPES, records: 0, ...change }, []));
    expect(e.details).toMatchObject({ format: 'dataset-json', rule });
    expect(e.message).toMatch(message);
  });

  it('streams: pieces of about 64 KB, rows pulled only as pieces are taken', async () => {
    const meta: DatasetJsonMetadata = { ...ALL_TYPES, records: 100_000 };
    let pulled = 0;
    function* rows(): Generator<DatasetJsonRow> {
      for (let i = 0; i < 100_000; i++) {
        pulled++;
        yield [`S${i % 1000}`, i, `${i}.5`, i / 7, i * 3, i % 2 === 0, null, '2026-01-01', null, null];
      }
    }
    let taken = 0;
    let largest = 0;
    for await (const piece of writeDatasetJson(meta, rows(), 'ndjson')) {
      taken += piece.length;
      largest = Math.max(largest, piece.length);
      // Never more than a piece of rows (about 80 characters each) ahead of the consumer.
      expect(pulled * 40).toBeLessThanOrEqual(taken + 2 * 64 * 1024);
    }
    expect(pulled).toBe(100_000);
    expect(largest).toBeLessThan(64 * 1024 + 200);
  });

  it('reads NDJSON however its bytes are cut, inside UTF-8 characters too', async () => {
    const bytes = new TextEncoder().encode(await datasetJsonText(ALL_TYPES, ALL_ROWS, 'ndjson'));
    for (const size of [1, 2, 3, 64]) {
      function* cut(): Generator<Uint8Array> {
        for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
      }
      expect(await readDatasetNdjson(cut())).toEqual({ metadata: ALL_TYPES, rows: ALL_ROWS });
    }
  });

  it('refuses NDJSON whose first line is not the metadata, or a line that is not JSON', async () => {
    const text = await datasetJsonText(ALL_TYPES, ALL_ROWS, 'ndjson');
    const [first = '', ...rest] = text.split('\n');
    expect((await formatError(() => readDatasetNdjson(rest.join('\n')))).message).toMatch(
      /metadata must be a JSON object/,
    );
    const broken = [first, rest[0], '["café", 1', rest[2]].join('\n');
    const e = await formatError(() => readDatasetNdjson(broken));
    expect(e.details).toMatchObject({ rule: 'json', row: 2 });
    expect((await formatError(() => readDatasetNdjson(''))).message).toMatch(/the file is empty/);
  });
});
