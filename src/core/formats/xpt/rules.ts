import { FormatError } from '../errors.js';
import type { XptDataset, XptVariable } from './types.js';

/** The limits of SAS transport v5. */
export const XPT_LIMITS = {
  nameLength: 8,
  labelBytes: 40,
  charBytes: 200,
  variables: 9999,
} as const;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const encoder = new TextEncoder();

/** Bytes of a string in UTF-8, the encoding trialdesk writes. */
export const byteLength = (s: string): number => encoder.encode(s).length;

/** A variable with its length and its place in the observation resolved. */
export interface PlacedVariable extends XptVariable {
  readonly length: number;
  /** Byte offset of the value within an observation. */
  readonly position: number;
}

/** A dataset whose metadata passed the transport rules: its variables placed, its observation length. */
export interface CheckedDataset {
  readonly dataset: XptDataset;
  readonly variables: readonly PlacedVariable[];
  readonly rowLength: number;
}

function checkName(kind: 'dataset' | 'variable', name: string, at: { dataset?: string; variable?: string }) {
  const fail = (rule: string, reason: string): never => {
    throw new FormatError({ format: 'xpt', rule, ...at }, reason);
  };
  if (name.length === 0) fail(`${kind}-name`, `the ${kind} name is empty`);
  if (name.length > XPT_LIMITS.nameLength)
    fail(
      `${kind}-name-length`,
      `the ${kind} name "${name}" has ${name.length} characters; SAS transport v5 allows 8`,
    );
  if (!NAME.test(name))
    fail(
      `${kind}-name-characters`,
      `the ${kind} name "${name}" must start with a letter or underscore and hold only letters, digits and underscores`,
    );
}

function checkText(rule: string, what: string, text: string | undefined, max: number, at: object): void {
  if (text === undefined) return;
  const n = byteLength(text);
  if (n > max)
    throw new FormatError(
      { format: 'xpt', rule, ...at },
      `the ${what} "${text}" has ${n} bytes; at most ${max} are allowed`,
    );
}

function lengthOf(v: XptVariable, at: { dataset: string; variable: string }): number {
  const length = v.length ?? (v.type === 'num' ? 8 : undefined);
  if (length === undefined)
    throw new FormatError(
      { format: 'xpt', rule: 'char-length', ...at },
      'a character variable needs a length (1–200 bytes)',
    );
  if (!Number.isInteger(length))
    throw new FormatError(
      { format: 'xpt', rule: 'length', ...at },
      `the length ${length} is not a whole number of bytes`,
    );
  if (v.type === 'char' && (length < 1 || length > XPT_LIMITS.charBytes))
    throw new FormatError(
      { format: 'xpt', rule: 'char-length', ...at },
      `the length ${length} is outside 1–200 bytes, the range of character variables in SAS transport v5`,
    );
  if (v.type === 'num' && (length < 2 || length > 8))
    throw new FormatError(
      { format: 'xpt', rule: 'num-length', ...at },
      `the length ${length} is outside 2–8 bytes, the range of numeric variables`,
    );
  return length;
}

function checkFormat(which: 'format' | 'informat', v: XptVariable, at: object): void {
  const f = v[which];
  if (f === undefined) return;
  if (f.name.length > 8 || !/^\$?[A-Za-z_][A-Za-z0-9_]*$|^\$?$/.test(f.name))
    throw new FormatError(
      { format: 'xpt', rule: `${which}-name`, ...at },
      `the ${which} name "${f.name}" is not a SAS ${which} name of at most 8 characters`,
    );
  for (const [key, value] of [
    ['width', f.width],
    ['decimals', f.decimals],
  ] as const)
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 32767))
      throw new FormatError(
        { format: 'xpt', rule: `${which}-${key}`, ...at },
        `the ${which} ${key} ${value} is not a whole number in 0–32767`,
      );
}

/**
 * Checks a dataset's metadata against the rules of SAS transport v5 (names ≤ 8 characters, labels ≤
 * 40 bytes, character lengths 1–200, unique names) and places its variables in the observation.
 * Throws a FormatError naming the dataset, the variable and the rule.
 */
export function checkDataset(dataset: XptDataset): CheckedDataset {
  checkName('dataset', dataset.name, { dataset: dataset.name });
  const at = { dataset: dataset.name };
  checkText('dataset-label-length', 'dataset label', dataset.label, XPT_LIMITS.labelBytes, at);
  checkText('dataset-type-length', 'dataset type', dataset.type, 8, at);
  if (dataset.variables.length === 0)
    throw new FormatError(
      { format: 'xpt', rule: 'variables', ...at },
      'a dataset needs at least one variable',
    );
  if (dataset.variables.length > XPT_LIMITS.variables)
    throw new FormatError(
      { format: 'xpt', rule: 'variables', ...at },
      `${dataset.variables.length} variables; SAS transport v5 allows ${XPT_LIMITS.variables}`,
    );
  const seen = new Set<string>();
  let position = 0;
  const variables = dataset.variables.map((v): PlacedVariable => {
    const vat = { dataset: dataset.name, variable: v.name };
    checkName('variable', v.name, vat);
    // SAS names are case-insensitive: AGE and age are the same variable.
    const key = v.name.toUpperCase();
    if (seen.has(key))
      throw new FormatError(
        { format: 'xpt', rule: 'variable-name-unique', ...vat },
        'the name appears twice in the dataset',
      );
    seen.add(key);
    checkText('variable-label-length', 'label', v.label, XPT_LIMITS.labelBytes, vat);
    checkFormat('format', v, vat);
    checkFormat('informat', v, vat);
    const length = lengthOf(v, vat);
    const placed = { ...v, length, position };
    position += length;
    return placed;
  });
  return { dataset, variables, rowLength: position };
}
