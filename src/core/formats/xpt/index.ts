export * from './types.js';
export { XPT_LIMITS, checkDataset, type CheckedDataset, type PlacedVariable } from './rules.js';
export { IBM_MAX, IBM_MIN, readIbm, writeIbm } from './ibm-float.js';
export { XptEncoder, writeXpt, xptBytes } from './writer.js';
export {
  readXpt,
  readXptEvents,
  parseSasStamp,
  type ReadDataset,
  type ReadVariable,
  type XptData,
  type XptEvent,
  type XptReadOptions,
} from './reader.js';
export type { ByteSource } from '../byte-queue.js';
