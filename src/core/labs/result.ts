import { validationError } from '../errors.js';

/**
 * A measure's result as reported: a quantified value (in the measure's unit), a detectable value below
 * the assay's lower limit of quantification, or target not detected.
 */
export type MeasureResult =
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'below_lloq'; readonly lloq: number }
  | { readonly kind: 'not_detected'; readonly lloq: number | null };

/**
 * A result with where and when it was taken, as reported: what every way of entering one shares (the
 * casebook, the central-lab file, SDTM LB).
 */
export interface ReportedResult {
  readonly visit: string;
  readonly measure: string;
  /** The sample date, YYYY-MM-DD. */
  readonly collectedOn: string;
  readonly result: MeasureResult;
  /** The result and unit as written at the source. */
  readonly reported: string;
  readonly unit: string;
  readonly assay: string | null;
}

export interface ParseResultOptions {
  /** The unit the value is reported in. */
  readonly unit: string;
  /** The measure's unit; IU/mL also accepts values reported in log10 IU/mL. */
  readonly measureUnit: string;
  /** The assay's LLOQ in the measure's unit, when known. */
  readonly lloq?: number | undefined;
  /** The name of the field, for messages. */
  readonly field?: string;
}

const NUMBER = /^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?([eE][+-]?\d+)?$/;

const normalUnit = (u: string): string => u.trim().toLowerCase().replace(/\s+/g, ' ');

function parseNumber(text: string, field: string): number {
  const t = text.trim();
  if (!NUMBER.test(t))
    throw validationError(`${field} must be a number, not "${text}"`, [
      { path: field, message: 'must be a number' },
    ]);
  return Number(t.replace(/,/g, ''));
}

/**
 * Reads a result as sites and labs write it: a number, `2.4E6`, `2,400,000`, `<15` or `< 15` (below
 * that LLOQ), `<LLOQ` (with `lloq` given), `TND` or `target not detected`. Checks the unit and that a
 * quantified value is not below the LLOQ; plausibility is left to the protocol's edit checks. Throws a
 * validation error naming the field and the reason.
 */
export function parseResult(raw: string | number, options: ParseResultOptions): MeasureResult {
  const field = options.field ?? 'result';
  const unit = normalUnit(options.unit);
  const measureUnit = normalUnit(options.measureUnit);
  const log10 = measureUnit === 'iu/ml' && unit === 'log10 iu/ml';
  if (unit !== measureUnit && !log10)
    throw validationError(`Unit "${options.unit}" is not the unit of this measure (${options.measureUnit})`, [
      {
        path: 'unit',
        message: measureUnit === 'iu/ml' ? 'must be IU/mL or log10 IU/mL' : `must be ${options.measureUnit}`,
      },
    ]);
  const { lloq } = options;
  if (lloq !== undefined && !(Number.isFinite(lloq) && lloq > 0))
    throw validationError('The LLOQ must be a positive number', [
      { path: 'lloq', message: 'must be above 0' },
    ]);
  const scale = (n: number): number => (log10 ? 10 ** n : n);

  if (typeof raw === 'number') {
    if (!Number.isFinite(raw))
      throw validationError(`${field} must be a finite number`, [
        { path: field, message: 'must be a number' },
      ]);
    return quantified(scale(raw), raw, lloq, field);
  }
  const text = raw.trim();
  if (/^(tnd|target not detected|not detected)$/i.test(text))
    return { kind: 'not_detected', lloq: lloq ?? null };
  const below = /^<\s*(.+)$/.exec(text);
  if (below) {
    const limitText = (below[1] ?? '').trim();
    if (/^lloq$/i.test(limitText)) {
      if (lloq === undefined)
        throw validationError(`${field} is "<LLOQ" but the assay's LLOQ is not given`, [
          { path: 'lloq', message: 'is required for "<LLOQ"' },
        ]);
      return { kind: 'below_lloq', lloq };
    }
    const limit = scale(parseNumber(limitText, field));
    if (!(limit > 0))
      throw validationError(`${field}: the limit of "${raw}" must be above 0`, [
        { path: field, message: 'limit must be above 0' },
      ]);
    return { kind: 'below_lloq', lloq: limit };
  }
  return quantified(scale(parseNumber(text, field)), text, lloq, field);
}

function quantified(
  value: number,
  raw: string | number,
  lloq: number | undefined,
  field: string,
): MeasureResult {
  // Zero or a negative value is not "below the LLOQ" but implausible: the plausibility checks say so.
  if (lloq !== undefined && value > 0 && value < lloq)
    throw validationError(`${field} ${raw} is below the assay's LLOQ of ${lloq}: report it as "<${lloq}"`, [
      { path: field, message: `below the LLOQ (${lloq}): report as "<${lloq}"` },
    ]);
  return { kind: 'value', value };
}

/** The text a result is shown as: the number, `<LLOQ` as `<15`, or `TND`. */
export function formatResult(result: MeasureResult): string {
  if (result.kind === 'value') return String(result.value);
  if (result.kind === 'below_lloq') return `<${result.lloq}`;
  return 'TND';
}
