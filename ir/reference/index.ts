export * from './ops.js';
export * from './evaluate.js';
