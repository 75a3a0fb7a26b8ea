/**
 * Source coordinates of a spatial resize in C, TensorFlow's semantics (as ir/reference/ops.ts and
 * TensorFlow.js's CPU backend compute them). The load renderer uses them for `resize` and
 * `camera` loads, and so for the plain `resize` op, which is an identity kernel with a resize load.
 *
 * Nearest: the source row of output row `o` is, with `scale = in / out`,
 *   asymmetric     floor(o * scale)
 *   half_pixel     floor((o + 0.5) * scale)          (TF's nearest drops the -0.5)
 *   align_corners  round(o * (in - 1) / (out - 1))   (0 when out = 1)
 * clamped to [0, in - 1]. The reference computes these in float64, where an exact integer (or
 * an exact .5 for round) can land one ulp low and pick the previous pixel. The renderer therefore
 * evaluates the float64 rule for every output coordinate at compile time: when it agrees with
 * the exact integer formula (always, for the small and integer ratios of real models) the kernel
 * uses that formula; otherwise it reads the indices from a `__constant` table.
 *
 * Bilinear: source coordinate `s` per axis (asymmetric `o * scale`, align_corners
 * `o * (in - 1) / (out - 1)`, half_pixel `max((o + 0.5) * scale - 0.5, 0)`), taps
 * `floor(s)` and `min(floor(s) + 1, in - 1)`, weight `s - floor(s)`; the tap and weight come
 * from exact integer arithmetic (see `bilinearAxis`).
 */
import type { ResizeCoords } from '../../ir/index.js';

/** The float64 rule of TensorFlow.js / the reference: source index of output `o` (nearest). */
export function nearestSourceF64(o: number, inSize: number, outSize: number, coords: ResizeCoords): number {
  let s: number;
  if (coords === 'align_corners') s = Math.round(outSize > 1 ? o * ((inSize - 1) / (outSize - 1)) : 0);
  else if (coords === 'half_pixel') s = Math.floor((o + 0.5) * (inSize / outSize));
  else s = Math.floor(o * (inSize / outSize));
  return Math.min(Math.max(s, 0), inSize - 1);
}

/** Exact integer form of the nearest rule: a C expression of `o` and its value in JS. */
function nearestFormula(o: string, inSize: number, outSize: number, coords: ResizeCoords): { readonly c: string; readonly at: (o: number) => number } {
  const div = (a: number, b: number) => Math.floor(a / b); // exact: operands < 2^31
  if (inSize === outSize) return { c: o, at: (v) => v };
  if (coords === 'align_corners') {
    if (outSize === 1) return { c: '0', at: () => 0 };
    const q = 2 * (outSize - 1);
    return { c: `(2 * ${o} * ${inSize - 1} + ${outSize - 1}) / ${q}`, at: (v) => div(2 * v * (inSize - 1) + outSize - 1, q) };
  }
  const up = outSize % inSize === 0 ? outSize / inSize : 0;
  const down = inSize % outSize === 0 ? inSize / outSize : 0;
  if (coords === 'half_pixel') {
    // floor((2o + 1) * in / (2 * out)); integer ratios simplify (see the module note).
    if (up) return { c: `${o} / ${up}`, at: (v) => div(v, up) };
    if (down) return { c: `${o} * ${down} + ${Math.floor(down / 2)}`, at: (v) => v * down + Math.floor(down / 2) };
    return { c: `((2 * ${o} + 1) * ${inSize}) / ${2 * outSize}`, at: (v) => div((2 * v + 1) * inSize, 2 * outSize) };
  }
  if (up) return { c: `${o} / ${up}`, at: (v) => div(v, up) };
  if (down) return { c: `${o} * ${down}`, at: (v) => v * down };
  return { c: `(${o} * ${inSize}) / ${outSize}`, at: (v) => div(v * inSize, outSize) };
}

/**
 * The nearest source index along one axis: a C declaration of `src` from the output coordinate
 * `o`, plus a program-scope table named `table` when no integer formula matches the float64 rule.
 */
export function nearestAxis(table: string, o: string, src: string, inSize: number, outSize: number, coords: ResizeCoords): { readonly decl: string; readonly table?: string } {
  const rule = Array.from({ length: outSize }, (_, v) => nearestSourceF64(v, inSize, outSize, coords));
  // An output of extent 1 has coordinate 0 (`o` is the literal '0'): one source index.
  if (o === '0') return { decl: `const int ${src} = ${rule[0]};` };
  const f = nearestFormula(o, inSize, outSize, coords);
  if (rule.every((s, v) => s === f.at(v))) return { decl: `const int ${src} = ${f.c};` };
  const rows: string[] = [];
  for (let k = 0; k < rule.length; k += 20) rows.push(`  ${rule.slice(k, k + 20).join(', ')}`);
  return {
    decl: `const int ${src} = ${table}[${o}];`,
    table: `// Source indices along one axis: float64 rounding puts the TF.js rule one ulp off an exact boundary here, which no integer formula reproduces.\n__constant int ${table}[${outSize}] = {\n${rows.join(',\n')}\n};`,
  };
}

/**
 * Bilinear taps along one axis: C declarations of the first tap index `i0` and its weight `f`
 * from the output coordinate `o`. The source coordinate is a ratio of integers in every
 * convention (asymmetric o·in/out, half_pixel ((2o+1)·in − out)/(2·out) clamped at 0,
 * align_corners o·(in−1)/(out−1)), so the tap is an exact integer division and the weight the
 * remainder over the denominator, rounded once. Computing `o * scale` in float instead moves the
 * weight by up to o·scale·2⁻²⁴ — 3e-5 of a pixel at 480→224, which shows as ~6e-5 relative error
 * after a camera frame's 0..255 range.
 */
export function bilinearAxis(o: string, i0: string, f: string, inSize: number, outSize: number, coords: ResizeCoords): string[] {
  if (inSize === outSize && coords !== 'align_corners') return [`const int ${i0} = ${o};`, `const float ${f} = 0.0f;`];
  let num: string;
  let den: number;
  if (coords === 'align_corners') {
    if (outSize === 1) return [`const int ${i0} = 0;`, `const float ${f} = 0.0f;`];
    num = `${o} * ${inSize - 1}`;
    den = outSize - 1;
  } else if (coords === 'half_pixel') {
    num = `max((2 * ${o} + 1) * ${inSize} - ${outSize}, 0)`;
    den = 2 * outSize;
  } else {
    num = `${o} * ${inSize}`;
    den = outSize;
  }
  const nm = `${i0}_num`;
  return [`const int ${nm} = ${num};`, `const int ${i0} = ${nm} / ${den};`, `const float ${f} = (float)(${nm} % ${den}) / ${den}.0f;`];
}

/** Products the integer nearest formulas form (2 * out * in per axis), for the 32-bit index check. */
export function resizeIndexProducts(inH: number, inW: number, outH: number, outW: number): Record<string, number> {
  return { 'resize index product 2*out*in (rows)': 2 * outH * inH, 'resize index product 2*out*in (columns)': 2 * outW * inW };
}
