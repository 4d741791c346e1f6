import { validationError } from '../errors.js';
import { parseResult } from './result.js';

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

/**
 * Reads an HCV RNA result as labs write it (see `parseResult`): `unit` is `IU/mL` or `log10 IU/mL`, and
 * a quantified value must be plausible (above 0, at most 1e9 IU/mL). Throws a validation error naming
 * `field` and the reason.
 */
export function parseHcvRna(raw: string, unit: string, lloq?: number, field = 'result'): HcvRnaResult {
  const result = parseResult(raw, { unit, measureUnit: 'IU/mL', lloq, field });
  if (result.kind !== 'value') return result;
  if (!(result.value > 0) || result.value > HCV_RNA_MAX)
    throw validationError(
      `${field} ${raw} ${unit} is implausible: HCV RNA must be above 0 and at most 1e9 IU/mL`,
      [{ path: field, message: 'must be above 0 and at most 1e9 IU/mL' }],
    );
  return { kind: 'value', iuPerMl: result.value };
}

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
