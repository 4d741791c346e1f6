export * from './types.js';
export { cellProblem, isCell } from './cells.js';
export { checkMetadata } from './metadata.js';
export { checkRow, datasetJsonText, writeDatasetJson, type DatasetJsonFormat } from './writer.js';
export {
  readDatasetJson,
  readDatasetNdjson,
  readDatasetNdjsonEvents,
  textOf,
  type DatasetJsonData,
  type NdjsonEvent,
  type TextSource,
} from './reader.js';
