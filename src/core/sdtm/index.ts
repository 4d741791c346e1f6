export * from './dataset.js';
export * from './plan.js';
export * from './plan-import.js';
export * from './variables.js';
export * from './from-formats.js';
