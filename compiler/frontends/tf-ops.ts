/**
 * The TensorFlow op mapping, shared by every frontend of TensorFlow graphs (TF.js graph models
 * now, frozen GraphDef `.pb` later).
 *
 * Input: format-neutral node records — a name, an op type, input references in GraphDef form
 * (`node`, `node:1`, `^control`), a typed attribute accessor, and for `Const` nodes the decoded
 * value — plus the graph's function library. Output: a verified IR graph.
 *
 * Algorithm: the graph outputs (given, or every node nobody consumes) are walked back through
 * their data inputs; only that subgraph is imported, in a topological order of its own (a
 * GraphDef need not list nodes in order). Values are keyed `node:index`. A node whose data inputs
 * are all compile-time constants (and Shape/Size/Rank of anything) is evaluated at import
 * (`tf-const-eval.ts`) and stays a constant; every other node goes through one handler of the op
 * table (`tf-ops-nn.ts`, `tf-ops-math.ts`, `tf-ops-shape.ts`, `tf-control-flow.ts`). Constants
 * become IR tensors only when an op reads them as data, so shape, axis and padding inputs are
 * read as numbers. A handler returns one value per output (Split, Unpack, If have several). The
 * last IR node of an expansion carries the TF node's name (`name:k` for output k > 0), so every
 * IR value that stands for a TF node has that node's name and the graph outputs are TF names.
 * `If` with a constant condition imports the taken library function in place, its node names
 * prefixed with the If's.
 *
 * Anything edgecl cannot compile — an unknown op, an attribute value outside what the IR
 * expresses, an output edgecl does not import — is one `FrontendError` naming the op, the node
 * and the file.
 */
import { GraphBuilder } from '../../ir/builder.js';
import type { Graph } from '../../ir/graph.js';
import { verify } from '../../ir/verifier.js';
import { FrontendError, NameAllocator, addNode, checkInputShapeNames, resolveInputShape, unsupportedError, type FrontendOptions } from './common.js';
import { canFold, FOLDED_TF_OPS, foldTfNode } from './tf-const-eval.js';
import { CONTROL_HANDLERS } from './tf-control-flow.js';
import { parseTfRef, tensorValue, type Ctx, type Handler, type TfAttrs, type TfFunctionRecord, type TfNodeRecord, type Value } from './tf-context.js';
import { MATH_HANDLERS } from './tf-ops-math.js';
import { NN_HANDLERS } from './tf-ops-nn.js';
import { SHAPE_HANDLERS } from './tf-ops-shape.js';

export { parseTfRef } from './tf-context.js';
export type { TfAttrs, TfFunctionRecord, TfNodeRecord, TfRef, TfTensorValue } from './tf-context.js';

export interface TfImportOptions extends FrontendOptions {
  /** The model file, named in every message. */
  readonly file: string;
  /** Name of the IR graph. */
  readonly graphName: string;
  /** Output references (`node` or `node:0`); default: every node nobody consumes but Const/NoOp. */
  readonly outputs?: readonly string[];
  /** The graph's function library (branches of If). */
  readonly functions?: readonly TfFunctionRecord[];
}

/**
 * The default outputs of a TF graph: nodes that no other node consumes (data or control
 * input), except `Const` and `NoOp` — TensorFlow.js's rule, minus dangling constants.
 */
export function defaultTfOutputs(nodes: readonly Pick<TfNodeRecord, 'name' | 'op' | 'inputs'>[]): string[] {
  const consumed = new Set<string>();
  for (const n of nodes) for (const i of n.inputs) consumed.add(parseTfRef(i).node);
  return nodes.filter((n) => !consumed.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => n.name);
}

const HANDLERS: Readonly<Record<string, Handler>> = { ...SHAPE_HANDLERS, ...MATH_HANDLERS, ...NN_HANDLERS, ...CONTROL_HANDLERS };

/** Every TF op type the mapping knows: handled ops, ops evaluated at compile time, `Placeholder`, `Const`, `NoOp`. */
export const SUPPORTED_TF_OPS: readonly string[] = [...new Set([...Object.keys(HANDLERS), ...FOLDED_TF_OPS, 'Placeholder', 'Const', 'NoOp'])].sort();

/** Thrown by attribute accessors when an attribute has an unexpected form. */
export class AttrTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttrTypeError';
  }
}

/** The attributes of a function argument (it has none). */
const NO_ATTRS: TfAttrs = {
  has: () => false,
  string: () => undefined,
  int: () => undefined,
  float: () => undefined,
  bool: () => undefined,
  ints: () => undefined,
  floats: () => undefined,
  strings: () => undefined,
  type: () => undefined,
  shape: () => undefined,
  func: () => undefined,
};

/** The op of the records that stand for a function's arguments while its body is imported. */
const ARG_OP = '_FunctionArg';

/** The nodes of the main graph or of one inlined function, and the values imported so far. */
interface Scope {
  readonly byName: ReadonlyMap<string, TfNodeRecord>;
  /** `node:index` → value. */
  readonly values: Map<string, Value>;
  /** '' for the main graph; for an inlined function, the IR-name prefix of its nodes. */
  readonly prefix: string;
  /** Where the nodes are, for messages: '' or ` in function 'f'`. */
  readonly where: string;
}

// ---------------------------------------------------------------------------------------------
// The importer

/** Imports a TF graph (node records) into a verified IR graph. */
export function importTfGraph(nodes: readonly TfNodeRecord[], options: TfImportOptions): Graph {
  return new TfImporter(nodes, options).run();
}

class TfImporter {
  private readonly file: string;
  private readonly b: GraphBuilder;
  private readonly names: NameAllocator;
  private readonly main: Scope;
  private readonly functions = new Map<string, TfFunctionRecord>();
  /** Functions being inlined, innermost last (a function that calls itself cannot be inlined). */
  private readonly calls: string[] = [];

  constructor(
    private readonly nodes: readonly TfNodeRecord[],
    private readonly options: TfImportOptions,
  ) {
    this.file = options.file;
    const byName = new Map<string, TfNodeRecord>();
    for (const n of nodes) {
      if (byName.has(n.name)) throw new FrontendError(`${this.file} defines the node '${n.name}' twice.`);
      byName.set(n.name, n);
    }
    for (const f of options.functions ?? []) this.functions.set(f.name, f);
    this.b = new GraphBuilder(options.graphName);
    this.names = new NameAllocator(byName.keys());
    this.main = { byName, values: new Map(), prefix: '', where: '' };
  }

  run(): Graph {
    const { file, b, main, nodes, options } = this;
    const placeholders = nodes.filter((n) => n.op === 'Placeholder').map((n) => n.name);
    checkInputShapeNames(options, placeholders, file);

    const outputRefs = (options.outputs ?? defaultTfOutputs(nodes)).map(parseTfRef);
    if (outputRefs.length === 0) throw new FrontendError(`${file} has no outputs: every node is consumed by another one.`);
    for (const r of outputRefs) {
      if (!main.byName.has(r.node)) throw new FrontendError(`the output '${r.node}' named in ${file} is not a node of its graph.`);
    }
    const order = topologicalOrder(outputRefs.map((r) => r.node), main, file);

    // Graph inputs in the GraphDef's order (as TF.js lists them), not in visiting order.
    const reachable = new Set(order.map((n) => n.name));
    for (const node of nodes) {
      if (node.op !== 'Placeholder' || !reachable.has(node.name)) continue;
      let dtype: string | undefined;
      let declared: number[] | null | undefined;
      try {
        dtype = node.attrs.type('dtype');
        declared = node.attrs.shape('shape');
      } catch (e) {
        if (e instanceof AttrTypeError) throw new FrontendError(`node '${node.name}' (Placeholder) in ${file}: ${e.message}.`);
        throw e;
      }
      if (dtype !== undefined && dtype !== 'DT_FLOAT') {
        throw new FrontendError(`node '${node.name}' (Placeholder) in ${file}: input dtype ${dtype} is not supported; edgecl inputs are DT_FLOAT.`);
      }
      b.input(node.name, 'f32', resolveInputShape(node.name, declared ?? undefined, options, file));
    }

    for (const node of order) this.importNode(main, node);

    const outputs: string[] = [];
    for (const r of outputRefs) {
      const v = main.values.get(`${r.node}:${r.index}`);
      const op = main.byName.get(r.node)!.op;
      if (!v) throw new FrontendError(`the output '${r.node}:${r.index}' of ${file} is output ${r.index} of a ${op} node, which edgecl does not import.`);
      const wanted = r.index === 0 ? r.node : `${r.node}:${r.index}`;
      let name = this.materialize(v);
      if (name !== wanted) {
        // An aliasing node (Identity of another value, an If branch returning its argument) is a
        // graph output: give it its own name.
        name = b.has(wanted) ? wanted : addNode(b, wanted, { op: 'identity' }, [name], `${op} '${r.node}'`, file);
      }
      outputs.push(name);
    }
    const graph = b.build(outputs);
    verify(graph, 'import');
    return graph;
  }

  /** A value as an IR value name; a constant becomes an IR constant the first time. */
  private materialize(v: Value): string {
    if (v.kind === 'tensor') return v.name;
    if (!this.b.has(v.node)) {
      const t = v.value;
      const data = t.data instanceof Float32Array || t.data instanceof Int32Array ? t.data : Uint8Array.from(t.data);
      this.b.constant(v.node, data, t.shape);
    }
    return v.node;
  }

  private importNode(scope: Scope, node: TfNodeRecord): void {
    const { b, names, file } = this;
    if (node.op === ARG_OP) return; // seeded by callFunction
    const origin = `${node.op} '${node.name}'`;
    const fail = (msg: string): never => {
      throw new FrontendError(`node '${node.name}' (${node.op})${scope.where} in ${file}: ${msg}.`);
    };
    const guard = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof AttrTypeError) return fail(e.message);
        throw e;
      }
    };
    // The IR name of the value that stands for this node: its own name in the main graph (all
    // of those are reserved), a fresh prefixed one inside an inlined function.
    const primary = scope.prefix ? names.fresh(`${scope.prefix}/${node.name}`) : node.name;
    const set = (outs: readonly Value[]) => outs.forEach((v, k) => scope.values.set(`${node.name}:${k}`, v));

    if (node.op === 'Placeholder') {
      if (scope.prefix) fail('a Placeholder inside a function is not supported');
      return set([tensorValue(node.name)]);
    }
    if (node.op === 'NoOp') return fail('a NoOp has no output to read');
    if (node.op === 'Const') {
      if (!node.value) fail('the constant has no value');
      return set([{ kind: 'const', node: primary, value: node.value! }]);
    }

    const refs = node.inputs.map(parseTfRef).filter((r) => !r.control);
    const inputs = refs.map((r) => {
      const v = scope.values.get(`${r.node}:${r.index}`);
      if (v) return v;
      const producer = scope.byName.get(r.node)!;
      return fail(`reads output ${r.index} of '${r.node}' (${producer.op}), which edgecl does not import (it imports ${countOutputs(scope, r.node)} of that op)`);
    });
    const shapeOf = (v: Value) => (v.kind === 'const' ? v.value.shape : b.type(v.name).shape);

    const foldInputs = inputs.map((v) => (v.kind === 'const' ? { shape: v.value.shape, value: v.value } : { shape: shapeOf(v) }));
    if (canFold(node.op, foldInputs)) {
      const outs = guard(() => foldTfNode(node.op, foldInputs, node.attrs, fail));
      return set(outs.map((value, k) => ({ kind: 'const', node: k === 0 ? primary : names.fresh(`${primary}:${k}`), value })));
    }

    const handler = HANDLERS[node.op];
    if (!handler) {
      if (FOLDED_TF_OPS.includes(node.op)) {
        const i = inputs.findIndex((v) => v.kind !== 'const');
        fail(`edgecl evaluates ${node.op} only at compile time, and its input ${i} is computed at run time`);
      }
      throw unsupportedError('op', node.op, node.name, file, SUPPORTED_TF_OPS);
    }
    const input = (i: number): Value => inputs[i] ?? fail(`input ${i} is missing`);
    const ctx: Ctx = {
      node,
      attrs: node.attrs,
      refs,
      fail,
      input,
      isConst: (i) => input(i).kind === 'const',
      tensor: (i) => this.materialize(input(i)),
      shapeOf: (i) => shapeOf(input(i)),
      constNumbers: (i, what) => {
        const v = input(i);
        if (v.kind !== 'const') return fail(`its ${what} (input ${i}) must be a constant; edgecl cannot compile computed ${what}`);
        return { shape: v.value.shape, values: Array.from(v.value.data) };
      },
      emit: (op, ins, suffix) => addNode(b, suffix === undefined ? primary : names.fresh(`${primary}/${suffix}`), op, ins, origin, file),
      emitOutput: (k, op, ins) => addNode(b, k === 0 ? primary : names.fresh(`${primary}:${k}`), op, ins, origin, file),
      addConstant: (suffix, data, shape) => b.constant(names.fresh(`${primary}/${suffix}`), data, shape),
      arity: (min, max = min) => {
        if (refs.length < min || refs.length > max) {
          fail(`expects ${min === max ? min : `${min} to ${max}`} data inputs, got ${refs.length}`);
        }
      },
      callFunction: (name, args) => this.callFunction(name, args, primary, fail),
    };
    const out = guard(() => handler(ctx));
    set(Array.isArray(out) ? out : [out]);
  }

  /**
   * Imports the body of library function `name` with `args` bound to its input arguments; its
   * node names get the prefix `prefix/`. Returns its outputs in `outputArg` order.
   */
  private callFunction(name: string, args: readonly Value[], prefix: string, fail: (msg: string) => never): Value[] {
    const fn = this.functions.get(name);
    if (!fn) return fail(`calls the function '${name}', which the graph's function library does not define`);
    if (this.calls.includes(name)) return fail(`the function '${name}' calls itself; edgecl cannot inline recursion`);
    if (args.length !== fn.inputArgs.length) fail(`passes ${args.length} arguments to the function '${name}', which takes ${fn.inputArgs.length}`);
    const where = ` in function '${name}'`;
    const byName = new Map<string, TfNodeRecord>();
    for (const n of fn.nodes) {
      if (byName.has(n.name)) throw new FrontendError(`the function '${name}' in ${this.file} defines the node '${n.name}' twice.`);
      byName.set(n.name, n);
    }
    const scope: Scope = { byName, values: new Map(), prefix, where };
    fn.inputArgs.forEach((arg, i) => {
      if (byName.has(arg)) throw new FrontendError(`the function '${name}' in ${this.file} has a node and an argument both named '${arg}'.`);
      byName.set(arg, { name: arg, op: ARG_OP, inputs: [], attrs: NO_ATTRS });
      scope.values.set(`${arg}:0`, args[i]!);
    });
    const rets = fn.outputArgs.map((o) => {
      const ref = fn.ret[o];
      if (ref === undefined) throw new FrontendError(`the function '${name}' in ${this.file} returns no value for its output '${o}'.`);
      const r = parseTfRef(ref);
      if (!byName.has(r.node)) throw new FrontendError(`the function '${name}' in ${this.file} returns '${ref}', which is not a node of the function.`);
      return r;
    });
    const order = topologicalOrder(
      rets.map((r) => r.node),
      scope,
      this.file,
    );
    this.calls.push(name);
    try {
      for (const node of order) this.importNode(scope, node);
    } finally {
      this.calls.pop();
    }
    return rets.map((r) => {
      const v = scope.values.get(`${r.node}:${r.index}`);
      if (!v) throw new FrontendError(`the function '${name}' in ${this.file} returns output ${r.index} of '${r.node}' (${byName.get(r.node)!.op}), which edgecl does not import.`);
      return v;
    });
  }
}

/** How many outputs of `node` the import produced (for the message about a missing one). */
function countOutputs(scope: Scope, node: string): string {
  let k = 0;
  while (scope.values.has(`${node}:${k}`)) k++;
  return k <= 1 ? 'only the first output' : `outputs 0 to ${k - 1}`;
}

/** Data-input order of the subgraph that computes `roots`; rejects cycles and dangling inputs. */
function topologicalOrder(roots: readonly string[], scope: Scope, file: string): TfNodeRecord[] {
  const { byName, where } = scope;
  const state = new Map<string, 1 | 2>(); // 1: on the stack, 2: done
  const order: TfNodeRecord[] = [];
  for (const root of roots) {
    if (state.get(root) === 2) continue;
    const stack: { node: TfNodeRecord; next: number; deps: string[] }[] = [];
    const push = (name: string, from?: string) => {
      const node = byName.get(name);
      if (!node) throw new FrontendError(`node '${from}'${where} in ${file} reads '${name}', which is not a node of the ${where ? 'function' : 'graph'}.`);
      state.set(name, 1);
      const deps = node.inputs.map(parseTfRef).filter((r) => !r.control).map((r) => r.node);
      stack.push({ node, next: 0, deps });
    };
    push(root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.deps.length) {
        const dep = top.deps[top.next++]!;
        const s = state.get(dep);
        if (s === 2) continue;
        if (s === 1) {
          throw new FrontendError(
            `the graph in ${file} has a cycle through '${dep}' (${byName.get(dep)!.op})${where}; edgecl cannot compile loops (control flow is not supported).`,
          );
        }
        push(dep, top.node.name);
      } else {
        stack.pop();
        state.set(top.node.name, 2);
        order.push(top.node);
      }
    }
  }
  return order;
}
