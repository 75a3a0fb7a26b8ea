/**
 * Lowering: each IR node becomes one or more kernel drafts, chosen by op kind from one typed
 * table — or none: a reshape/identity of an intermediate value becomes an alias of its input's
 * buffer (memory-plan.ts). Fusion happens before, in compiler/passes: a `fused` node arrives here
 * as one node and its family's emitter renders its load and epilogue.
 *
 * Concat slice stores (a lowering choice; the IR keeps its concat): an input of a last-axis
 * concat is stored by its producer's kernel straight into the concat's buffer at its channel
 * offset when that producer is a kernel of a family that stores through ParamList.store
 * (SLICE_STORE_FAMILIES), the concat is the value's only reader, and the value is no graph output
 * and appears once among the concat's inputs. The concat then copies only its other inputs (graph
 * inputs, constants, shared values), or emits no kernel. The producer's kernel lists the concat
 * among its nodes, and the value gets no buffer of its own (memory-plan.ts).
 */
import { UserError, type Graph, type Node, type OpKind, type OpOf, ValueIndex } from '../ir/index.js';
import { emitArgMax } from './kernels/argmax/emit.js';
import { emitBatchNorm, emitBinary, emitResize, emitUnary } from './kernels/elementwise/emit.js';
import { emitConcat } from './kernels/concat/emit.js';
import { emitConv2d } from './kernels/conv2d/emit.js';
import { emitConv2dTranspose } from './kernels/conv2d-transpose/emit.js';
import { emitCopy } from './kernels/copy/emit.js';
import { emitDepthwise } from './kernels/depthwise/emit.js';
import { emitFused } from './kernels/fused/emit.js';
import { lowerGatherCopy } from './kernels/gather-copy/emit.js';
import { emitMatMul } from './kernels/matmul/emit.js';
import { emitPad } from './kernels/pad/emit.js';
import { emitPool } from './kernels/pool/emit.js';
import { emitReduce } from './kernels/reduce/emit.js';
import { emitSoftmax } from './kernels/softmax/emit.js';
import type { EmitContext, KernelDraft, SliceStore } from './kernel-draft.js';
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
  argMax: emitArgMax,
  transpose: lowerGatherCopy,
  slice: lowerGatherCopy,
  gather: lowerGatherCopy,
  tile: lowerGatherCopy,
  conv2dTranspose: emitConv2dTranspose,
};

export interface LoweredGraph {
  readonly kernels: readonly KernelDraft[];
  readonly weights: WeightPacker;
  readonly values: ValueIndex;
  /** Values lowered to no kernel (reshapes) → the value whose buffer they name (never itself an alias). */
  readonly aliases: ReadonlyMap<string, string>;
  /** Values their producer stores as a channel slice of a concat (see above) → where. */
  readonly slices: ReadonlyMap<string, SliceStore>;
}

/** Node kinds whose kernel stores its output through ParamList.store, so it can write a concat slice. */
const SLICE_STORE_FAMILIES: ReadonlySet<string> = new Set(['conv2d', 'depthwiseConv2d', 'pool2d', 'unary', 'binary', 'batchNorm', 'resize', 'fused:conv2d', 'fused:depthwiseConv2d', 'conv2dTranspose', 'fused:conv2dTranspose', 'fused:pool2d', 'fused:identity']);

function familyOf(node: Node): string {
  return node.op.op === 'fused' ? `fused:${node.op.main.op}` : node.op.op;
}

/** The concat inputs that their producers store in place (see the note at the top). */
export function planSliceStores(graph: Graph, values: ValueIndex): Map<string, SliceStore> {
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const v of n.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
  const producer = new Map(graph.nodes.map((n) => [n.name, n]));
  const outputs = new Set(graph.outputs);
  const slices = new Map<string, SliceStore>();
  for (const node of graph.nodes) {
    if (node.op.op !== 'concat') continue;
    const shape = node.type.shape;
    if (node.op.axis !== shape.length - 1 || node.type.dtype !== 'f32') continue;
    const total = shape[shape.length - 1]!;
    let offset = 0;
    for (const v of node.inputs) {
      const p = producer.get(v);
      const channels = values.type(v).shape[shape.length - 1]!;
      const eligible = p !== undefined && channels > 0 && SLICE_STORE_FAMILIES.has(familyOf(p)) && readers.get(v) === 1 && !outputs.has(v);
      if (eligible) slices.set(v, { into: node.name, offset, channels, total });
      offset += channels;
    }
  }
  return slices;
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
  const slices = planSliceStores(graph, values);
  const ctx: EmitContext = {
    values,
    weights,
    slices,
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
    else {
      const drafts = Array.isArray(out) ? out : [out];
      const into = slices.get(node.name)?.into;
      kernels.push(...(into ? drafts.map((d) => ({ ...d, nodes: [...d.nodes, into] })) : drafts));
    }
  }
  return { kernels, weights, values, aliases, slices };
}
