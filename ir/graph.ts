/**
 * The IR graph: named graph inputs, named constants, nodes in topological order, and named
 * graph outputs. Every node has exactly one output value, named after the node, so a value
 * name identifies either a graph input, a constant or a node.
 */
import type { Op } from './ops.js';
import type { TensorType } from './types.js';

export interface GraphInput {
  readonly name: string;
  readonly type: TensorType;
}

export type ConstantData = Float32Array | Int32Array | Uint8Array;

/** A tensor known at compile time (weights, biases, folded parameters). */
export interface Constant {
  readonly name: string;
  readonly type: TensorType;
  readonly data: ConstantData;
}

export interface Node {
  /** Unique; also the name of the node's output value. */
  readonly name: string;
  readonly op: Op;
  /** Names of input values (graph inputs, constants or earlier nodes). */
  readonly inputs: readonly string[];
  /** Type of the output, as shape inference computed it. */
  readonly type: TensorType;
  /** Where the node came from in the source model (`Conv2D 'block1/conv'`), for messages. */
  readonly origin?: string;
}

export interface Graph {
  readonly name: string;
  readonly inputs: readonly GraphInput[];
  readonly constants: ReadonlyMap<string, Constant>;
  readonly nodes: readonly Node[];
  readonly outputs: readonly string[];
}

/** Type of any value of the graph, or undefined when the name is unknown. */
export function valueType(g: Graph, name: string): TensorType | undefined {
  const c = g.constants.get(name);
  if (c) return c.type;
  const i = g.inputs.find((x) => x.name === name);
  if (i) return i.type;
  return g.nodes.find((n) => n.name === name)?.type;
}

/** An index of a graph's values for repeated look-ups. */
export class ValueIndex {
  private readonly types = new Map<string, TensorType>();
  private readonly producers = new Map<string, Node>();
  private readonly consumerMap = new Map<string, Node[]>();

  constructor(readonly graph: Graph) {
    for (const i of graph.inputs) this.types.set(i.name, i.type);
    for (const c of graph.constants.values()) this.types.set(c.name, c.type);
    for (const n of graph.nodes) {
      this.types.set(n.name, n.type);
      this.producers.set(n.name, n);
      for (const input of n.inputs) {
        const list = this.consumerMap.get(input) ?? [];
        list.push(n);
        this.consumerMap.set(input, list);
      }
    }
  }

  type(name: string): TensorType {
    const t = this.types.get(name);
    if (!t) throw new Error(`unknown value '${name}'`);
    return t;
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  producer(name: string): Node | undefined {
    return this.producers.get(name);
  }

  consumers(name: string): readonly Node[] {
    return this.consumerMap.get(name) ?? [];
  }

  constant(name: string) {
    return this.graph.constants.get(name);
  }

  isConstant(name: string): boolean {
    return this.graph.constants.has(name);
  }
}
