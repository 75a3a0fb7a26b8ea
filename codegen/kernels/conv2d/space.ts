/**
 * The conv2d family's one tunable: output channels per work item (`c8`: one output pixel, 8
 * consecutive output channels). Each loaded input value is then multiplied into that many
 * accumulators, so the load (a bilinear tap of a camera frame, or just a global read) is evaluated
 * once per `c` channels instead of once per channel, and the filter row is read as one vector.
 *
 * Default: the largest of 8, 4, 2 that divides the output channels of a group, else 1 (a block
 * never straddles a group or the end of the channels, so the kernel needs no channel guard).
 * Why 8 at most: 8 float accumulators plus the loop state fit the registers a work item has
 * at full occupancy on Adreno 5xx and NVIDIA parts (MNN's Adreno conv kernels also stop at 4
 * channels × 4 pixels = 16 accumulators); beyond that, on small layers (7×7×1024) the grid
 * shrinks below a few thousand work items.
 */
export interface Conv2dConfig {
  /** Output channels computed by one work item: 1, 2, 4 or 8. */
  readonly outChannelsPerItem: 1 | 2 | 4 | 8;
}

export function defaultConv2dConfig(outChannelsPerGroup: number): Conv2dConfig {
  for (const c of [8, 4, 2] as const) if (outChannelsPerGroup % c === 0) return { outChannelsPerItem: c };
  return { outChannelsPerItem: 1 };
}

/** `c8`, the variant name of a config (MNN style: what one work item computes). */
export function conv2dVariant(c: Conv2dConfig): string {
  return `c${c.outChannelsPerItem}`;
}
