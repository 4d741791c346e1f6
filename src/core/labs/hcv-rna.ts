import { validationError } from '../errors.js';

/**
 * An HCV RNA result as the assay reports it: a quantified value in IU/mL, a detectable value below
 * the assay's lower limit of quantification, or target not detected.
 */
export type HcvRnaResult =
  | { readonly kind: 'value'; readonly iuPerMl: number }
  | { readonly kind: 'below_lloq'; readonly lloq: number }
  | { readonly kind: 'not_detected'; readonly lloq: number | null };

/** Hard plausibility limits of the edit checks (DESIGN: above 0 and at most 1e9 IU/mL). */
export const HCV_RNA_MAX = 1e9;

const NUMBER = /^[+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?([eE][+]?\d+)?$/;

function parseNumber(text: string, field: string): number {
  const t = text.trim();
  if (!NUMBER.test(t))
    throw validationError(`${field} must be a number, not "${text}"`, [
      { path: field, message: 'must be a number' },
    ]);
  return Number(t.replace(/,/g, ''));
}

/**
 * Reads a result as labs write it: `2400000`, `2.4E6`, `2,400,000`, `<15` or `< 15` (below that LLOQ),
 * `<LLOQ` (with `lloq` given), `TND` or `target not detected`. `unit` is `IU/mL` or `log10 IU/mL`.
 * Throws a validation error naming `field` and the reason.
 */
export function parseHcvRna(raw: string, unit: string, lloq?: number, field = 'result'): HcvRnaResult {
  const text = raw.trim();
  const u = unit.trim().toLowerCase().replace(/\s+/g, ' ');
  if (u !== 'iu/ml' && u !== 'log10 iu/ml')
    throw validationError(`Unit "${unit}" is not an HCV RNA unit`, [
      { path: 'unit', message: 'must be IU/mL or log10 IU/mL' },
    ]);
  if (lloq !== undefined && !(lloq > 0))
    throw validationError('The LLOQ must be a positive number', [
      { path: 'lloq', message: 'must be above 0' },
    ]);
  if (/^(tnd|target not detected|not detected)$/i.test(text))
    return { kind: 'not_detected', lloq: lloq ?? null };
  const below = /^<\s*(.+)$/.exec(text);
  if (below) {
    const limitText = below[1] ?? '';
    if (/^lloq$/i.test(limitText.trim())) {
      if (lloq === undefined)
        throw validationError(`${field} is "<LLOQ" but the assay's LLOQ is not given`, [
          { path: 'lloq', message: 'is required for "<LLOQ"' },
        ]);
      return { kind: 'below_lloq', lloq };
    }
    const limit = toIuPerMl(parseNumber(limitText, field), u);
    if (!(limit > 0))
      throw validationError(`${field}: the limit of "${raw}" must be above 0`, [
        { path: field, message: 'limit must be above 0' },
      ]);
    return { kind: 'below_lloq', lloq: limit };
  }
  const value = toIuPerMl(parseNumber(text, field), u);
  if (!(value > 0) || value > HCV_RNA_MAX)
    throw validationError(
      `${field} ${raw} ${unit} is implausible: HCV RNA must be above 0 and at most 1e9 IU/mL`,
      [{ path: field, message: 'must be above 0 and at most 1e9 IU/mL' }],
    );
  if (lloq !== undefined && value < lloq)
    throw validationError(
      `${field} ${raw} IU/mL is below the assay's LLOQ of ${lloq}: report it as "<${lloq}"`,
      [{ path: field, message: `below the LLOQ (${lloq}): report as "<${lloq}"` }],
    );
  return { kind: 'value', iuPerMl: value };
}

const toIuPerMl = (n: number, unit: string): number => (unit === 'log10 iu/ml' ? 10 ** n : n);

/** How results below the LLOQ (and target not detected) enter the analysis: the protocol's rule. */
export type BelowLloqRule = 'lloq' | 'half-lloq';

export interface AnalysisValue {
  /** The value analysed, in IU/mL, or null when it cannot be (TND from an assay with no LLOQ given). */
  readonly iuPerMl: number | null;
  /** True when the value was imputed from the LLOQ, so outputs can flag it. */
  readonly imputed: boolean;
}

/** The value a result contributes to the analysis under the protocol's below-LLOQ rule. */
export function analysisValue(result: HcvRnaResult, rule: BelowLloqRule): AnalysisValue {
  if (result.kind === 'value') return { iuPerMl: result.iuPerMl, imputed: false };
  if (result.lloq === null) return { iuPerMl: null, imputed: true };
  return { iuPerMl: rule === 'lloq' ? result.lloq : result.lloq / 2, imputed: true };
}

/** log10(baseline) − log10(value): the reduction in log10 IU/mL (positive when the virus falls). */
export function log10Reduction(baselineIuPerMl: number, valueIuPerMl: number): number {
  if (!(baselineIuPerMl > 0) || !(valueIuPerMl > 0)) throw new RangeError('HCV RNA values must be above 0');
  return Math.log10(baselineIuPerMl) - Math.log10(valueIuPerMl);
}

/** Early virological response: a reduction of at least `threshold` log10 (2 in the reference study). */
export const isResponder = (reduction: number, threshold: number): boolean => reduction >= threshold - 1e-12;
