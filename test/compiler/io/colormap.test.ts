import { describe, expect, it } from 'vitest';
import { colorizeDepth, viridis } from '../../../compiler/io/colormap.js';

const luma = ([r, g, b]: number[]) => 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;

describe('colorizeDepth', () => {
  it('maps min..max onto viridis, dark to bright', () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
    expect(viridis(0.5)).toEqual([35, 144, 140]); // matplotlib: (33, 145, 140)
    let prev = -1;
    for (let k = 0; k <= 64; k++) {
      const l = luma(viridis(k / 64));
      expect(l).toBeGreaterThan(prev); // lightness increases monotonically
      prev = l;
    }
  });

  it('colours a depth map, min dark and max bright, non-finite black', () => {
    const values = Float32Array.of(2, 4, 3, NaN, 2, Infinity);
    const rgb = colorizeDepth(values, 2, 3);
    expect(rgb.length).toBe(18);
    expect(Array.from(rgb.subarray(0, 3))).toEqual(viridis(0));
    expect(Array.from(rgb.subarray(3, 6))).toEqual(viridis(1));
    expect(Array.from(rgb.subarray(6, 9))).toEqual(viridis(128 / 255));
    expect(Array.from(rgb.subarray(9, 12))).toEqual([0, 0, 0]);
    expect(Array.from(rgb.subarray(15, 18))).toEqual([0, 0, 0]);
    const inv = colorizeDepth(values, 2, 3, { invert: true });
    expect(Array.from(inv.subarray(0, 3))).toEqual(viridis(1));
    const fixed = colorizeDepth(Float32Array.of(0, 10), 1, 2, { min: 0, max: 20 });
    expect(Array.from(fixed.subarray(3, 6))).toEqual(viridis(128 / 255));
    expect(Array.from(colorizeDepth(new Float32Array(4).fill(7), 2, 2).subarray(0, 3))).toEqual(viridis(0));
    expect(() => colorizeDepth(new Float32Array(5), 2, 3)).toThrow(/needs 6 values/);
  });
});
