/**
 * A mutable working copy of a graph for rewriting passes. Passes find a pattern, replace nodes
 * in place (a replacement keeps the position of the node it replaces, so the topological order
 * holds whenever the new node reads only values defined before that position), remove absorbed
 * nodes, and build a new immutable graph at the end. Use counts are recomputed lazily after each
 * change: graphs are hundreds of nodes, so an O(nodes) rebuild per rewrite is cheap and keeps
 * the bookkeeping obviously right.
 */
import { IrError, inferType, type Constant, type ConstantData, type Graph, type Node, type Op, type TensorType } from '../../ir/index.js';

export class GraphEditor {
  private readonly slots: (Node | undefined)[];
  private readonly position = new Map<string, number>();
  private readonly constantMap: Map<string, Constant>;
  private readonly types = new Map<string, TensorType>();
  private readonly outputList: string[];
  private useCounts: Map<string, number> | undefined;
  private consumerMap: Map<string, Node[]> | undefined;

  constructor(readonly graph: Graph) {
    this.slots = [...graph.nodes];
    this.constantMap = new Map(graph.constants);
    this.outputList = [...graph.outputs];
    for (const i of graph.inputs) this.types.set(i.name, i.type);
    for (const c of graph.constants.values()) this.types.set(c.name, c.type);
    this.slots.forEach((n, i) => {
      this.position.set(n!.name, i);
      this.types.set(n!.name, n!.type);
    });
  }

  /** The live nodes in order (a snapshot: later edits do not change the returned array). */
  nodes(): Node[] {
    return this.slots.filter((n): n is Node => n !== undefined);
  }

  /** The node currently producing `name`, if a node does (not a graph input or constant). */
  producer(name: string): Node | undefined {
    const i = this.position.get(name);
    return i === undefined ? undefined : this.slots[i];
  }

  type(name: string): TensorType {
    const t = this.types.get(name);
    if (!t) throw new IrError(`pass: unknown value '${name}'`);
    return t;
  }

  constant(name: string): Constant | undefined {
    return this.constantMap.get(name);
  }

  isOutput(name: string): boolean {
    return this.outputList.includes(name);
  }

  /** How many times `name` is read: every input slot of every node plus every graph output entry. */
  uses(name: string): number {
    this.index();
    return this.useCounts!.get(name) ?? 0;
  }

  /** Distinct nodes reading `name`, in graph order. */
  consumers(name: string): readonly Node[] {
    this.index();
    return this.consumerMap!.get(name) ?? [];
  }

  /**
   * The one node reading `name` when that is its only use and it is not a graph output — the
   * condition for absorbing `name`'s producer into its reader.
   */
  soleConsumer(name: string): Node | undefined {
    if (this.uses(name) !== 1 || this.isOutput(name)) return undefined;
    return this.consumers(name)[0];
  }

  /** Puts `node` where `oldName`'s node is; `node` may carry another name. */
  replace(oldName: string, node: Node): void {
    const i = this.position.get(oldName);
    if (i === undefined) throw new IrError(`pass: cannot replace '${oldName}', no node has that name`);
    if (node.name !== oldName) {
      if (this.types.has(node.name) && this.position.get(node.name) !== undefined) {
        throw new IrError(`pass: cannot rename '${oldName}' to '${node.name}', the name is taken`);
      }
      this.position.delete(oldName);
      this.types.delete(oldName);
    }
    this.slots[i] = node;
    this.position.set(node.name, i);
    this.types.set(node.name, node.type);
    this.changed();
  }

  /** Inserts `node` just before the node named `before`. */
  insertBefore(before: string, node: Node): void {
    const i = this.position.get(before);
    if (i === undefined) throw new IrError(`pass: cannot insert before '${before}', no node has that name`);
    if (this.position.has(node.name)) throw new IrError(`pass: cannot insert '${node.name}', the name is taken`);
    this.slots.splice(i, 0, node);
    this.position.clear();
    this.slots.forEach((n, j) => n && this.position.set(n.name, j));
    this.types.set(node.name, node.type);
    this.changed();
  }

  remove(name: string): void {
    const i = this.position.get(name);
    if (i === undefined) throw new IrError(`pass: cannot remove '${name}', no node has that name`);
    this.slots[i] = undefined;
    this.position.delete(name);
    this.types.delete(name);
    this.changed();
  }

  /** Points every node input reading `from` at `to` (graph outputs are left alone). */
  rewire(from: string, to: string): void {
    this.slots.forEach((n, i) => {
      if (n && n.inputs.includes(from)) this.slots[i] = { ...n, inputs: n.inputs.map((x) => (x === from ? to : x)) };
    });
    this.changed();
  }

  /** A value name not used yet, derived from `base`. */
  fresh(base: string): string {
    if (!this.types.has(base)) return base;
    for (let i = 1; ; i++) if (!this.types.has(`${base}_${i}`)) return `${base}_${i}`;
  }

  /** Adds a constant (f32, or i32/u8 by its array kind) under a fresh name derived from `base`; returns the name. */
  addConstant(base: string, data: ConstantData, shape: readonly number[]): string {
    const name = this.fresh(base);
    const dtype = data instanceof Float32Array ? 'f32' : data instanceof Int32Array ? 'i32' : 'u8';
    const type: TensorType = { dtype, shape: [...shape] };
    this.constantMap.set(name, { name, type, data });
    this.types.set(name, type);
    return name;
  }

  /** A node of `op` reading `inputs`, typed by shape inference (a mistake here is a pass bug). */
  makeNode(name: string, op: Op, inputs: readonly string[], origin: string | undefined): Node {
    let type: TensorType;
    try {
      type = inferType(name, op, inputs.map((i) => this.type(i)));
    } catch (e) {
      throw new IrError(`pass built an ill-typed node: ${(e as Error).message}`);
    }
    return origin === undefined ? { name, op, inputs: [...inputs], type } : { name, op, inputs: [...inputs], type, origin };
  }

  /** The edited graph; constants no node or output reads any more are dropped. */
  build(): Graph {
    const nodes = this.nodes();
    const read = new Set([...nodes.flatMap((n) => n.inputs), ...this.outputList]);
    const constants = new Map([...this.constantMap].filter(([k]) => read.has(k)));
    return { ...this.graph, nodes, constants, outputs: [...this.outputList] };
  }

  private changed() {
    this.useCounts = undefined;
    this.consumerMap = undefined;
  }

  private index() {
    if (this.useCounts) return;
    const counts = new Map<string, number>();
    const consumers = new Map<string, Node[]>();
    for (const n of this.slots) {
      if (!n) continue;
      for (const input of n.inputs) {
        counts.set(input, (counts.get(input) ?? 0) + 1);
        const list = consumers.get(input) ?? [];
        if (list[list.length - 1] !== n) list.push(n);
        consumers.set(input, list);
      }
    }
    for (const o of this.outputList) counts.set(o, (counts.get(o) ?? 0) + 1);
    this.useCounts = counts;
    this.consumerMap = consumers;
  }
}

/** Joins the distinct source origins of the nodes a rewrite merges (`Conv2D 'a' + ReLU 'b'`). */
export function mergeOrigins(nodes: readonly Node[]): string | undefined {
  const parts: string[] = [];
  for (const n of nodes) {
    for (const p of (n.origin ?? '').split(' + ')) if (p && !parts.includes(p)) parts.push(p);
  }
  return parts.length ? parts.join(' + ') : undefined;
}
