/**
 * Random prologues and epilogues for the fused-kernel properties: loads (plain, resize in every
 * mode × coordinate convention, camera frames in both channel orders, transposes — NCHW→NHWC and
 * any other rank-4 permutation) and step lists (every
 * unary function, clamp, every binary function with full / per-channel / scalar / spatially
 * broadcast operands that are constants or activations, either operand order).
 *
 * A spec is plain data drawn by fast-check; `materialize…` turns it into graph inputs, constants
 * and the IR `Load` / `Step[]` of a fused node, adding operands to a node-input list.
 */
import fc from 'fast-check';
import type { BinaryFn, Load, ResizeCoords, Shape, Step, UnaryFn } from '../../../ir/index.js';
import type { Batch } from './check.js';

export const UNARY_FNS: readonly UnaryFn[] = [
  { kind: 'relu' },
  { kind: 'relu6' },
  { kind: 'sigmoid' },
  { kind: 'tanh' },
  { kind: 'leakyRelu', alpha: 0.2 },
  { kind: 'leakyRelu', alpha: -0.37 },
  { kind: 'elu' },
  { kind: 'neg' },
  { kind: 'hardSwish' },
  { kind: 'hardSigmoid' },
  { kind: 'hardSwish', scale: 0.1666259765625 },
  { kind: 'hardSigmoid', scale: 0.2 },
  { kind: 'abs' },
  { kind: 'square' },
];
/**
 * Unary functions kept out of random step chains — a domain (sqrt, rsqrt, log, reciprocal), a
 * jump at integers that turns an ulp into 1 (floor, ceil), or overflow when chained (exp) — each
 * tested alone on inputs inside its domain.
 */
export const DOMAIN_UNARY_FNS: readonly { fn: UnaryFn; lo: number; hi: number }[] = [
  { fn: { kind: 'exp' }, lo: -8, hi: 8 },
  { fn: { kind: 'sqrt' }, lo: 0, hi: 9 },
  { fn: { kind: 'rsqrt' }, lo: 0.1, hi: 9 },
  { fn: { kind: 'log' }, lo: 0.1, hi: 9 },
  { fn: { kind: 'reciprocal' }, lo: 0.1, hi: 9 },
  { fn: { kind: 'floor' }, lo: -8, hi: 8 },
  { fn: { kind: 'ceil' }, lo: -8, hi: 8 },
];
export const BINARY_FNS: readonly BinaryFn[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'prelu'];
export const COORDS: readonly ResizeCoords[] = ['asymmetric', 'align_corners', 'half_pixel'];

export type OperandShape = 'full' | 'channel' | 'scalar' | 'spatial';

export type StepSpec =
  | { readonly kind: 'unary'; readonly fn: UnaryFn }
  | { readonly kind: 'clamp'; readonly lo: number; readonly width: number }
  | { readonly kind: 'binary'; readonly fn: BinaryFn; readonly operand: OperandShape; readonly constant: boolean; readonly first: boolean };

export const stepSpec: fc.Arbitrary<StepSpec> = fc.oneof(
  fc.record({ kind: fc.constant('unary' as const), fn: fc.constantFrom(...UNARY_FNS) }),
  fc.record({ kind: fc.constant('clamp' as const), lo: fc.integer({ min: -8, max: 2 }).map((v) => v / 8), width: fc.integer({ min: 1, max: 16 }).map((v) => v / 8) }),
  fc.record({
    kind: fc.constant('binary' as const),
    fn: fc.constantFrom(...BINARY_FNS),
    operand: fc.constantFrom<OperandShape>('full', 'channel', 'scalar', 'spatial'),
    constant: fc.boolean(),
    first: fc.boolean(),
  }),
);

/** 0 to 3 steps. */
export const stepList = fc.array(stepSpec, { maxLength: 3 });

export type LoadSpec =
  | { readonly kind: 'plain' }
  | { readonly kind: 'resize'; readonly mode: 'bilinear' | 'nearest'; readonly coords: ResizeCoords; readonly srcH: number; readonly srcW: number }
  | { readonly kind: 'transpose'; readonly perm: readonly number[] }
  | { readonly kind: 'camera'; readonly mode: 'bilinear' | 'nearest'; readonly coords: ResizeCoords; readonly srcH: number; readonly srcW: number; readonly order: 'rgb' | 'bgr'; readonly scale: readonly number[]; readonly offset: readonly number[] };

const mode = fc.constantFrom<'bilinear' | 'nearest'>('bilinear', 'nearest');
const srcSize = fc.integer({ min: 1, max: 11 });
/** Camera scales around 2/255 and offsets around -1, per channel: values in about [-1, 1]. */
const camScale = fc.tuple(...[0, 1, 2].map(() => fc.integer({ min: 1, max: 3 }).map((v) => v / 255)));
const camOffset = fc.tuple(...[0, 1, 2].map(() => fc.integer({ min: -8, max: 0 }).map((v) => v / 8)));

export const loadSpec: fc.Arbitrary<LoadSpec> = fc.oneof(
  fc.constant({ kind: 'plain' as const }),
  fc.record({ kind: fc.constant('resize' as const), mode, coords: fc.constantFrom(...COORDS), srcH: srcSize, srcW: srcSize }),
  fc.record({
    kind: fc.constant('transpose' as const),
    // NCHW → NHWC (the ONNX input case) half the time, else any permutation of 4 axes.
    perm: fc.oneof(fc.constant([0, 2, 3, 1]), fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 })),
  }),
  fc.record({ kind: fc.constant('camera' as const), mode, coords: fc.constantFrom(...COORDS), srcH: srcSize, srcW: srcSize, order: fc.constantFrom<'rgb' | 'bgr'>('rgb', 'bgr'), scale: camScale, offset: camOffset }),
);

/**
 * The graph input a load reads and the IR load, for a loaded value of shape `[n, h, w, c]`. A
 * camera load needs `n = 1, c = 3`: callers force those when they draw one.
 */
export function materializeLoad(batch: Batch, name: string, spec: LoadSpec, loaded: readonly [number, number, number, number]): { readonly x: string; readonly load: Load } {
  const [n, h, w, c] = loaded;
  switch (spec.kind) {
    case 'plain':
      return { x: batch.input(name, [n, h, w, c]), load: { kind: 'plain' } };
    case 'resize':
      return { x: batch.input(name, [n, spec.srcH, spec.srcW, c]), load: { kind: 'resize', mode: spec.mode, coords: spec.coords, size: [h, w] } };
    case 'transpose': {
      // Stored axis perm[i] holds loaded axis i.
      const stored = [0, 1, 2, 3].map((a) => loaded[spec.perm.indexOf(a)]!);
      return { x: batch.input(name, stored), load: { kind: 'transpose', perm: [...spec.perm] } };
    }
    case 'camera':
      if (n !== 1 || c !== 3) throw new Error(`a camera load needs n = 1 and c = 3, got [${loaded.join(',')}]`);
      return {
        x: batch.frame(name, [1, spec.srcH, spec.srcW, 3]),
        load: { kind: 'camera', order: spec.order, mode: spec.mode, coords: spec.coords, size: [h, w], scale: [...spec.scale], offset: [...spec.offset] },
      };
  }
}

/** The operand shape of a pattern for a value of shape `value`. */
function operandShape(pattern: OperandShape, value: Shape): number[] {
  const last = value[value.length - 1]!;
  switch (pattern) {
    case 'full':
      return [...value];
    case 'channel':
      return [last];
    case 'scalar':
      return [1];
    case 'spatial':
      // Broadcast along the outer and the last axis: [1, h, w, 1] for NHWC, [m, 1] for a matrix.
      return value.length === 4 ? [1, value[1]!, value[2]!, 1] : value.length >= 2 ? [...value.slice(0, -1), 1] : [1];
  }
}

/**
 * Steps for a value of shape `value`; binary operands become constants or graph inputs named
 * `<prefix>_o<j>`, appended to `inputs` (the fused node's inputs) and referenced by index.
 */
export function materializeSteps(batch: Batch, prefix: string, specs: readonly StepSpec[], value: Shape, inputs: string[]): Step[] {
  return specs.map((s, j): Step => {
    if (s.kind === 'unary') return { kind: 'unary', fn: s.fn };
    if (s.kind === 'clamp') return { kind: 'clamp', min: s.lo, max: s.lo + s.width };
    const shape = operandShape(s.operand, value);
    // Divisors in [0.5, 1.5], and never the value itself as a divisor (it may be near 0).
    const [lo, hi] = s.fn === 'div' ? [0.5, 1.5] : [-1, 1];
    const name = `${prefix}_o${j}`;
    const operand = s.constant ? batch.constant(name, shape, lo, hi) : batch.input(name, shape, lo, hi);
    inputs.push(operand);
    return { kind: 'binary', fn: s.fn, operand: inputs.length - 1, operandFirst: s.fn === 'div' ? false : s.first };
  });
}
