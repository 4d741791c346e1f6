// Standard normal distribution function. Not in the declared dependencies, so it is computed here:
// Marsaglia's series (J. Stat. Softw. 11(4), 2004) near the centre, Laplace's continued fraction
// for the tails, where it also keeps full relative precision of tiny probabilities.

const INV_SQRT_2PI = 0.3989422804014327; // 1 / sqrt(2π), nearest double
const SERIES_LIMIT = 3; // |x| below this: series; above: continued fraction
const FRACTION_DEPTH = 300; // terms of the continued fraction; ample for x >= 3

/** Standard normal density φ(x). */
function density(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Upper tail Q(z) = P(Z > z) for z >= SERIES_LIMIT: Laplace continued fraction, evaluated bottom-up. */
function upperTailFraction(z: number): number {
  let tail = z;
  for (let k = FRACTION_DEPTH; k >= 1; k -= 1) tail = z + k / tail;
  return density(z) / tail;
}

/** Φ(x) − 1/2 for |x| < SERIES_LIMIT: Marsaglia's series φ(x)·(x + x³/3 + x⁵/(3·5) + …). */
function centralSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < 500; k += 1) {
    term *= x2 / (2 * k + 1);
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return density(x) * sum;
}

/** Standard normal lower tail P(Z <= x) (Marsaglia 2004 series; Laplace continued fraction in the tails). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (Math.abs(x) < SERIES_LIMIT) return 0.5 + centralSeries(x);
  return x < 0 ? upperTailFraction(-x) : 1 - upperTailFraction(x);
}

/** Standard normal upper tail P(Z > x), accurate for small probabilities (same methods as normalCdf). */
export function normalSurvival(x: number): number {
  return normalCdf(-x);
}
