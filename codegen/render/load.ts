/**
 * The one renderer of a fused kernel's load (ir/fusion.ts `Load` + `loadSteps`), shared by every
 * kernel family: a C function `float <kernel>_load(<pointers>, int n, int y, int x, int c)` that
 * returns the main op's first input at one coordinate of the *loaded* value, computed from what is
 * actually stored:
 *
 * - `plain`: the stored element;
 * - `transpose`: the stored element at the permuted coordinates (loaded axis i is stored axis
 *   `perm[i]`), so a transpose before the main op is never written (NCHW graph inputs);
 * - `resize`: the element of the smaller (or larger) stored tensor, nearest or bilinear, with
 *   TensorFlow's coordinate conventions (render/resize.ts), so the resized tensor never exists;
 * - `camera`: the same from a `u8 [1,H,W,3]` frame (`uchar*`), channels reordered for BGR, then
 *   `x * scale[c] + offset[c]` with the scales and offsets baked in as literals;
 *
 * then the load steps (render/steps.ts) at the loaded value's coordinates. A family calls the
 * function wherever it reads its input (a convolution: once per tap and input channel); OpenCL
 * compilers inline it and hoist what does not depend on the channel. A plain load without steps
 * renders no function: `call` is the indexing expression itself, so unfused kernels stay as
 * simple as they were.
 *
 * The function takes the kernel's own pointer parameters under their own names (`in0`, `W`), so
 * the same expressions work inside it and in the kernel body. Rank: any for a plain load (matmul
 * loads a rank-2 `a`) and transpose, 4 (NHWC) for resize and camera loads.
 */
import { IrError, type Shape } from '../../ir/index.js';
import { paramDeclaration, type EmitContext, type ParamList } from '../kernel-draft.js';
import { flatIndex, plus, times } from './index-math.js';
import { describeSteps, isPlainLoad, shapeText, type KernelOp } from './kernel-op.js';
import { bilinearAxis, nearestAxis, resizeIndexProducts } from './resize.js';
import { renderSteps } from './steps.js';
import { floatLiteral } from './unary.js';

export interface LoadFunction {
  /** Shape of the loaded value: the main op sees its first input with this shape. */
  readonly shape: Shape;
  /** Program-scope C placed before the kernel (tables, the function); empty for a plain load. */
  readonly definition: readonly string[];
  /** A comment line saying what the load computes. */
  readonly comment: string;
  /** Index products the load forms, for the 32-bit index check (`assertNodeIndexable`'s `extra`). */
  readonly indexSizes: Readonly<Record<string, number>>;
  /**
   * C expression of the loaded value at `coords` (one int expression per axis of `shape`, `'0'`
   * allowed). `flat`, when the caller has it, is the row-major flat index of `coords` in `shape`.
   */
  call(coords: readonly string[], flat?: string): string;
}

/** Coordinate parameter names of the load function: NHWC names for rank 4, `a0…` otherwise. */
function coordinateNames(rank: number): string[] {
  return rank === 4 ? ['n', 'y', 'x', 'c'] : Array.from({ length: rank }, (_, i) => `a${i}`);
}

/** The per-channel literal `table[c]` for a 3-channel camera frame, one literal when all agree. */
function perChannel(values: readonly number[], c: string): string {
  const [a, b, d] = values.map(floatLiteral) as [string, string, string];
  if (a === b && b === d) return a;
  return `(${c} == 0 ? ${a} : (${c} == 1 ? ${b} : ${d}))`;
}

/**
 * Renders the load of kernel `kernel` (whose parameters `p` collects). Call it where the family
 * wants the loaded tensor's parameter to appear in the signature (first, by convention).
 */
export function renderLoad(kernel: string, k: KernelOp, p: ParamList, ctx: EmitContext): LoadFunction {
  const xn = k.mainInputs[0]!;
  const src = ctx.values.type(xn);
  const load = k.load;

  if (isPlainLoad(k)) {
    const x = p.read(xn);
    return {
      shape: src.shape,
      definition: [],
      comment: `x = '${xn}' ${shapeText(src.dtype, src.shape)}`,
      indexSizes: {},
      call: (coords, flat) => `${x}[${flat ?? flatIndex(coords, src.shape)}]`,
    };
  }

  const shape =
    load.kind === 'plain' ? src.shape : load.kind === 'transpose' ? load.perm.map((a) => src.shape[a]!) : [src.shape[0]!, load.size[0], load.size[1], src.shape[3]!];
  if (load.kind !== 'plain' && load.kind !== 'transpose' && src.shape.length !== 4) throw new IrError(`node '${k.node.name}': a ${load.kind} load needs an NHWC input, '${xn}' is ${shapeText(src.dtype, src.shape)}`);
  const name = `${kernel}_load`;
  // Pointers the body reads, so the function takes exactly those parameters.
  const used = new Set<string>();
  const read = (value: string): string => {
    const e = p.read(value);
    used.add(e.startsWith('(W + ') ? 'W' : e);
    return e;
  };
  const x = read(xn);
  const names = coordinateNames(shape.length);
  // Extent-1 axes are 0 in the index math (the parameter stays, so every call has the same form).
  const at = names.map((nm, axis) => (shape[axis] === 1 ? '0' : nm));
  const tables: string[] = [];
  const body: string[] = [];
  let indexSizes: Record<string, number> = {};
  let what: string;

  if (load.kind === 'plain') {
    what = `x = '${xn}' ${shapeText(src.dtype, src.shape)}`;
    body.push(`float v = ${x}[${flatIndex(at, shape)}];`);
  } else if (load.kind === 'transpose') {
    if (load.perm.length !== src.shape.length) throw new IrError(`node '${k.node.name}': a transpose load with perm [${load.perm.join(',')}] needs a rank-${load.perm.length} input, '${xn}' is ${shapeText(src.dtype, src.shape)}`);
    // Stored axis perm[i] is loaded axis i.
    const stored = src.shape.map((_, a) => at[load.perm.indexOf(a)]!);
    what = `x = '${xn}' ${shapeText(src.dtype, src.shape)} read transposed (perm [${load.perm.join(',')}]) as [${shape.join(',')}]`;
    body.push(`float v = ${x}[${flatIndex(stored, src.shape)}];`);
  } else {
    const [N, H, W, C] = src.shape as [number, number, number, number];
    const [, OH, OW] = shape as [number, number, number, number];
    const [n, y, xc, c] = at as [string, string, string, string];
    indexSizes = resizeIndexProducts(H, W, OH, OW);
    const camera = load.kind === 'camera';
    // The frame's channel of model channel c (the model sees RGB).
    const fc = camera && load.order === 'bgr' ? 'fc' : c;
    if (fc === 'fc') body.push(`const int fc = 2 - ${c}; // the frame is BGR, the model reads RGB`);
    const element = (row: string, col: string) => {
      const e = `${x}[${flatIndex([n, row, col, fc], [N, H, W, C])}]`;
      return camera ? `(float)${e}` : e;
    };
    what = `x = '${xn}' ${shapeText(src.dtype, src.shape)}${camera ? ` (camera frame, ${load.order.toUpperCase()})` : ''} resized ${load.mode} (${load.coords}) to ${OH}x${OW}`;
    if (load.mode === 'nearest') {
      const ry = nearestAxis(`${name}_iy`, y, 'iy', H, OH, load.coords);
      const rx = nearestAxis(`${name}_ix`, xc, 'ix', W, OW, load.coords);
      tables.push(...[ry.table, rx.table].filter((t): t is string => t !== undefined));
      body.push(`// source pixel (iy, ix)`, ry.decl, rx.decl, `float v = ${element('iy', 'ix')};`);
    } else {
      const row = (r: string) => plus(times(flatIndex([n, r], [N, H]), W * C), fc);
      const tap = (r: string, col: string) => (camera ? `(float)${r}[${times(col, C)}]` : `${r}[${times(col, C)}]`);
      const ptrType = camera ? 'uchar' : 'float';
      body.push(
        `// taps rows y0, y1 and columns x0, x1 with weights fy, fx (exact integer source coordinates)`,
        ...bilinearAxis(y, 'sy', 'fy', H, OH, load.coords),
        ...bilinearAxis(xc, 'sx', 'fx', W, OW, load.coords),
        `const int y0 = min(sy, ${H - 1});`,
        `const int x0 = min(sx, ${W - 1});`,
        `const int y1 = min(y0 + 1, ${H - 1});`,
        `const int x1 = min(x0 + 1, ${W - 1});`,
        `__global const ${ptrType}* row0 = ${x} + ${row('y0')};`,
        `__global const ${ptrType}* row1 = ${x} + ${row('y1')};`,
        `const float top = ${tap('row0', 'x0')} + (${tap('row0', 'x1')} - ${tap('row0', 'x0')}) * fx;`,
        `const float bottom = ${tap('row1', 'x0')} + (${tap('row1', 'x1')} - ${tap('row1', 'x0')}) * fx;`,
        `float v = top + (bottom - top) * fy;`,
      );
    }
    if (load.kind === 'camera') {
      body.push(`v = v * ${perChannel(load.scale, c)} + ${perChannel(load.offset, c)}; // normalize: x * scale[c] + offset[c]`);
      what += `, then x * [${load.scale.map(floatLiteral).join(', ')}] + [${load.offset.map(floatLiteral).join(', ')}] per channel`;
    }
  }

  if (k.loadSteps.length) {
    const operand = (index: number) => {
      const value = k.node.inputs[index];
      if (value === undefined) throw new IrError(`node '${k.node.name}': a load step names operand ${index}, but the node has ${k.node.inputs.length} inputs`);
      return { ptr: read(value), shape: ctx.values.type(value).shape };
    };
    body.push(`// load steps: ${describeSteps(k.loadSteps, k, ctx)}`, ...renderSteps(k.loadSteps, 'v', shape, { axes: at, flat: flatIndex(at, shape) }, operand));
    what += `, then ${describeSteps(k.loadSteps, k, ctx)}`;
  }
  body.push('return v;');

  const pointers = p.params.filter((q) => used.has(q.name));
  const signature = `float ${name}(${[...pointers.map(paramDeclaration), ...names.map((nm) => `const int ${nm}`)].join(', ')})`;
  const definition = [...tables, `// ${kernel}'s input as its main op reads it: ${what}`, `${signature} {`, ...body.map((l) => `  ${l}`), '}'];
  const args = pointers.map((q) => q.name);
  return {
    shape,
    definition,
    comment: what,
    indexSizes,
    call: (coords) => `${name}(${[...args, ...coords].join(', ')})`,
  };
}
