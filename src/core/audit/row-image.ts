import { canonicalJson } from './canonical-json.js';

/**
 * The clinical tables whose rows the audit trail describes column by column, so that `audit verify`
 * can prove each row is what its latest audit entries say it is.
 */
export const CLINICAL_TABLES = [
  'subjects',
  'allocations',
  'kits',
  'shipments',
  'subject_visits',
  'results',
  'adverse_events',
  'dispositions',
  'forms',
  'signatures',
  'queries',
  'query_messages',
] as const;
export type ClinicalTable = (typeof CLINICAL_TABLES)[number];

interface TableSpec {
  /** The columns an image records: every column that carries meaning (not the key itself). */
  readonly columns: readonly string[];
  /** Columns that reveal a masked allocation: only blind-sensitive entries may carry them. */
  readonly masked: readonly string[];
}

const entered = ['created_at', 'created_by', 'updated_at', 'updated_by'] as const;
const captured = ['study_id', 'subject_id', 'site_id'] as const;

// Listed, not derived from the row: a column a later migration adds is not silently left unaudited;
// it is added here together with the write paths that record it.
export const TABLE_SPECS: Readonly<Record<ClinicalTable, TableSpec>> = {
  subjects: {
    columns: [
      'study_id',
      'site_id',
      'screening_number',
      'status',
      'protocol_version',
      'answers',
      'eligibility',
      'levels',
      'consented_on',
      'created_at',
      'created_by',
    ],
    masked: [],
  },
  allocations: {
    columns: [
      ...captured,
      'randomization_number',
      'sequence_number',
      'stratum_key',
      'slot_index',
      'arm_code',
      'method',
      'request_id',
      'protocol_version',
      'allocated_at',
      'allocated_by',
    ],
    masked: ['arm_code'],
  },
  kits: {
    columns: [
      'study_id',
      'kit_number',
      'drug_code',
      'content',
      'lot',
      'expires_on',
      'status',
      'site_id',
      'shipment_id',
      'subject_id',
      'visit_code',
      'dispensed_at',
      'created_at',
    ],
    masked: ['content'],
  },
  shipments: {
    columns: ['study_id', 'site_id', 'status', 'shipped_at', 'shipped_by', 'received_at', 'received_by'],
    masked: [],
  },
  subject_visits: { columns: [...captured, 'visit_code', 'visit_date', ...entered], masked: [] },
  results: {
    columns: [
      ...captured,
      'visit_code',
      'measure_code',
      'collected_on',
      'kind',
      'value',
      'lloq',
      'reported',
      'reported_unit',
      'assay',
      'source',
      'lab_import_id',
      ...entered,
    ],
    masked: [],
  },
  adverse_events: {
    columns: [
      ...captured,
      'ae_number',
      'verbatim_term',
      'coded_term',
      'body_system',
      'grade',
      'serious',
      'relatedness',
      'onset_date',
      'end_date',
      'outcome',
      'action_taken',
      ...entered,
    ],
    masked: [],
  },
  dispositions: {
    columns: [
      ...captured,
      'phase_code',
      'status',
      'disposition_date',
      'reason',
      'related_drug',
      'detail',
      ...entered,
    ],
    masked: [],
  },
  forms: { columns: [...captured, 'form_key', 'changed_at', 'sdv_at', 'sdv_by'], masked: [] },
  signatures: {
    columns: [
      ...captured,
      'signed_by',
      'signer_name',
      'meaning',
      'statement',
      'signed_at',
      'invalidated_at',
      'invalidated_reason',
    ],
    masked: [],
  },
  queries: {
    columns: [
      ...captured,
      'form_key',
      'field',
      'origin',
      'check_code',
      'status',
      'text',
      'created_at',
      'created_by',
      'updated_at',
    ],
    masked: [],
  },
  query_messages: {
    columns: ['query_id', 'kind', 'text', 'author_id', 'author_name', 'author_role', 'at'],
    masked: [],
  },
};

/** A row as one audit entry records it: table, key and the values of its columns after the write. */
export interface RowImage {
  readonly t: ClinicalTable;
  readonly k: string;
  readonly v: Readonly<Record<string, unknown>>;
}

type Row = Readonly<Record<string, unknown>>;

/** The key an image names a row by: its id, or subject/form for a form (as its audit entries do). */
export function rowKey(table: ClinicalTable, row: Row): string {
  if (table === 'forms') return `${String(row.subject_id)}/${String(row.form_key)}`;
  return String(row.id);
}

/** A column value as JSON keeps it: instants as ISO 8601 strings, absent as null. */
export function imageValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object') return JSON.parse(JSON.stringify(v)) as unknown;
  return v;
}

/**
 * The image of a row as a database driver returns it. Masked columns are left out unless
 * `withMasked` (the entry carrying it must then be blind-sensitive); an image without them leaves the
 * masked values to the entry that recorded them last.
 */
export function rowImage(table: ClinicalTable, row: Row, options: { withMasked?: boolean } = {}): RowImage {
  const spec = TABLE_SPECS[table];
  const v: Record<string, unknown> = {};
  for (const c of spec.columns) {
    if (!options.withMasked && spec.masked.includes(c)) continue;
    v[c] = imageValue(row[c]);
  }
  return { t: table, k: rowKey(table, row), v };
}

/** The images of many rows of one table. */
export const rowImages = (
  table: ClinicalTable,
  rows: readonly Row[],
  options: { withMasked?: boolean } = {},
): RowImage[] => rows.map((r) => rowImage(table, r, options));

/** A column's value as the audit trail last recorded it, and the entry that did. */
export interface AuditedValue {
  readonly value: unknown;
  readonly seq: number | null;
}

export type RowFinding =
  | {
      readonly kind: 'value_differs';
      readonly table: ClinicalTable;
      readonly key: string;
      readonly column: string;
      readonly rowValue: unknown;
      readonly auditedValue: unknown;
      /** The entry that recorded the audited value. */
      readonly seq: number | null;
      readonly masked: boolean;
    }
  | {
      readonly kind: 'column_not_audited';
      readonly table: ClinicalTable;
      readonly key: string;
      readonly column: string;
      readonly rowValue: unknown;
      readonly masked: boolean;
    }
  | { readonly kind: 'not_audited'; readonly table: ClinicalTable; readonly key: string }
  | {
      readonly kind: 'row_missing';
      readonly table: ClinicalTable;
      readonly key: string;
      readonly seq: number | null;
    };

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/**
 * Compares a row with what the audit trail says of it (per column, the latest entry recording that
 * column). Either side may be missing: a row the trail never mentions, or a trail row that is gone.
 */
export function compareRow(
  table: ClinicalTable,
  key: string,
  row: Row | null,
  audited: Readonly<Record<string, AuditedValue>> | null,
): RowFinding[] {
  if (!row) {
    if (!audited) return [];
    const seq = Math.max(...Object.values(audited).map((a) => a.seq ?? 0));
    return [{ kind: 'row_missing', table, key, seq: seq > 0 ? seq : null }];
  }
  if (!audited) return [{ kind: 'not_audited', table, key }];
  const spec = TABLE_SPECS[table];
  const findings: RowFinding[] = [];
  for (const column of spec.columns) {
    const rowValue = imageValue(row[column]);
    const masked = spec.masked.includes(column);
    const a = audited[column];
    if (!a) findings.push({ kind: 'column_not_audited', table, key, column, rowValue, masked });
    else if (!same(rowValue, a.value))
      findings.push({
        kind: 'value_differs',
        table,
        key,
        column,
        rowValue,
        auditedValue: a.value,
        seq: a.seq,
        masked,
      });
  }
  return findings;
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v));

/** A sentence naming the row, the column and both values. */
export function describeRowFinding(f: RowFinding): string {
  switch (f.kind) {
    case 'value_differs':
      return `${f.table} ${f.key}: ${f.column} is ${show(f.rowValue)} in the row but ${show(f.auditedValue)} in the audit trail${f.seq ? ` (entry #${f.seq})` : ''}`;
    case 'column_not_audited':
      return `${f.table} ${f.key}: ${f.column} is ${show(f.rowValue)} in the row but no audit entry records it`;
    case 'not_audited':
      return `${f.table} ${f.key}: the row has no audit entry (written outside the application)`;
    case 'row_missing':
      return `${f.table} ${f.key}: the audit trail records this row${f.seq ? ` (entry #${f.seq})` : ''} but it is gone`;
  }
}
