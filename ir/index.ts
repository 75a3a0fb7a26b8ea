export * from './types.js';
export * from './errors.js';
export * from './ops.js';
export * from './graph.js';
export * from './shape-inference.js';
export * from './builder.js';
export * from './verifier.js';
export * from './printer.js';
