/** The special missing values of SAS besides `.`: `.A`–`.Z` and `._`. */
export type SasMissingCode =
  | 'A'
  | 'B'
  | 'C'
  | 'D'
  | 'E'
  | 'F'
  | 'G'
  | 'H'
  | 'I'
  | 'J'
  | 'K'
  | 'L'
  | 'M'
  | 'N'
  | 'O'
  | 'P'
  | 'Q'
  | 'R'
  | 'S'
  | 'T'
  | 'U'
  | 'V'
  | 'W'
  | 'X'
  | 'Y'
  | 'Z'
  | '_';

/** A special missing numeric value (`.A`–`.Z`, `._`); the ordinary missing value `.` is `null`. */
export interface SasMissing {
  readonly sasMissing: SasMissingCode;
}

const CODES = new Set<string>([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ_']);

/** The special missing value `.code` (e.g. `sasMissing('A')` for `.A`). */
export const sasMissing = (code: SasMissingCode): SasMissing => ({ sasMissing: code });

export const isSasMissingCode = (c: string): c is SasMissingCode => c.length === 1 && CODES.has(c);

export const isSasMissing = (v: unknown): v is SasMissing =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { sasMissing?: unknown }).sasMissing === 'string' &&
  isSasMissingCode((v as SasMissing).sasMissing);

/** A numeric value: a number, `null` for `.`, or a special missing value. */
export type XptNumber = number | null | SasMissing;
/** A value of a row: a string for a character variable (missing is ''), an XptNumber for a numeric one. */
export type XptValue = string | XptNumber;
/** A row: one value per variable, in the dataset's variable order. */
export type XptRow = readonly XptValue[];

/** A SAS format or informat reference: name, width and decimals (e.g. DATE9. is `{ name: 'DATE', width: 9 }`). */
export interface SasFormat {
  readonly name: string;
  readonly width?: number;
  readonly decimals?: number;
}

/** One variable of a dataset, as the transport file describes it. */
export interface XptVariable {
  /** 1–8 characters: a letter or underscore, then letters, digits, underscores. */
  readonly name: string;
  readonly type: 'char' | 'num';
  /** Bytes: 1–200 for character variables, 2–8 for numeric ones (default 8). */
  readonly length?: number;
  /** At most 40 bytes. */
  readonly label?: string;
  readonly format?: SasFormat;
  /** 0 left, 1 right; SAS's own default is 0. */
  readonly justify?: 0 | 1;
  readonly informat?: SasFormat;
}

/** A dataset (a member of the transport library) without its rows. */
export interface XptDataset {
  /** 1–8 characters, as for variable names. */
  readonly name: string;
  /** At most 40 bytes. */
  readonly label?: string;
  /** The dataset type (at most 8 bytes), usually blank. */
  readonly type?: string;
  readonly variables: readonly XptVariable[];
}

/** The header stamps of a file: creation and modification times, SAS version and operating system. */
export interface XptStamps {
  readonly created: Date;
  readonly modified?: Date;
  /** At most 8 bytes; what SAS writes as its release (default `9.4`). */
  readonly sasVersion?: string;
  /** At most 8 bytes; the operating system named in the headers (default `trialdsk`). */
  readonly os?: string;
}
