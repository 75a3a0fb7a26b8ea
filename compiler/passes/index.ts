import { deadCode } from './dead-code.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { foldPad } from './fold-pad.js';
import { fuseDepthwisePointwise, type DepthwisePointwisePredicate } from './fuse-depthwise-pointwise.js';
import { fuseElementwise } from './fuse-elementwise.js';
import { fuseEpilogue } from './fuse-epilogue.js';
import { fuseHardActivations } from './fuse-hard-activations.js';
import { fuseGroupedConv } from './fuse-grouped-conv.js';
import { fuseLoad } from './fuse-load.js';
import type { Pass } from './manager.js';
import { materializeOutputs } from './materialize-outputs.js';
import { removeIdentity } from './remove-identity.js';
import { sinkTransposes } from './sink-transposes.js';

export { runPasses, type Pass, type PassOptions } from './manager.js';
export { foldBatchNorm, foldPad, fuseDepthwisePointwise, fuseElementwise, fuseEpilogue, fuseGroupedConv, fuseHardActivations, fuseLoad, removeIdentity, sinkTransposes, type DepthwisePointwisePredicate };

/**
 * The fusion passes, in order. Why this order:
 * - remove-identity first, so no-op nodes do not hide a pattern from the rules after it;
 * - fuse-hard-activations next: a spelled-out hard-swish is a diamond on the conv's output, which
 *   fuse-epilogue can only absorb once it is one unary node;
 * - fold-batchnorm and fold-pad rewrite single ops before anything is fused around them;
 * - fuse-epilogue before the load rules: a step in an epilogue runs once per output element,
 *   in a load once per read (k² times for a k×k convolution);
 * - fuse-elementwise gathers what is left into chains, which fuse-load can then move, whole,
 *   into the load of the kernel that reads them (a chain in front of a resize stays a kernel);
 * - fuse-depthwise-pointwise last: it takes both convolutions with their loads and epilogues.
 */
export function fusionPasses(opts: { fuseDepthwisePointwise?: DepthwisePointwisePredicate } = {}): Pass[] {
  return [removeIdentity, fuseHardActivations, foldBatchNorm, foldPad, fuseEpilogue, fuseElementwise, fuseLoad, fuseDepthwisePointwise(opts.fuseDepthwisePointwise)];
}

/** The fusion passes with the default choices (every depthwise + pointwise pair fuses). */
export const FUSION_PASSES: readonly Pass[] = fusionPasses();

/**
 * The canonical passes every compile runs, with or without fusion; materialize-outputs must stay
 * last. sink-transposes and fuse-grouped-conv turn converter output (onnx-tf's NCHW transpose
 * pairs, Split → per-group convs → Concat) into the NHWC graph the fusion rules expect:
 * transposes first, because the group slices only become channel slices of an NHWC value once
 * the transposes between them and the convs have cancelled.
 */
const CANONICAL_FIRST: readonly Pass[] = [deadCode, sinkTransposes, fuseGroupedConv];
const CANONICAL_LAST: readonly Pass[] = [deadCode, materializeOutputs];

export interface PipelineOptions {
  /** false: only the canonical passes (one kernel per IR op), for fused/unfused comparisons. */
  readonly fusion: boolean;
  /** Per-candidate choice of the depthwise + pointwise rule; default: always fuse. */
  readonly fuseDepthwisePointwise?: DepthwisePointwisePredicate;
}

/** The pass list of a compile. */
export function passPipeline(opts: PipelineOptions): Pass[] {
  if (!opts.fusion) return [...CANONICAL_FIRST, materializeOutputs];
  const fusion = opts.fuseDepthwisePointwise ? fusionPasses({ fuseDepthwisePointwise: opts.fuseDepthwisePointwise }) : [...FUSION_PASSES];
  return [...CANONICAL_FIRST, ...fusion, ...CANONICAL_LAST];
}

/** The default pipeline, in order: canonical passes around the fusion passes. */
export const DEFAULT_PASSES: readonly Pass[] = passPipeline({ fusion: true });
