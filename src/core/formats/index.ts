export * from './errors.js';
export type { ByteSource } from './byte-queue.js';
export * as xpt from './xpt/index.js';
export * as datasetJson from './dataset-json/index.js';
export * from './sas-dates.js';
