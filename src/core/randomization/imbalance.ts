import type { ImbalanceMeasure } from './minimization-spec.js';

/** The imbalance of ratio-weighted counts (count ÷ ratio per arm): max − min, or population variance. */
export function imbalanceOf(weighted: readonly number[], measure: ImbalanceMeasure): number {
  if (weighted.length === 0) return 0;
  switch (measure) {
    case 'range':
      return Math.max(...weighted) - Math.min(...weighted);
    case 'variance': {
      const mean = weighted.reduce((s, x) => s + x, 0) / weighted.length;
      return weighted.reduce((s, x) => s + (x - mean) ** 2, 0) / weighted.length;
    }
  }
}
