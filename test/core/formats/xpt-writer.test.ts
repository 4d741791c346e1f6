import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/core/formats/errors.js';
import { memberHeader } from '../../../src/core/formats/xpt/records.js';
import {
  checkDataset,
  readXpt,
  readXptEvents,
  sasMissing,
  writeXpt,
  xptBytes,
  XptEncoder,
  type XptDataset,
  type XptRow,
} from '../../../src/core/formats/xpt/index.js';

const created = new Date(Date.UTC(2026, 11, 2, 9, 30, 5));
const DM: XptDataset = {
  name: 'DM',
  label: 'Demographics',
  variables: [
    { name: 'USUBJID', type: 'char', length: 12, label: 'Unique Subject Identifier' },
    { name: 'AGE', type: 'num', label: 'Age', format: { name: 'BEST', width: 12 } },
    { name: 'SEX', type: 'char', length: 1, label: 'Sex' },
  ],
};

/** The FormatError a call throws (fails the test if it throws nothing or something else). */
async function formatError(f: () => unknown): Promise<FormatError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return e as FormatError;
  }
  throw new Error('expected a FormatError');
}

describe('the transport rules, enforced with errors naming dataset, variable and rule', () => {
  it.each([
    [
      { ...DM, name: 'DEMOGRAPH' },
      { dataset: 'DEMOGRAPH', rule: 'dataset-name-length' },
      /has 9 characters; SAS transport v5 allows 8/,
    ],
    [{ ...DM, name: '1DM' }, { rule: 'dataset-name-characters' }, /must start with a letter/],
    [
      { ...DM, label: 'L'.repeat(41) },
      { dataset: 'DM', rule: 'dataset-label-length' },
      /41 bytes; at most 40/,
    ],
    [{ ...DM, variables: [] }, { rule: 'variables' }, /at least one variable/],
    [
      { ...DM, variables: [{ name: 'PRIORRESP', type: 'char', length: 2 }] },
      { dataset: 'DM', variable: 'PRIORRESP', rule: 'variable-name-length' },
      /variable name "PRIORRESP" has 9 characters/,
    ],
    [
      { ...DM, variables: [{ name: 'A-B', type: 'char', length: 2 }] },
      { variable: 'A-B', rule: 'variable-name-characters' },
      /letters, digits and underscores/,
    ],
    [
      { ...DM, variables: [{ name: 'X', type: 'char', length: 2, label: 'é'.repeat(21) }] },
      { variable: 'X', rule: 'variable-label-length' },
      /42 bytes; at most 40/,
    ],
    [
      { ...DM, variables: [{ name: 'X', type: 'char', length: 201 }] },
      { variable: 'X', rule: 'char-length' },
      /outside 1–200 bytes/,
    ],
    [
      { ...DM, variables: [{ name: 'X', type: 'char' }] },
      { variable: 'X', rule: 'char-length' },
      /needs a length/,
    ],
    [
      { ...DM, variables: [{ name: 'X', type: 'num', length: 9 }] },
      { variable: 'X', rule: 'num-length' },
      /outside 2–8/,
    ],
    [
      {
        ...DM,
        variables: [
          { name: 'AGE', type: 'num' },
          { name: 'age', type: 'num' },
        ],
      },
      { variable: 'age', rule: 'variable-name-unique' },
      /appears twice/,
    ],
    [
      { ...DM, variables: [{ name: 'X', type: 'num', format: { name: 'TOOLONGFMT' } }] },
      { variable: 'X', rule: 'format-name' },
      /not a SAS format name/,
    ],
  ] as const)('refuses metadata breaking a rule (%#)', async (dataset, details, message) => {
    const e = await formatError(() => checkDataset(dataset));
    expect(e.code).toBe('validation');
    expect(e.details).toMatchObject({ format: 'xpt', ...details });
    expect(e.message).toMatch(message);
  });

  it.each([
    [
      ['SUBJ-001', 'forty', 'F'],
      { variable: 'AGE', row: 2, rule: 'value-type' },
      /needs a number or a missing value, not the string "forty"/,
    ],
    [
      ['SUBJ-001-TOO-LONG', 40, 'F'],
      { variable: 'USUBJID', row: 2, rule: 'char-value-length' },
      /17 bytes; the variable's length is 12/,
    ],
    [['SUBJ-00ééééé', 40, 'F'], { variable: 'USUBJID', row: 2, rule: 'char-value-length' }, /17 bytes/],
    [['SUBJ-001', Number.NaN, 'F'], { variable: 'AGE', rule: 'numeric-value' }, /NaN/],
    [['SUBJ-001', Infinity, 'F'], { variable: 'AGE', rule: 'numeric-value' }, /cannot be stored/],
    [['SUBJ-001', 1e76, 'F'], { variable: 'AGE', rule: 'numeric-value' }, /beyond the largest IBM/],
    [['SUBJ-001', 40, 1], { variable: 'SEX', rule: 'value-type' }, /needs a string, not the number 1/],
    [['SUBJ-001', 40], { rule: 'row-width', row: 2 }, /2 values; the dataset has 3 variables/],
  ] as const)(
    'refuses a value the format cannot hold, naming the row (%#)',
    async (bad, details, message) => {
      const rows: XptRow[] = [['SUBJ-000', 30, 'M'], bad];
      const e = await formatError(() => xptBytes(DM, rows, { created }));
      expect(e.details).toMatchObject({ format: 'xpt', dataset: 'DM', ...details });
      expect(e.message).toMatch(message);
    },
  );
});

describe('the transport writer and reader', () => {
  const rows: XptRow[] = [
    ['SUBJ-001', 34, 'F'],
    ['SUBJ-002', null, 'M'],
    ['', sasMissing('A'), ''],
    ['  café', sasMissing('_'), 'U'],
    ['SUBJ-005', 1 / 3, 'F'],
  ];

  it('writes the headers of TS-140: library, member, descriptor, namestrs of 140 bytes, OBS', async () => {
    const bytes = await xptBytes(DM, rows, { created });
    const text = Buffer.from(bytes).toString('latin1');
    const record = (i: number): string => text.slice(i * 80, i * 80 + 80);
    expect(record(0)).toBe(
      'HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  ',
    );
    expect(record(1)).toBe(`SAS     SAS     SASLIB  9.4     trialdsk${' '.repeat(24)}02DEC26:09:30:05`);
    expect(record(3)).toBe(
      'HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!000000000000000001600000000140  ',
    );
    expect(record(5)).toBe(`SAS     DM      SASDATA 9.4     trialdsk${' '.repeat(24)}02DEC26:09:30:05`);
    expect(record(6)).toBe(`02DEC26:09:30:05${' '.repeat(16)}${'Demographics'.padEnd(40)}        `);
    expect(record(7)).toBe(
      'HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000000300000000000000000000  ',
    );
    // Three namestrs (420 bytes) padded to 480, then the OBS header, then 5 rows of 21 bytes padded to 160.
    expect(text.slice(8 * 80 + 480, 8 * 80 + 560)).toBe(
      `HEADER RECORD*******OBS     ${'HEADER RECORD!!!!!!!'}${'0'.repeat(30)}  `,
    );
    expect(bytes.length).toBe(8 * 80 + 480 + 80 + 160);
    const age = 8 * 80 + 140; // the second namestr
    expect(text.slice(age + 8, age + 16)).toBe('AGE     ');
    expect(text.slice(age + 56, age + 64)).toBe('BEST    ');
    expect(new DataView(bytes.buffer).getInt32(age + 84)).toBe(12); // its position in the observation
    expect(text.slice(-160 + 105)).toBe(' '.repeat(55));
  });

  it('reads back what it wrote: values, missing values, blank-padded UTF-8, metadata', async () => {
    const { stamps, datasets } = await readXpt(await xptBytes(DM, rows, { created }));
    expect(stamps).toMatchObject({ created, sasVersion: '9.4', os: 'trialdsk' });
    expect(datasets).toHaveLength(1);
    expect(datasets[0]!.rows).toEqual(rows);
    expect(datasets[0]!.dataset).toMatchObject({
      name: 'DM',
      label: 'Demographics',
      created,
      modified: created,
    });
    expect(datasets[0]!.dataset.variables).toEqual([
      { name: 'USUBJID', type: 'char', length: 12, label: 'Unique Subject Identifier', position: 0 },
      {
        name: 'AGE',
        type: 'num',
        length: 8,
        label: 'Age',
        format: { name: 'BEST', width: 12 },
        position: 12,
      },
      { name: 'SEX', type: 'char', length: 1, label: 'Sex', position: 20 },
    ]);
  });

  it('streams: rows are pulled as chunks are taken, chunks stay about 64 KB, whatever the row count', async () => {
    let pulled = 0;
    function* many(): Generator<XptRow> {
      for (let i = 0; i < 200_000; i++) {
        pulled++;
        yield [`S${i}`, i, i % 2 === 0 ? 'F' : 'M'];
      }
    }
    const writer = writeXpt(DM, many(), { created });
    const header = await writer.next();
    expect(pulled).toBe(0);
    expect((header.value as Uint8Array).length).toBe(8 * 80 + 480 + 80);
    let chunks = 0;
    let largest = 0;
    let total = 0;
    for await (const chunk of writer) {
      chunks++;
      largest = Math.max(largest, chunk.length);
      total += chunk.length;
      // The writer is never more than one chunk of rows ahead of its consumer.
      expect(pulled * 21).toBeLessThanOrEqual(total + 64 * 1024);
    }
    expect(pulled).toBe(200_000);
    expect(largest).toBeLessThanOrEqual(64 * 1024);
    expect(chunks).toBeGreaterThan(60);
    expect(total).toBe(Math.ceil((200_000 * 21) / 80) * 80);
  });

  it('reads a file however it is cut into chunks', async () => {
    const bytes = await xptBytes(DM, rows, { created });
    const whole = await readXpt(bytes);
    for (const size of [1, 7, 80, 81, 1000]) {
      function* cut(): Generator<Uint8Array> {
        for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
      }
      expect(await readXpt(cut())).toEqual(whole);
    }
  });

  it('tells padding from rows: blank rows inside the data are kept, the blanks after the last are not', async () => {
    const chars: XptDataset = { name: 'C', variables: [{ name: 'X', type: 'char', length: 10 }] };
    const data: XptRow[] = [['a'], [''], [''], ['b']];
    const { datasets } = await readXpt(await xptBytes(chars, data, { created }));
    expect(datasets[0]!.rows).toEqual(data);
    const none = await readXpt(await xptBytes(chars, [], { created }));
    expect(none.datasets[0]!.rows).toEqual([]);
  });

  it('reads a library of several members', async () => {
    const second: XptDataset = {
      name: 'AE',
      variables: [
        { name: 'AETERM', type: 'char', length: 30 },
        { name: 'AESEQ', type: 'num' },
      ],
    };
    const first = await xptBytes(DM, rows, { created });
    const encoder = new XptEncoder(second, { created });
    const obs = new Uint8Array(2 * encoder.rowLength);
    encoder.encodeRow(['HEADACHE', 1], obs, 0);
    encoder.encodeRow(['NAUSEA', 2], obs, encoder.rowLength);
    const parts = [first, memberHeader(encoder.checked, { created }), obs, encoder.trailer(2)];
    const file = Buffer.concat(parts);
    const { datasets } = await readXpt(file);
    expect(datasets.map((d) => [d.dataset.name, d.rows.length])).toEqual([
      ['DM', 5],
      ['AE', 2],
    ]);
    expect(datasets[1]!.rows).toEqual([
      ['HEADACHE', 1],
      ['NAUSEA', 2],
    ]);
  });

  it('refuses what is not a version 5 transport file, or is cut short', async () => {
    const notXpt = await formatError(() => readXpt(new TextEncoder().encode('STUDYID,DOMAIN\n'.repeat(20))));
    expect(notXpt.details).toMatchObject({ format: 'xpt', rule: 'not-xpt' });
    const v8 = new TextEncoder().encode(
      `HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!${'0'.repeat(30)}  `.padEnd(240),
    );
    expect((await formatError(() => readXpt(v8))).message).toMatch(
      /transport v8 file; trialdesk reads version 5/,
    );
    const bytes = await xptBytes(DM, rows, { created });
    const cut = await formatError(() => readXpt(bytes.slice(0, 8 * 80 + 200)));
    expect(cut.details).toMatchObject({ rule: 'truncated' });
    const events = readXptEvents(bytes.slice(0, bytes.length - 160 + 30));
    await expect(async () => {
      for await (const _ of events);
    }).rejects.toThrow(/ends inside an observation/);
  });
});
