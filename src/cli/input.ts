import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import { unsafeInputIssues } from '../core/input/unsafe-input.js';
import { usageError, type CliIo } from './io.js';

/**
 * Parses a command's input with the service's own schema, so the CLI accepts exactly what the API does.
 * Field errors name the option they came from (`labels`: field → option), e.g. `--count: must be at least 1`.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  labels: Readonly<Record<string, string>> = {},
): z.output<S> {
  const unsafe = unsafeInputIssues(input, '');
  if (unsafe.length > 0) throw usageError(unsafe.map((i) => `${i.path || 'input'}: ${i.message}`).join('; '));
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw usageError(parsed.error.issues.map((i) => `${labelOf(i.path, labels)}: ${i.message}`).join('; '));
}

function labelOf(path: readonly PropertyKey[], labels: Readonly<Record<string, string>>): string {
  const [head, ...rest] = path.map((p) => (typeof p === 'number' ? `#${p + 1}` : String(p)));
  if (head === undefined) return 'input';
  return [labels[head] ?? head, ...rest].join(' ');
}

/** Commander parser of a whole number option (`--count 10`). */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Write a whole number, e.g. 10.');
  return Number(value);
}

/** Commander parser of a repeatable `KEY=VALUE` option, collected into one record. */
export const keyValue =
  (example: string) =>
  (value: string, previous: Readonly<Record<string, string>> = {}): Record<string, string> => {
    const m = /^([^=\s]+)=(\S+)$/.exec(value);
    if (!m?.[1] || !m[2]) throw new InvalidArgumentError(`Write KEY=VALUE, e.g. ${example}.`);
    if (Object.hasOwn(previous, m[1])) throw new InvalidArgumentError(`${m[1]} is given twice.`);
    return { ...previous, [m[1]]: m[2] };
  };

/** Commander parser of `DRUG=N[,DRUG=N...]`. */
export function drugCounts(value: string): { drug: string; count: number }[] {
  const lines = value.split(',').map((part) => /^([^=\s]+)=(\d+)$/.exec(part.trim()));
  if (lines.some((m) => !m))
    throw new InvalidArgumentError('Write DRUG=N[,DRUG=N...], e.g. CELGOSIVIR=10,RBV=10.');
  const kits = lines.map((m) => ({ drug: m?.[1] ?? '', count: Number(m?.[2]) }));
  const drugs = kits.map((k) => k.drug);
  const twice = drugs.find((d, i) => drugs.indexOf(d) !== i);
  if (twice) throw new InvalidArgumentError(`${twice} is given twice.`);
  return kits;
}

/** Commander parser of a comma-separated list (`--damaged 1234567,7654321`). */
export const commaList = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Reads a JSON file given on the command line, relative to the working directory. */
export async function readJsonFile(io: CliIo, file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    throw usageError(`Cannot read the ${what} file ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw usageError(`The ${what} file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}
