import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ANALYSIS_SCHEMA_VERSION,
  analysisJsonSchema,
  analysisResultSchema,
  analyze,
  syntheticStudy,
} from '../../../src/core/analysis/index.js';
import { NAIVE_PROTOCOL, NR_PROTOCOL, OTHER_PROTOCOL, readProtocol } from './support.js';

const SCHEMA_FILE = new URL('../../../schemas/analysis.v1.schema.json', import.meta.url);

describe('the published JSON Schema of the analysis output', () => {
  // To regenerate after changing result-schema.ts (then run prettier on the file):
  //   TRIALDESK_WRITE_SCHEMAS=1 npx vitest run test/core/analysis/schema.test.ts
  if (process.env.TRIALDESK_WRITE_SCHEMAS === '1')
    writeFileSync(SCHEMA_FILE, `${JSON.stringify(analysisJsonSchema(), null, 2)}\n`);

  it('is the file committed in schemas/, so the two cannot drift', () => {
    const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as unknown;
    expect(committed).toEqual(analysisJsonSchema());
  });

  it('is version 1 of the output and says so', () => {
    expect(ANALYSIS_SCHEMA_VERSION).toBe(1);
    expect(analysisJsonSchema()).toMatchObject({
      title: 'trialdesk analysis result, version 1',
      properties: { schemaVersion: { const: 1 } },
    });
  });
});

describe('the output of analyze', () => {
  it.each([NR_PROTOCOL, NAIVE_PROTOCOL, OTHER_PROTOCOL])('parses with the zod schema (%s)', (path) => {
    const result = analyze(syntheticStudy(readProtocol(path), { subjects: 150, seed: 11 }));
    const parsed = analysisResultSchema.safeParse(result);
    expect(parsed.error).toBeUndefined();
    expect(parsed.data).toEqual(result);
  });
});
