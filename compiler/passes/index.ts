import { deadCode } from './dead-code.js';
import type { Pass } from './manager.js';
import { materializeOutputs } from './materialize-outputs.js';

export { runPasses, type Pass, type PassOptions } from './manager.js';

/** The default pipeline, in order. */
export const DEFAULT_PASSES: readonly Pass[] = [deadCode, materializeOutputs];
