/** The physical types of Dataset-JSON 1.1 columns. */
export const DATA_TYPES = [
  'string',
  'integer',
  'decimal',
  'float',
  'double',
  'boolean',
  'datetime',
  'date',
  'time',
  'URI',
] as const;
export type DataType = (typeof DATA_TYPES)[number];

/** The types a date, datetime or time column is stored as in SAS (`integer`) or as a decimal. */
export const TARGET_DATA_TYPES = ['integer', 'decimal'] as const;
export type TargetDataType = (typeof TARGET_DATA_TYPES)[number];

/** A column of a dataset (Define-XML's ItemDef, as Dataset-JSON carries it). */
export interface Column {
  readonly itemOID: string;
  readonly name: string;
  readonly label: string;
  readonly dataType: DataType;
  readonly targetDataType?: TargetDataType;
  readonly length?: number;
  readonly displayFormat?: string;
  readonly keySequence?: number;
}

export interface SourceSystem {
  readonly name: string;
  readonly version: string;
}

/** A dataset's metadata: every top-level member of a Dataset-JSON file but its rows. */
export interface DatasetJsonMetadata {
  readonly datasetJSONCreationDateTime: string;
  readonly datasetJSONVersion: string;
  readonly fileOID?: string;
  readonly dbLastModifiedDateTime?: string;
  readonly originator?: string;
  readonly sourceSystem?: SourceSystem;
  readonly studyOID?: string;
  readonly metaDataVersionOID?: string;
  readonly metaDataRef?: string;
  readonly itemGroupOID: string;
  /** The number of rows: written before them, so a streamed writer is told it and checks it. */
  readonly records: number;
  readonly name: string;
  readonly label: string;
  readonly columns: readonly Column[];
}

/** A cell: null is missing (as is '' for the text types). */
export type Cell = string | number | boolean | null;
export type DatasetJsonRow = readonly Cell[];

/** The version this writer writes. */
export const DATASET_JSON_VERSION = '1.1.0';

/** The members of the metadata in the order the CDISC examples write them. */
export const METADATA_ORDER = [
  'datasetJSONCreationDateTime',
  'datasetJSONVersion',
  'fileOID',
  'dbLastModifiedDateTime',
  'originator',
  'sourceSystem',
  'studyOID',
  'metaDataVersionOID',
  'metaDataRef',
  'itemGroupOID',
  'records',
  'name',
  'label',
  'columns',
] as const satisfies readonly (keyof DatasetJsonMetadata)[];

export const COLUMN_ORDER = [
  'itemOID',
  'name',
  'label',
  'dataType',
  'targetDataType',
  'length',
  'displayFormat',
  'keySequence',
] as const satisfies readonly (keyof Column)[];
