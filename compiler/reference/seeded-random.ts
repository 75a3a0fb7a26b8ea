/**
 * mulberry32: a small, fast, well-distributed 32-bit PRNG returning floats in [0, 1). Every
 * seeded value in edgecl — reference inputs, the example's weights, test data — comes from it, so
 * a seed means the same numbers on every machine.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
