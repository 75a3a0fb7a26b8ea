/**
 * The epilogue of a kernel: its steps (render/steps.ts) applied to an output value at the output's
 * coordinates, just before the family's store. Families give the coordinates of the element they
 * hold; a family computing several elements per work item calls this once per element.
 */
import type { EmitContext, ParamList } from '../kernel-draft.js';
import { operandResolver, type KernelOp } from './kernel-op.js';
import { renderSteps, type ValueCoords } from './steps.js';

/** Statements applying `k`'s epilogue to the float variable `v` holding the output element at `at`. */
export function renderEpilogue(k: KernelOp, p: ParamList, ctx: EmitContext, v: string, at: ValueCoords): string[] {
  return renderSteps(k.epilogue, v, k.node.type.shape, at, operandResolver(k, p, ctx));
}
