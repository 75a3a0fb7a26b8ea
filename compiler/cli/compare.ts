/**
 * Output comparison used by `edgecl check`, the demo and the tests: the error of a whole
 * tensor relative to the reference's largest magnitude, as DESIGN.md defines it. NaN or a
 * length mismatch never passes.
 */
export interface Comparison {
  readonly maxAbs: number;
  /** max |a − b| / max |ref|. */
  readonly maxRel: number;
  readonly ok: boolean;
}

export function compareTensors(actual: ArrayLike<number>, reference: ArrayLike<number>, tolerance: number): Comparison {
  if (actual.length !== reference.length) return { maxAbs: Infinity, maxRel: Infinity, ok: false };
  let maxAbs = 0;
  let maxRef = 0;
  let nan = false;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const r = reference[i]!;
    if (Number.isNaN(a) !== Number.isNaN(r) || Number.isNaN(a)) nan = true;
    maxAbs = Math.max(maxAbs, Math.abs(a - r));
    maxRef = Math.max(maxRef, Math.abs(r));
  }
  if (nan) return { maxAbs: NaN, maxRel: NaN, ok: false };
  const maxRel = maxRef > 0 ? maxAbs / maxRef : maxAbs;
  return { maxAbs, maxRel, ok: maxRel <= tolerance };
}
