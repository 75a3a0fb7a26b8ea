/**
 * Lowering: each IR node becomes one or more kernel drafts, chosen by op kind from one typed
 * table — or none: a reshape/identity of an intermediate value becomes an alias of its input's
 * buffer (memory-plan.ts). Fusion (a later pass) will hand the table fused groups instead of single nodes.
 */
import { UserError, type Graph, type Node, type OpKind, type OpOf, ValueIndex } from '../ir/index.js';
import { emitBatchNorm, emitBinary, emitResize, emitUnary } from './kernels/elementwise/emit.js';
import { emitConcat } from './kernels/concat/emit.js';
import { emitConv2d } from './kernels/conv2d/emit.js';
import { emitCopy } from './kernels/copy/emit.js';
import { emitDepthwise } from './kernels/depthwise/emit.js';
import { emitFused } from './kernels/fused/emit.js';
import { emitMatMul } from './kernels/matmul/emit.js';
import { emitPad } from './kernels/pad/emit.js';
import { emitPool } from './kernels/pool/emit.js';
import { emitReduce } from './kernels/reduce/emit.js';
import { emitSoftmax } from './kernels/softmax/emit.js';
import type { EmitContext, KernelDraft } from './kernel-draft.js';
import { isAliasDraft, lowerReshapeOrAlias, type AliasDraft } from './memory-plan.js';
import { WeightPacker } from './weights.js';

type Lowering<K extends OpKind> = (node: Node, op: OpOf<K>, ctx: EmitContext) => KernelDraft | KernelDraft[] | AliasDraft;
type LoweringTable = { readonly [K in OpKind]?: Lowering<K> };

/** Op kind → kernel emitter. An op kind absent here cannot be compiled. */
export const LOWERINGS: LoweringTable = {
  fused: emitFused,
  unary: emitUnary,
  binary: emitBinary,
  batchNorm: emitBatchNorm,
  conv2d: emitConv2d,
  depthwiseConv2d: emitDepthwise,
  matmul: emitMatMul,
  resize: emitResize,
  pool2d: emitPool,
  reduce: emitReduce,
  concat: emitConcat,
  pad: emitPad,
  reshape: lowerReshapeOrAlias(emitCopy),
  identity: lowerReshapeOrAlias(emitCopy),
  softmax: emitSoftmax,
};

export interface LoweredGraph {
  readonly kernels: readonly KernelDraft[];
  readonly weights: WeightPacker;
  readonly values: ValueIndex;
  /** Values lowered to no kernel (reshapes) → the value whose buffer they name (never itself an alias). */
  readonly aliases: ReadonlyMap<string, string>;
}

/** C identifiers from node names: `block_1/conv:0` → `block_1_conv_0`. */
function identifier(s: string): string {
  const id = s.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_');
  return /^[A-Za-z_]/.test(id) ? id : `n_${id}`;
}

export function lowerGraph(graph: Graph): LoweredGraph {
  const values = new ValueIndex(graph);
  const weights = new WeightPacker();
  const used = new Set<string>();
  const ctx: EmitContext = {
    values,
    weights,
    kernelName(node) {
      const base = `k${used.size}_${identifier(node.name)}`.slice(0, 60);
      let name = base;
      for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
      used.add(name);
      return name;
    },
  };
  const kernels: KernelDraft[] = [];
  const aliases = new Map<string, string>();
  for (const node of graph.nodes) {
    const lower = LOWERINGS[node.op.op] as Lowering<OpKind> | undefined;
    if (!lower) {
      throw new UserError(
        `node '${node.name}'${node.origin ? ` (${node.origin})` : ''}: the IR op '${node.op.op}' has no OpenCL kernel yet; kernels exist for ${Object.keys(LOWERINGS).join(', ')}.`,
      );
    }
    const out = lower(node, node.op, ctx);
    if (isAliasDraft(out)) aliases.set(out.alias, aliases.get(out.of) ?? out.of);
    else kernels.push(...(Array.isArray(out) ? out : [out]));
  }
  return { kernels, weights, values, aliases };
}
