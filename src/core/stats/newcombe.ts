import { wilsonCi } from './binomial.js';

/** A difference of two independent proportions p1 − p2 with a confidence interval; null when n1 or n2 is 0. */
export interface ProportionDifferenceCi {
  readonly estimate: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly level: number;
}

/** Newcombe hybrid score interval for p1 − p2 (Newcombe 1998, Stat Med 17:873–890, method 10). */
export function newcombeDifferenceCi(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  level = 0.95,
): ProportionDifferenceCi {
  // From the Wilson score intervals (l1, u1) of p1 and (l2, u2) of p2, with d = p1 − p2:
  // lower = d − √((p1 − l1)² + (u2 − p2)²), upper = d + √((u1 − p1)² + (p2 − l2)²).
  const a = wilsonCi(x1, n1, level);
  const b = wilsonCi(x2, n2, level);
  if (a.estimate === null || a.lower === null || a.upper === null) return empty(level);
  if (b.estimate === null || b.lower === null || b.upper === null) return empty(level);
  const d = a.estimate - b.estimate;
  return {
    estimate: d,
    lower: d - Math.hypot(a.estimate - a.lower, b.upper - b.estimate),
    upper: d + Math.hypot(a.upper - a.estimate, b.estimate - b.lower),
    level,
  };
}

function empty(level: number): ProportionDifferenceCi {
  return { estimate: null, lower: null, upper: null, level };
}
