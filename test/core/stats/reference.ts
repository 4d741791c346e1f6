// Loads the reference values computed by R (reference.R → reference-values.json) and compares
// numbers with them. Tests read the file here: src/core must not import node:fs.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

type Num = number | null; // R's NA / NaN (an undefined result) is written as null

export interface DescriptiveCase {
  readonly name: string;
  readonly values: number[];
  readonly level: number;
  readonly n: number;
  readonly mean: Num;
  readonly sd: Num;
  readonly lower: Num;
  readonly upper: Num;
}
export interface ProportionCase {
  readonly x: number;
  readonly n: number;
  readonly level: number;
  readonly estimate: Num;
  readonly lower: Num;
  readonly upper: Num;
}
export interface NewcombeCase {
  readonly x1: number;
  readonly n1: number;
  readonly x2: number;
  readonly n2: number;
  readonly level: number;
  readonly estimate: Num;
  readonly lower: Num;
  readonly upper: Num;
}
export interface FisherCase {
  readonly table: [[number, number], [number, number]];
  readonly alternative: 'two.sided' | 'less' | 'greater';
  readonly pValue: number;
}
export interface WelchCase {
  readonly name: string;
  readonly x: number[];
  readonly y: number[];
  readonly level: number;
  readonly estimate: Num;
  readonly df: Num;
  readonly t: Num;
  readonly pValue: Num;
  readonly lower: Num;
  readonly upper: Num;
}
export interface WilcoxonCase {
  readonly name: string;
  readonly x: number[];
  readonly y: number[];
  readonly exact: boolean | null; // null: R's default (exact = NULL)
  readonly method: string | null;
  readonly W: Num;
  readonly pValue: Num;
}
export interface NormalCase {
  readonly x: number;
  readonly lower: number;
  readonly upper: number;
}
export interface ReferenceValues {
  readonly generatedBy: string;
  readonly descriptive: DescriptiveCase[];
  readonly clopperPearson: ProportionCase[];
  readonly wilson: ProportionCase[];
  readonly newcombe: NewcombeCase[];
  readonly fisher: FisherCase[];
  readonly welch: WelchCase[];
  readonly wilcoxon: WilcoxonCase[];
  readonly normalCdf: NormalCase[];
}

export const reference = JSON.parse(
  readFileSync(new URL('./reference-values.json', import.meta.url), 'utf8'),
) as ReferenceValues;

/**
 * Default tolerance, relative: every value compared here is computed by R to near machine precision
 * (exact tests, closed-form intervals, pt/qt/qbeta/pnorm), so 1e-6 leaves room only for our own
 * special-function implementations (stdlib's t and beta, gammaln) and summation order.
 */
export const TOLERANCE = 1e-6;

/** Absolute slack for values that are (near) 0, where a relative tolerance means nothing. */
const ABSOLUTE_FLOOR = 1e-12;

/** Expects `actual` within `tolerance` (relative) of `expected`; a null expectation needs a null. */
export function expectClose(
  actual: number | null,
  expected: number | null,
  label: string,
  tolerance = TOLERANCE,
): void {
  if (expected === null) {
    expect(actual, `${label}: expected null`).toBeNull();
    return;
  }
  expect(actual, `${label}: expected ${expected}`).not.toBeNull();
  const difference = Math.abs((actual ?? Number.NaN) - expected);
  expect(
    difference <= tolerance * Math.abs(expected) + ABSOLUTE_FLOOR,
    `${label}: got ${actual}, R gives ${expected}`,
  ).toBe(true);
}
