/**
 * The one form every kernel family emits from: a main op with its load, load steps and epilogue
 * (ir/fusion.ts). A `fused` node is that already; a plain op (conv2d, pool2d, …) is the same with
 * a plain load and no steps, so each family has ONE emitter for both, and the unfused compiler is
 * the fused one with empty prologues and epilogues.
 *
 * Also here: the operand resolver every step list uses, and the input dtype check (f32 tensors,
 * plus the `u8` camera frame of a camera load).
 */
import { IrError, UserError, type FusedOp, type Load, type MainOp, type Node, type Shape, type Step } from '../../ir/index.js';
import type { EmitContext, ParamList } from '../kernel-draft.js';
import type { OperandRef } from './steps.js';

export interface KernelOp {
  readonly node: Node;
  readonly main: MainOp;
  /** The main op's inputs, the loaded one first (for a plain op: all of the node's inputs). */
  readonly mainInputs: readonly string[];
  readonly load: Load;
  readonly loadSteps: readonly Step[];
  readonly epilogue: readonly Step[];
}

const PLAIN: Load = { kind: 'plain' };

/** The kernel form of `node` with main op `main` (the node's own op for a plain node). */
export function kernelOpOf(node: Node, main: MainOp | FusedOp): KernelOp {
  if (main.op === 'fused') {
    return { node, main: main.main, mainInputs: node.inputs.slice(0, main.mainArity), load: main.load, loadSteps: main.loadSteps, epilogue: main.epilogue };
  }
  return { node, main, mainInputs: node.inputs, load: PLAIN, loadSteps: [], epilogue: [] };
}

/** Whether the kernel reads its first input as stored, with nothing applied on the way. */
export function isPlainLoad(k: KernelOp): boolean {
  return k.load.kind === 'plain' && k.loadSteps.length === 0;
}

/** Step operands as kernel pointers: a parameter for an activation, `(W + offset)` for a constant. */
export function operandResolver(k: KernelOp, p: ParamList, ctx: EmitContext): (index: number) => OperandRef {
  return (index) => {
    const value = k.node.inputs[index];
    if (value === undefined) throw new IrError(`node '${k.node.name}': a step names operand ${index}, but the node has ${k.node.inputs.length} inputs`);
    return { ptr: p.read(value), shape: ctx.values.type(value).shape };
  };
}

/**
 * Kernels read and write f32 tensors; the only other element type is the `u8` camera frame that
 * a camera load reads. Anything else is a clear error naming the node, not bad C.
 */
export function assertKernelDtypes(k: KernelOp, ctx: EmitContext): void {
  const node = k.node;
  const what = node.op.op === 'fused' ? `fused ${k.main.op}` : node.op.op;
  [...node.inputs, node.name].forEach((v, i) => {
    const t = ctx.values.type(v);
    if (t.dtype === 'f32') return;
    if (t.dtype === 'u8' && i === 0 && k.load.kind === 'camera') return;
    throw new UserError(`node '${node.name}' (${what}): value '${v}' is ${t.dtype}; edgecl kernels read and write f32 tensors only (u8 only as the camera frame of --preprocess).`);
  });
}

/** Families that cannot read through a load: an internal error if a pass built one anyway. */
export function assertPlainLoad(k: KernelOp): void {
  if (!isPlainLoad(k)) throw new IrError(`node '${k.node.name}': a fused ${k.main.op} kernel takes an epilogue only, but the node has a ${k.load.kind} load with ${k.loadSteps.length} load steps`);
}

/** `f32[1,9,9,6]`, for comments. */
export function shapeText(dtype: string, shape: Shape): string {
  return `${dtype}[${shape.join(',')}]`;
}

/** A one-line account of a step list for kernel comments: `relu6, add in3[c]`. */
export function describeSteps(steps: readonly Step[], k: KernelOp, ctx: EmitContext): string {
  return steps
    .map((s) => {
      if (s.kind === 'unary') return s.fn.kind === 'leakyRelu' ? `leakyRelu(${s.fn.alpha})` : s.fn.kind;
      if (s.kind === 'clamp') return `clamp(${s.min}, ${s.max})`;
      const v = k.node.inputs[s.operand]!;
      const t = ctx.values.type(v);
      const o = `'${v}' ${shapeText(t.dtype, t.shape)}`;
      return s.operandFirst ? `${o} ${s.fn} v` : `${s.fn} ${o}`;
    })
    .join(', ');
}
