import type { KitView } from '../services/randomization/allocation-view.js';

/** Pretty JSON, as every `--json` prints it. */
export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Kit numbers with their drug, e.g. `1234567 (CELGOSIVIR)`: what a site may see of a dispensing. Sorted
 * by drug and number, so the same kits always print the same.
 */
export const kitsLine = (kits: readonly Pick<KitView, 'kitNumber' | 'drug'>[]): string =>
  kits.length === 0
    ? 'none'
    : [...kits]
        .sort((a, b) => a.drug.localeCompare(b.drug) || a.kitNumber.localeCompare(b.kitNumber))
        .map((k) => `${k.kitNumber} (${k.drug})`)
        .join(', ');
