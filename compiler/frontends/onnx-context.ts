/**
 * The state of one ONNX import: ONNX value names → values (a folded constant, or an IR value
 * that keeps ONNX's own NCHW layout), the node being imported, and the helpers every op handler
 * uses. An IR op whose inputs are all constants is evaluated at once by the float64 reference
 * interpreter (`evaluateOp`), so shape arithmetic and weight re-layouts (OIHW → HWIO is an IR
 * transpose of a constant) fold with the very semantics the IR has.
 */
import { GraphBuilder } from '../../ir/builder.js';
import type { Op } from '../../ir/ops.js';
import { evaluateOp, refTensor } from '../../ir/reference/index.js';
import { inferType, ShapeError } from '../../ir/shape-inference.js';
import { addNode, FrontendError, NameAllocator } from './common.js';
import { int64, type Msg } from './onnx-file.js';
import { decodeTensor, type ConstTensor } from './onnx-tensor.js';

export type OnnxValue =
  | { readonly kind: 'const'; readonly t: ConstTensor }
  | { readonly kind: 'ir'; readonly name: string; readonly shape: readonly number[] };

export const constValue = (t: ConstTensor): OnnxValue => ({ kind: 'const', t });

/** Attributes of one node, by name. */
export class Attrs {
  private readonly map = new Map<string, Msg>();

  /** `list`: the node's AttributeProto messages (kept so a handler wrapper can rewrite them). */
  constructor(readonly list: readonly Msg[], private readonly ctx: OnnxContext) {
    for (const a of list) this.map.set(String(a['name'] ?? ''), a);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  int(name: string, dflt: number): number {
    const a = this.map.get(name);
    return a ? int64(a['i']) : dflt;
  }

  float(name: string, dflt: number): number {
    const a = this.map.get(name);
    return a && typeof a['f'] === 'number' ? (a['f'] as number) : dflt;
  }

  ints(name: string): number[] | undefined {
    const a = this.map.get(name);
    return a ? ((a['ints'] as unknown[] | undefined) ?? []).map(int64) : undefined;
  }

  floats(name: string): number[] | undefined {
    const a = this.map.get(name);
    return a ? [...((a['floats'] as number[] | undefined) ?? [])] : undefined;
  }

  string(name: string, dflt: string): string {
    const a = this.map.get(name);
    const s = a?.['s'];
    return s instanceof Uint8Array ? new TextDecoder().decode(s) : dflt;
  }

  tensor(name: string): ConstTensor | undefined {
    const a = this.map.get(name);
    const t = a?.['t'] as Msg | undefined;
    return t ? decodeTensor(t, `attribute '${name}' of ${this.ctx.where()}`, this.ctx.file) : undefined;
  }
}

export class OnnxContext {
  readonly b: GraphBuilder;
  readonly values = new Map<string, OnnxValue>();
  readonly names: NameAllocator;
  private readonly materialized = new Map<ConstTensor, string>();
  /**
   * IR value (NCHW, rank 4) → the NHWC value it is the transpose of. Element-wise ops, batch
   * norm and channel concats of such values run on the NHWC values, so the layout transposes at
   * import sit only where ONNX semantics need NCHW; the ones left unread are dead code.
   */
  private readonly nhwcOf = new Map<string, OnnxValue>();
  /** The node being imported: its name (or first output), op type, inputs, outputs. */
  node = { name: '', opType: '', inputs: [] as string[], outputs: [] as string[] };
  attrs!: Attrs;

  constructor(readonly file: string, readonly opset: number, graphName: string, reserved: Iterable<string>) {
    this.b = new GraphBuilder(graphName);
    this.names = new NameAllocator(reserved);
  }

  /** "node 'conv1' (Conv)" — for messages. */
  where(): string {
    return `node '${this.node.name}' (${this.node.opType})`;
  }

  fail(msg: string): never {
    throw new FrontendError(`${this.where()} in ${this.file}: ${msg}`);
  }

  /** Input `i` of the current node, undefined when absent or named ''. */
  opt(i: number): OnnxValue | undefined {
    const name = this.node.inputs[i];
    if (name === undefined || name === '') return undefined;
    const v = this.values.get(name);
    if (!v) this.fail(`input '${name}' is not defined before it is used`);
    return v;
  }

  in(i: number): OnnxValue {
    const v = this.opt(i);
    if (!v) this.fail(`needs input ${i + 1}`);
    return v;
  }

  /** Input `i` as a compile-time constant (what = what it is, for the message). */
  constIn(i: number, what: string): ConstTensor {
    const v = this.in(i);
    if (v.kind !== 'const') this.fail(`its ${what} (input '${this.node.inputs[i]}') must be a constant; edgecl compiles static graphs only`);
    return v.t;
  }

  /** Optional constant input as plain numbers. */
  constInts(i: number, what: string): number[] | undefined {
    if (!this.opt(i)) return undefined;
    return [...this.constIn(i, what).data];
  }

  /**
   * Registers `v` under a fresh ONNX-side name derived from the current node (`<node>/<what>`),
   * so a handler that composes an op from others can feed `v` to them as an input name.
   */
  bind(v: OnnxValue, what: string): string {
    const id = this.names.fresh(`${this.node.outputs[0] || this.node.name}/${what}`);
    this.values.set(id, v);
    return id;
  }

  shapeOf(v: OnnxValue): readonly number[] {
    return v.kind === 'const' ? v.t.dims : v.shape;
  }

  /** The IR value name of `v`, adding a constant for a folded tensor the first time. */
  irName(v: OnnxValue): string {
    if (v.kind === 'ir') return v.name;
    let name = this.materialized.get(v.t);
    if (!name) {
      // An initializer used as it is keeps its ONNX name; folded tensors get a derived one.
      const own = this.initializerNames.get(v.t);
      name = own !== undefined && !this.b.has(own) ? own : this.names.fresh(`${this.node.outputs[0] || this.node.name}/const`);
      const f32 = Float32Array.from(v.t.data);
      this.b.constant(name, f32, [...v.t.dims]);
      this.materialized.set(v.t, name);
    }
    return name;
  }

  /** Initializers by tensor: their ONNX names, used when one becomes an IR constant. */
  readonly initializerNames = new Map<ConstTensor, string>();

  /**
   * Applies one IR op. All-constant inputs fold (int-ness kept when every input is integer);
   * otherwise an IR node is added, named `name` when given (an ONNX output name, reserved), else
   * a fresh name derived from the current node's first output and `suffix`.
   */
  emit(op: Op, inputs: readonly OnnxValue[], suffix: string, name?: string): OnnxValue {
    if (inputs.every((v) => v.kind === 'const')) {
      const ts = inputs.map((v) => (v as { t: ConstTensor }).t);
      try {
        const type = inferType(this.node.name, op, ts.map((t) => ({ dtype: 'f32', shape: [...t.dims] })));
        const data = evaluateOp(op, ts.map((t) => refTensor(t.dims, t.data)), type.shape);
        return constValue({ dims: type.shape, data, int: ts.length > 0 && ts.every((t) => t.int) });
      } catch (e) {
        if (e instanceof ShapeError) this.fail(e.message);
        throw e;
      }
    }
    const irInputs = inputs.map((v) => this.irName(v));
    const out = name ?? this.names.fresh(`${this.node.outputs[0] || this.node.name}/${suffix}`);
    addNode(this.b, out, op, irInputs, this.node.name, this.file);
    return { kind: 'ir', name: out, shape: this.b.type(out).shape };
  }

  /** An IR identity named `name` over `v` (a constant becomes an IR constant first). */
  emitNamed(v: OnnxValue, name: string): void {
    addNode(this.b, name, { op: 'identity' }, [this.irName(v)], name, this.file);
  }

  /** `x` (NCHW, rank 4) as NHWC: its recorded NHWC form, else a transpose. */
  toNhwc(x: OnnxValue): OnnxValue {
    if (x.kind === 'ir') {
      const t = this.nhwcOf.get(x.name);
      if (t) return t;
    }
    return this.transpose(x, TO_NHWC, 'nhwc');
  }

  /** `y` (NHWC) back to NCHW, named `name` when given; remembers `y` as its NHWC form. */
  fromNhwc(y: OnnxValue, name?: string): OnnxValue {
    const back = this.transpose(y, TO_NCHW, 'nchw', name);
    if (back.kind === 'ir' && y.kind === 'ir') this.nhwcOf.set(back.name, y);
    return back;
  }

  /** Names of the graph's outputs (set by the importer before the nodes). */
  graphOutputs = new Set<string>();

  /**
   * Where the ONNX name `name` goes when a value is computed in NHWC and transposed back: on the
   * NHWC node (so kernels carry ONNX's value names), unless it is a graph output, which must be
   * the NCHW value itself.
   */
  nhwcNames(name: string | undefined): { inner?: string; outer?: string } {
    if (name === undefined) return {};
    return this.graphOutputs.has(name) ? { outer: name } : { inner: name };
  }

  hasNhwc(x: OnnxValue): boolean {
    return x.kind === 'ir' && this.nhwcOf.has(x.name);
  }

  /**
   * An element-wise computation `f` over `xs` (NumPy broadcasting), named `name`. When every
   * run-time operand has an NHWC form and the result is rank 4, `f` runs on the NHWC forms
   * (constants of rank ≤ 4 NumPy-aligned to rank 4 and transposed, which folds) and the result
   * is transposed back; otherwise `f` runs on `xs` as they are.
   */
  pointwise(xs: readonly OnnxValue[], f: (xs: OnnxValue[], name?: string) => OnnxValue, name: string): OnnxValue {
    const runtime = xs.filter((x) => x.kind === 'ir');
    const rank4 = xs.every((x) => this.shapeOf(x).length <= 4) && xs.some((x) => this.shapeOf(x).length === 4);
    if (runtime.length === 0 || !rank4 || !runtime.every((x) => this.hasNhwc(x) && this.shapeOf(x).length === 4)) return f([...xs], name);
    const moved = xs.map((x) => {
      if (x.kind === 'ir') return this.toNhwc(x);
      const dims = [...Array<number>(4 - x.t.dims.length).fill(1), ...x.t.dims];
      return this.transpose(constValue({ ...x.t, dims }), TO_NHWC, 'nhwc');
    });
    const { inner, outer } = this.nhwcNames(name);
    return this.fromNhwc(f(moved, inner), outer);
  }

  // Shorthands for the IR ops handlers use most.
  transpose(x: OnnxValue, perm: readonly number[], suffix = 'transpose', name?: string): OnnxValue {
    if (perm.every((p, i) => p === i)) return x;
    return this.emit({ op: 'transpose', perm }, [x], suffix, name);
  }

  reshape(x: OnnxValue, shape: readonly number[], suffix = 'reshape', name?: string): OnnxValue {
    if (x.kind === 'const') return constValue({ ...x.t, dims: [...shape] });
    return this.emit({ op: 'reshape', shape }, [x], suffix, name);
  }

  scalar(v: number): OnnxValue {
    return constValue({ dims: [], data: Float64Array.of(v), int: false });
  }
}

/** NCHW → NHWC and back, for a rank-4 value. */
export const TO_NHWC = [0, 2, 3, 1] as const;
export const TO_NCHW = [0, 3, 1, 2] as const;
