/**
 * Builds a graph node by node, inferring each node's type as it is added, so frontends and
 * tests never write output shapes by hand.
 */
import type { Constant, ConstantData, Graph, GraphInput, Node } from './graph.js';
import type { Op } from './ops.js';
import { inferType, ShapeError } from './shape-inference.js';
import { numElements, type DType, type Shape, type TensorType } from './types.js';

export class GraphBuilder {
  private readonly inputList: GraphInput[] = [];
  private readonly constantMap = new Map<string, Constant>();
  private readonly nodeList: Node[] = [];
  private readonly types = new Map<string, TensorType>();

  constructor(readonly name: string) {}

  input(name: string, dtype: DType, shape: Shape): string {
    this.claim(name);
    const type = { dtype, shape: [...shape] };
    this.inputList.push({ name, type });
    this.types.set(name, type);
    return name;
  }

  constant(name: string, data: ConstantData, shape: Shape): string {
    this.claim(name);
    if (numElements(shape) !== data.length) {
      throw new ShapeError(name, `constant has ${data.length} elements, its shape [${shape.join(',')}] needs ${numElements(shape)}`);
    }
    const dtype: DType = data instanceof Float32Array ? 'f32' : data instanceof Int32Array ? 'i32' : 'u8';
    const type = { dtype, shape: [...shape] };
    this.constantMap.set(name, { name, type, data });
    this.types.set(name, type);
    return name;
  }

  /** Adds a node; its type comes from shape inference. Returns the output value's name. */
  node(name: string, op: Op, inputs: readonly string[], origin?: string): string {
    this.claim(name);
    const inputTypes = inputs.map((i) => {
      const t = this.types.get(i);
      if (!t) throw new ShapeError(name, `input '${i}' is not defined before it is used`);
      return t;
    });
    const type = inferType(name, op, inputTypes);
    this.nodeList.push(origin === undefined ? { name, op, inputs: [...inputs], type } : { name, op, inputs: [...inputs], type, origin });
    this.types.set(name, type);
    return name;
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  type(name: string): TensorType {
    const t = this.types.get(name);
    if (!t) throw new Error(`unknown value '${name}'`);
    return t;
  }

  getConstant(name: string): Constant | undefined {
    return this.constantMap.get(name);
  }

  /** A name not used yet, derived from `base`. */
  fresh(base: string): string {
    if (!this.types.has(base)) return base;
    for (let i = 1; ; i++) if (!this.types.has(`${base}_${i}`)) return `${base}_${i}`;
  }

  build(outputs: readonly string[]): Graph {
    for (const o of outputs) if (!this.types.has(o)) throw new ShapeError(o, 'graph output is not defined');
    // Keep only the constants that some node reads (frontends may register unused ones).
    const used = new Set(this.nodeList.flatMap((n) => n.inputs));
    for (const o of outputs) used.add(o);
    const constants = new Map([...this.constantMap].filter(([k]) => used.has(k)));
    return { name: this.name, inputs: [...this.inputList], constants, nodes: [...this.nodeList], outputs: [...outputs] };
  }

  private claim(name: string) {
    if (this.types.has(name)) throw new ShapeError(name, 'the name is defined twice');
  }
}
