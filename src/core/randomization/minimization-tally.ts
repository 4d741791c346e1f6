import { validationError } from '../errors.js';
import { incremented, type ArmCounts } from './caps.js';
import { levelIndexes, type MinimizationSpec, type SubjectLevels } from './minimization-spec.js';

/** A subject already allocated: its arm and its factor levels. */
export interface PriorAllocation {
  readonly arm: string;
  readonly levels: SubjectLevels;
}

/** What minimization needs to know of the allocations so far. */
export interface MinimizationTally {
  /** Subjects allocated so far, which is also the 0-based sequence number of the next subject. */
  readonly subjects: number;
  /** Subjects per arm code. */
  readonly armCounts: ArmCounts;
  /** Subjects per [factor][level][arm], indexed in the spec's factor, level and arm order. */
  readonly cells: readonly (readonly (readonly number[])[])[];
}

/** The tally of a study with no subjects. */
export function emptyTally(spec: MinimizationSpec): MinimizationTally {
  return Object.freeze({
    subjects: 0,
    armCounts: Object.freeze({}),
    cells: Object.freeze(
      spec.factors.map((f) => Object.freeze(f.levels.map(() => Object.freeze(spec.arms.map(() => 0))))),
    ),
  });
}

/** A new tally with one more subject, of the given levels, on `arm`; copies only the changed rows. */
export function addToTally(
  spec: MinimizationSpec,
  tally: MinimizationTally,
  levels: SubjectLevels,
  arm: string,
): MinimizationTally {
  const armIndex = spec.arms.findIndex((a) => a.code === arm);
  if (armIndex < 0)
    throw validationError(`Unknown arm ${arm}`, [{ path: 'arm', message: `unknown arm ${arm}` }]);
  const indexes = levelIndexes(spec, levels, 'levels');
  const cells = tally.cells.map((factorRows, f) =>
    Object.freeze(
      factorRows.map((row, l) =>
        l === indexes[f] ? Object.freeze(row.map((n, a) => (a === armIndex ? n + 1 : n))) : row,
      ),
    ),
  );
  return Object.freeze({
    subjects: tally.subjects + 1,
    armCounts: incremented(tally.armCounts, arm),
    cells: Object.freeze(cells),
  });
}

/** The tally of the given allocations, in order. */
export function tallyAllocations(
  spec: MinimizationSpec,
  allocations: readonly PriorAllocation[],
): MinimizationTally {
  return allocations.reduce((t, a) => addToTally(spec, t, a.levels, a.arm), emptyTally(spec));
}
