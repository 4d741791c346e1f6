export { describeRatio, ratioSum, validateArms, type ArmSpec } from './arms.js';
export {
  allocateWithCaps,
  type CappedAllocation,
  type CappedAllocationRequest,
} from './allocate-with-caps.js';
export {
  countOf,
  fullArms,
  hasRoom,
  incremented,
  validateCountsAndCaps,
  type ArmCaps,
  type ArmCounts,
} from './caps.js';
export { imbalanceOf } from './imbalance.js';
export {
  minimizationLabel,
  minimize,
  type ArmScore,
  type MinimizationChoice,
  type MinimizationOutcome,
  type MinimizationRequest,
} from './minimization.js';
export {
  levelIndexes,
  validateMinimizationSpec,
  type ImbalanceMeasure,
  type MinimizationFactor,
  type MinimizationSpec,
  type SubjectLevels,
} from './minimization-spec.js';
export {
  addToTally,
  emptyTally,
  tallyAllocations,
  type MinimizationTally,
  type PriorAllocation,
} from './minimization-tally.js';
export {
  blockLabel,
  sequenceForStratum,
  validateBlockSizes,
  type BlockSlot,
  type PermutedBlocksSpec,
  type StratumSequence,
} from './permuted-blocks.js';
export { createRng, generateSeed, parseSeed, type Rng } from './rng.js';
export { shuffled } from './shuffle.js';
export {
  verifyAllocations,
  verifyMinimization,
  verifyPermutedBlocks,
  type Mismatch,
  type RecordedBlockAllocation,
  type RecordedMinimizationAllocation,
  type VerificationInput,
} from './verify.js';
export {
  SINGLE_STRATUM,
  blocksSpecOf,
  capsOf,
  minimizationSpecOf,
  stratumKeyOf,
  subjectLevels,
} from './from-protocol.js';
