import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { parseProtocol, type Protocol } from '../../../src/core/protocol/index.js';
import type { SdtmDataset, SdtmDatasets, SdtmDomain } from '../../../src/core/sdtm/index.js';
import { fileOf, SDTM_DOMAINS } from '../../../src/core/sdtm/index.js';

export const FIXTURE = new URL('../../fixtures/sdtm/celgosivir-small/', import.meta.url);

export const nrProtocol = (): Protocol =>
  parseProtocol(
    readFileSync(new URL('../../../protocols/celgosivir-nr-phase2.yaml', import.meta.url), 'utf8'),
    'celgosivir-nr-phase2.yaml',
  );

/** The fixture's CSV text of a domain. */
export const fixtureText = (domain: SdtmDomain): string =>
  readFileSync(new URL(fileOf(domain), FIXTURE), 'utf8');

/** A dataset from CSV text (one record a line: the fixtures have no quoted line breaks). */
export function dataset(domain: SdtmDomain, text: string): SdtmDataset {
  const records: string[][] = parse(text, { relax_column_count: true, skip_empty_lines: false });
  const [header, ...rest] = records;
  return {
    domain,
    file: fileOf(domain),
    header: header ?? null,
    records: rest.map((fields, i) => ({ line: i + 2, fields })),
  };
}

/** The fixture's datasets, with `edit` applied to the CSV text of the domains it names. */
export function fixtureDatasets(
  edit: Partial<Record<SdtmDomain, (text: string) => string>> = {},
): SdtmDatasets {
  const out: Partial<Record<SdtmDomain, SdtmDataset>> = {};
  for (const d of SDTM_DOMAINS) {
    let text: string;
    try {
      text = fixtureText(d);
    } catch {
      continue;
    }
    out[d] = dataset(d, edit[d]?.(text) ?? text);
  }
  return out;
}

/** Replaces the first occurrence of `from` in line `line` (1-based) of a CSV text. */
export function editLine(text: string, line: number, from: string, to: string): string {
  const lines = text.split('\n');
  const l = lines[line - 1];
  if (l === undefined || !l.includes(from)) throw new Error(`line ${line} has no "${from}": ${l}`);
  lines[line - 1] = l.replace(from, to);
  return lines.join('\n');
}

export const TODAY = '2026-01-01';
