/**
 * Launch shape of the depthwise + pointwise kernel (emit.ts), and the rule deciding per shape
 * whether the pair fuses at all.
 *
 * A work group owns a tile of P consecutive output pixels (flat over n, oy, ox) and a chunk of
 * output channels. Phase 1 computes the depthwise result of every pixel and depthwise channel of
 * the tile into `__local` memory; phase 2 has work item (pixel lane pl, channel lane ocl) compute
 * R = pixelsPerItem pixels × V = channelsPerLane consecutive output channels (a `float<V>`, the
 * pointwise filter row read with `vload<V>`) at lane steps of LO × V channels through the chunk.
 *
 * - Local memory: P × Cdw × 4 bytes ≤ 16 KiB. The Adreno 530, edgecl's reference target, reports
 *   32 KiB of local memory (CL_DEVICE_LOCAL_MEM_SIZE = 32768; the figure the project's issue 3
 *   gives, not measured here: we have no Adreno at hand); half of it leaves room for two resident
 *   work groups, so one group's barrier does not idle the unit. The OpenCL 1.2 full profile
 *   guarantees 32 KB (the minimum of CL_DEVICE_LOCAL_MEM_SIZE), so the tile fits any conforming
 *   GPU. Nothing is queried at compile time.
 * - V = the largest of 4, 2 that divides the output channels, else 1 (no vector straddles the end,
 *   so no channel guard inside a vector). Each tile value read from local memory then feeds V
 *   multiply-adds, and the filter rows are vector reads.
 * - LO = channel lanes: output-channel vectors rounded up to a power of two, at most 64 (a work
 *   group of 64 = two NVIDIA warps, one Adreno 5xx wave at full occupancy; lanes past the channels
 *   idle). Consecutive lanes take consecutive vectors, so the filter reads and the stores are
 *   contiguous; every lane reads the same tile element (a local-memory broadcast).
 * - Pixel lanes PL = 64 / LO, so the group has 64 work items whatever the channel count.
 * - R ≤ 8 pixels per work item and R × V ≤ 32 accumulators (registers), P = PL × R within the
 *   local budget — but no more pixels than leave TARGET_GROUPS tiles, and when the tiles are still
 *   fewer, the output channels split into chunks of OCB = LO × V × k channels (one group per tile
 *   and chunk, each chunk recomputing the tile's depthwise part: k² / OCB extra multiply-adds per
 *   pointwise one, ≤ 25/64 for 5×5). So large layers get small tiles and small layers get chunks.
 *
 * TARGET_GROUPS = 1024, measured: FastDepth (--preprocess 480×640 → 224×224), sum of the 18
 * depthwise+pointwise kernels' device times on an H100 (NVIDIA OpenCL 3.0, driver 580.159.04,
 * median of 30 profiled runs): 1.96 ms at 64, 0.96 ms at 256, 0.82 ms at 1024 — phase 1 runs
 * on 64 work items per group, and large tiles left that GPU with a few hundred of them (dec4:
 * 196 groups). A bandwidth-poor GPU (the Adreno 530) may prefer larger tiles, which re-read the
 * pointwise filter less: `targetGroups` is the tuning knob to search per device (the emitter
 * takes it; the properties in test/codegen/kernels/fused-conv.test.ts check 1, 4 and 1024).
 *
 * Fuse or not (`fitsDepthwisePointwise`): fuse whenever one pixel's depthwise tile fits, i.e.
 * c · multiplier ≤ 4096. Measured per FastDepth pair, µs, the pair as two kernels (each with its
 * folded batch norm and ReLU as epilogue, the depthwise reading through its fused load) → one:
 *
 *                                              H100, NVIDIA OpenCL     PoCL 3, 2 EPYC cores
 *                                              (median of 50 runs)     (median of 5 runs)
 *   enc1  112² 32→64                            23 → 13                  6254 →  9792
 *   enc4  28² 128→256, stride 2                 41 → 19                  3635 →  8481
 *   enc7  14² 512→512                          107 → 49                  8352 → 16936
 *   enc13 7² 1024→1024                         193 → 83                 19149 → 19483
 *   dec0  7² 1024→512, 5×5                     176 → 91                  6518 → 12298
 *   dec1  14² 512→256, 5×5, resize load        136 → 52                  5229 →  8563
 *   dec2  28² 256→128, 5×5, resize+skip load    56 → 56                  9180 → 13507
 *   dec3  56² 128→64, 5×5, resize+skip load     33 → 36                 14484 → 21408
 *   dec4  112² 64→32, 5×5, resize+skip load     37 → 35                 23292 → 34644
 *
 * Over all 18 pairs the fused kernel takes 0.34–0.82 × the pair's time on the H100, except dec2–
 * dec4 (1.00, 1.08, 0.94 ×); even dec3's 8% is less than the launch it saves (about 6 µs of host
 * time per launch there) and it never writes its 1.6 MB intermediate. On PoCL (a CPU: local
 * memory is ordinary memory, and there is no latency to hide behind many work items) the pair is
 * faster everywhere, by 1.02–2.6 ×, also with the largest tiles (targetGroups 1: FastDepth
 * 223 ms fused vs 203 ms as pairs). edgecl targets GPUs and queries nothing at compile time, so
 * the rule follows the GPU; a CPU device would want `fuseDepthwisePointwise: () => false`.
 */

/** The local-memory budget of one tile, in bytes (see the module note). */
export const TILE_LOCAL_BYTES = 16 * 1024;
/** Work items per group, and the most channel lanes. */
export const GROUP_SIZE = 64;
/** Most pixels one work item accumulates in registers, and most accumulators (pixels × channels). */
export const MAX_PIXELS_PER_ITEM = 8;
export const MAX_ACCUMULATORS = 32;
/** Work groups the tiling and the chunking aim for (see the module note for the measurement). */
export const TARGET_GROUPS = 1024;

/** The shapes of a depthwise + pointwise pair. */
export interface DepthwisePointwiseShapes {
  /** Output pixels, n · oh · ow. */
  readonly pixels: number;
  /** Depthwise output channels (c · multiplier): the tile's width. */
  readonly depthwiseChannels: number;
  /** Pointwise output channels. */
  readonly outChannels: number;
}

export interface DepthwisePointwiseConfig {
  /** P: output pixels per tile (per work group). */
  readonly tilePixels: number;
  /** R: pixels per work item in phase 2. */
  readonly pixelsPerItem: number;
  /** V: consecutive output channels per work item and lane step (1, 2 or 4). */
  readonly channelsPerLane: 1 | 2 | 4;
  /** LO: channel lanes; PL = groupSize / LO pixel lanes. */
  readonly channelLanes: number;
  readonly groupSize: number;
  /** OCB: output channels per chunk (a multiple of LO × V). */
  readonly chunkChannels: number;
  /** Tiles (global dimension 0 in groups) and chunks (global dimension 1). */
  readonly tiles: number;
  readonly chunks: number;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * The launch shape for `s`, or undefined when not even one pixel's depthwise tile fits.
 * `targetGroups` is the tuning knob (module note): 1 gives the largest tiles and no chunks, a
 * large number the smallest tiles and the most chunks.
 */
export function depthwisePointwiseConfig(s: DepthwisePointwiseShapes, targetGroups = TARGET_GROUPS): DepthwisePointwiseConfig | undefined {
  const maxPixels = Math.floor(TILE_LOCAL_BYTES / (4 * s.depthwiseChannels));
  if (maxPixels < 1) return undefined;
  const vec = s.outChannels % 4 === 0 ? 4 : s.outChannels % 2 === 0 ? 2 : 1;
  const vectors = s.outChannels / vec;
  let lanes = Math.min(GROUP_SIZE, nextPow2(vectors));
  let pixelLanes = GROUP_SIZE / lanes;
  // A tile too small for every pixel lane: give the lanes back to channels.
  while (pixelLanes > maxPixels) {
    pixelLanes /= 2;
    lanes *= 2;
  }
  // As many pixels per work item as registers and local memory allow, but no more than leaves
  // TARGET_GROUPS tiles: a few large tiles reuse each filter read more, many small ones keep the
  // device busy (phase 1 runs on the group's 64 work items only).
  const cap = Math.min(MAX_PIXELS_PER_ITEM, MAX_ACCUMULATORS / vec, Math.floor(maxPixels / pixelLanes));
  const fill = Math.floor(s.pixels / (pixelLanes * targetGroups));
  const pixelsPerItem = Math.max(1, Math.min(cap, fill));
  const tilePixels = pixelLanes * pixelsPerItem;
  const tiles = Math.ceil(s.pixels / tilePixels);
  const laneSteps = Math.ceil(vectors / lanes);
  const wanted = Math.min(laneSteps, Math.max(1, Math.ceil(targetGroups / tiles)));
  const stepsPerChunk = Math.ceil(laneSteps / wanted);
  return {
    tilePixels,
    pixelsPerItem,
    channelsPerLane: vec,
    channelLanes: lanes,
    groupSize: lanes * pixelLanes,
    chunkChannels: lanes * vec * stepsPerChunk,
    tiles,
    chunks: Math.ceil(laneSteps / stepsPerChunk),
  };
}

/**
 * Whether a depthwise + pointwise pair should become one kernel: the depthwise tile of at least
 * one pixel fits the local budget (the measurements behind the rule are in the module note).
 */
export function fitsDepthwisePointwiseShapes(s: DepthwisePointwiseShapes): boolean {
  return depthwisePointwiseConfig(s) !== undefined;
}

/**
 * The predicate the fuse-depthwise-pointwise pass takes (`passPipeline({fuseDepthwisePointwise})`):
 * `candidate` is the fused node that would replace the pair, `inputTypes` its input types (x,
 * depthwise filter `[kh,kw,c,m]`, depthwise bias, pointwise filter, pointwise bias, …).
 */
export function fitsDepthwisePointwise(candidate: { readonly type: { readonly shape: readonly number[] } }, inputTypes: readonly { readonly shape: readonly number[] }[]): boolean {
  const [n, oh, ow, co] = candidate.type.shape as [number, number, number, number];
  const [, , c, m] = inputTypes[1]!.shape as [number, number, number, number];
  return fitsDepthwisePointwiseShapes({ pixels: n * oh * ow, depthwiseChannels: c * m, outChannels: co });
}
