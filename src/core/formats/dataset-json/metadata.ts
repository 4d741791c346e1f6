import { FormatError } from '../errors.js';
import {
  COLUMN_ORDER,
  DATA_TYPES,
  METADATA_ORDER,
  TARGET_DATA_TYPES,
  type Column,
  type DatasetJsonMetadata,
} from './types.js';

// The patterns of the CDISC schema (dataset.schema.json), so that what we accept it accepts.
const DATETIME =
  /^([0-9]{4})(-((0[1-9])|(1[0-2])))(-((0[1-9])|([1-2][0-9])|(3[0-1])))T(([0-1][0-9])|(2[0-3])):([0-5][0-9])(:([0-5][0-9]))((\.[0-9]+))?((((\+|-)(([0-1][0-9])|(2[0-3])):[0-5][0-9])|(Z)))?$/;
const VERSION = /^1\.1(\.(0|([1-9][0-9]*)))?$/;

const STRINGS = ['fileOID', 'originator', 'studyOID', 'metaDataVersionOID', 'metaDataRef'] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a Dataset-JSON 1.1 file's metadata (every member but the rows) as the CDISC schema does,
 * plus what it leaves out: column names unique, key sequences unique. Gives it typed, with its
 * members in the examples' order; throws a FormatError naming the member and the rule.
 */
export function checkMetadata(value: unknown): DatasetJsonMetadata {
  if (!isObject(value)) throw problem('metadata', undefined, 'the metadata must be a JSON object');
  const name = typeof value.name === 'string' ? value.name : undefined;
  const fail = (rule: string, reason: string, variable?: string): never => {
    throw problem(rule, name, reason, variable);
  };
  const known = new Set<string>([...METADATA_ORDER, 'rows']);
  for (const key of Object.keys(value))
    if (!known.has(key)) fail('metadata-member', `"${key}" is not a member of Dataset-JSON 1.1`);
  for (const key of [
    'datasetJSONCreationDateTime',
    'datasetJSONVersion',
    'itemGroupOID',
    'records',
    'name',
    'label',
    'columns',
  ])
    if (value[key] === undefined) fail('metadata-required', `"${key}" is required`);
  for (const key of ['datasetJSONCreationDateTime', 'dbLastModifiedDateTime'] as const) {
    const v = value[key];
    if (v !== undefined && (typeof v !== 'string' || !DATETIME.test(v)))
      fail(
        'metadata-datetime',
        `"${key}" must be an ISO 8601 date and time (YYYY-MM-DDThh:mm:ss), not ${JSON.stringify(v)}`,
      );
  }
  if (typeof value.datasetJSONVersion !== 'string' || !VERSION.test(value.datasetJSONVersion))
    fail(
      'metadata-version',
      `"datasetJSONVersion" must be 1.1 or 1.1.x, not ${JSON.stringify(value.datasetJSONVersion)}`,
    );
  for (const key of ['itemGroupOID', 'name', 'label', ...STRINGS])
    if (value[key] !== undefined && typeof value[key] !== 'string')
      fail('metadata-type', `"${key}" must be a string`);
  const records = value.records;
  if (typeof records !== 'number' || !Number.isSafeInteger(records) || records < 0)
    fail('metadata-records', `"records" must be a whole number ≥ 0, not ${JSON.stringify(records)}`);
  const source = value.sourceSystem;
  if (source !== undefined) {
    if (
      !isObject(source) ||
      typeof source.name !== 'string' ||
      typeof source.version !== 'string' ||
      Object.keys(source).some((k) => k !== 'name' && k !== 'version')
    )
      fail(
        'metadata-source-system',
        '"sourceSystem" must be an object with the strings "name" and "version"',
      );
  }
  if (!Array.isArray(value.columns) || value.columns.length === 0)
    fail('metadata-columns', '"columns" must be a non-empty array');
  const columns = (value.columns as unknown[]).map((c, i) => checkColumn(c, i, fail));
  const names = new Set<string>();
  const keys = new Set<number>();
  for (const c of columns) {
    if (names.has(c.name.toUpperCase())) fail('column-name-unique', 'the column name appears twice', c.name);
    names.add(c.name.toUpperCase());
    if (c.keySequence !== undefined) {
      if (keys.has(c.keySequence))
        fail('column-key-sequence', `key sequence ${c.keySequence} is used twice`, c.name);
      keys.add(c.keySequence);
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of METADATA_ORDER)
    if (value[key] !== undefined) out[key] = key === 'columns' ? columns : value[key];
  return out as unknown as DatasetJsonMetadata;
}

function checkColumn(
  c: unknown,
  i: number,
  fail: (rule: string, reason: string, variable?: string) => never,
): Column {
  if (!isObject(c)) return fail('column', `column ${i + 1} must be an object`);
  const variable = typeof c.name === 'string' ? c.name : `#${i + 1}`;
  const known = new Set<string>(COLUMN_ORDER);
  for (const key of Object.keys(c))
    if (!known.has(key)) fail('column-member', `"${key}" is not a member of a column`, variable);
  for (const key of ['itemOID', 'name', 'label', 'dataType'])
    if (typeof c[key] !== 'string')
      fail('column-required', `"${key}" is required and must be a string`, variable);
  if (c.name === '') fail('column-name', 'the column name is empty', variable);
  if (!(DATA_TYPES as readonly unknown[]).includes(c.dataType))
    fail(
      'column-data-type',
      `dataType ${JSON.stringify(c.dataType)} is not one of ${DATA_TYPES.join(', ')}`,
      variable,
    );
  if (c.targetDataType !== undefined && !(TARGET_DATA_TYPES as readonly unknown[]).includes(c.targetDataType))
    fail(
      'column-target-data-type',
      `targetDataType ${JSON.stringify(c.targetDataType)} is not integer or decimal`,
      variable,
    );
  for (const key of ['length', 'keySequence'] as const) {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1))
      fail(
        `column-${key === 'length' ? 'length' : 'key-sequence'}`,
        `"${key}" must be a whole number ≥ 1, not ${JSON.stringify(v)}`,
        variable,
      );
  }
  if (c.displayFormat !== undefined && typeof c.displayFormat !== 'string')
    fail('column-display-format', '"displayFormat" must be a string', variable);
  const out: Record<string, unknown> = {};
  for (const key of COLUMN_ORDER) if (c[key] !== undefined) out[key] = c[key];
  return out as unknown as Column;
}

export function problem(
  rule: string,
  dataset: string | undefined,
  reason: string,
  variable?: string,
  row?: number,
): FormatError {
  return new FormatError(
    {
      format: 'dataset-json',
      rule,
      ...(dataset !== undefined ? { dataset } : {}),
      ...(variable !== undefined ? { variable } : {}),
      ...(row !== undefined ? { row } : {}),
    },
    reason,
  );
}
