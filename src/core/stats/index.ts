export * from './binomial.js';
export * from './descriptive.js';
export * from './fisher.js';
export * from './newcombe.js';
export * from './normal.js';
export * from './welch.js';
export * from './wilcoxon.js';
