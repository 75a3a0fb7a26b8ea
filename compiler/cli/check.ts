/**
 * `edgecl check`: compile into a temporary folder, run the artifact and the source model in its
 * reference engine (TensorFlow.js; onnxruntime for ONNX) on the same inputs (check-inputs.ts), compare every output; when one differs
 * beyond the tolerance, name the first kernel whose output diverges (divergence.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, type RunOutputs, type SessionOptions } from '../../runtime/index.js';
import { compileModel, type CompileOptions, type CompileResult } from '../compile.js';
import { loadReference } from '../reference/index.js';
import type { HostTensor, ModelReference, ReferenceInput } from '../reference/tfjs-reference.js';
import { checkInputs } from './check-inputs.js';
import { compareTensors, type Comparison } from './compare.js';
import { compareProbes, firstDivergence, kernelsBehind, probePoints, type Probe } from './divergence.js';
import { parseNamedFiles } from './options.js';

type Out = (line: string) => void;

export interface CheckOptions {
  readonly inputShapes: Record<string, number[]>;
  readonly tolerance: number;
  readonly seed: number;
  readonly device?: string;
  readonly preprocess?: string;
  readonly fusion?: boolean;
  /** `--input NAME=FILE` (repeatable): photos or .npy arrays instead of seeded values. */
  readonly inputs?: readonly string[];
  /** `--input-range LO,HI` for photos (default 0,1). */
  readonly inputRange?: readonly [number, number];
}

/** Test aid: the kernel that `EDGECL_TEST_PERTURB_KERNEL` names gets 1.0 added to its output (codegen/artifact/perturb.ts). */
export const PERTURB_ENV = 'EDGECL_TEST_PERTURB_KERNEL';

const dims = (shape: readonly number[]) => `[${shape.join(',')}]`;
const errors = (c: Comparison) => `max abs error ${c.maxAbs.toExponential(3)}, max relative error ${c.maxRel.toExponential(3)}`;

function runArtifact(dir: string, feeds: Record<string, Float32Array | Uint8Array>, opts: SessionOptions, onOpen?: (s: Session) => void): RunOutputs {
  const session = Session.open(dir, opts);
  try {
    onOpen?.(session);
    return session.run(feeds);
  } finally {
    session.dispose();
  }
}

export async function cmdCheck(model: string, opts: CheckOptions, out: Out): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'edgecl-check-'));
  const perturb = process.env[PERTURB_ENV] || undefined;
  try {
    const compileOpts: CompileOptions = {
      inputShapes: opts.inputShapes,
      ...(opts.preprocess === undefined ? {} : { preprocess: opts.preprocess }),
      ...(opts.fusion === undefined ? {} : { fusion: opts.fusion }),
      ...(perturb === undefined ? {} : { testPerturbKernel: perturb }),
    };
    const compiled = compileModel(model, { ...compileOpts, output: join(dir, 'artifact') });
    if (perturb !== undefined) out(`${PERTURB_ENV}: kernel ${perturb} has 1.0 added to its output (a deliberate test fault)`);
    const files = parseNamedFiles(opts.inputs ?? [], compiled.source.inputs.map((i) => i.name));
    const pre = compiled.preprocess;
    const { inputs, lines, photos } = checkInputs(compiled.source, {
      files,
      seed: opts.seed,
      ...(opts.inputRange === undefined ? {} : { range: opts.inputRange }),
      ...(pre === undefined ? {} : { preprocess: pre }),
    });
    for (const line of lines) out(line);
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data]));
    const sessionOpts: SessionOptions = opts.device === undefined ? {} : { device: opts.device };
    const actual = runArtifact(compiled.dir, feeds, sessionOpts, (s) => out(`edgecl: ${compiled.files.plan.kernels.length} kernels on ${s.device.name}`));

    const reference = await loadReference(model, pre ? { preprocess: pre } : {});
    const failing: string[] = [];
    try {
      const expected = await reference.run(inputs);
      for (const o of compiled.files.plan.outputs) {
        const ref = expected[o.name];
        if (!ref) throw new Error(`check: ${reference.engine} returned no output '${o.name}'`);
        const c = compareTensors(actual[o.name]!.data, ref.data, opts.tolerance);
        if (!c.ok) failing.push(o.name);
        out(`  ${o.name} ${dims(o.shape)}: ${errors(c)} ${c.ok ? 'ok' : `ABOVE tolerance ${opts.tolerance}`}`);
      }
      if (failing.length > 0) {
        await searchDivergence({ model, compileOpts, dir, compiled, inputs, feeds, sessionOpts, reference, expected, failing, tolerance: opts.tolerance }, out);
      }
    } finally {
      reference.dispose();
    }
    const what = `tolerance ${opts.tolerance}, seed ${opts.seed}${photos.length > 0 ? `, photo input${photos.length > 1 ? 's' : ''} ${photos.map((p) => `'${p}'`).join(', ')}` : ''}`;
    out(failing.length === 0 ? `check passed (${what})` : `check FAILED (${what})`);
    return failing.length === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface SearchContext {
  readonly model: string;
  readonly compileOpts: CompileOptions;
  readonly dir: string;
  readonly compiled: CompileResult;
  readonly inputs: Record<string, ReferenceInput>;
  readonly feeds: Record<string, Float32Array | Uint8Array>;
  readonly sessionOpts: SessionOptions;
  readonly reference: ModelReference;
  readonly expected: Record<string, HostTensor>;
  readonly failing: readonly string[];
  readonly tolerance: number;
}

/**
 * Runs a debug build that keeps every probe value and the source model's same values, then
 * names per failing output the first kernel (launch order) whose output diverges.
 */
async function searchDivergence(ctx: SearchContext, out: Out): Promise<void> {
  const { compiled, tolerance } = ctx;
  const points = probePoints(compiled.lowered);
  let refs: Record<string, HostTensor>;
  try {
    refs = await ctx.reference.capture(ctx.inputs, [...new Set(points.map((p) => p.value))]);
  } catch (e) {
    out(`divergence search skipped: ${ctx.reference.engine} could not compute the intermediate values (${(e as Error).message.split('\n')[0]})`);
    return;
  }
  const buffers = [...new Set(points.filter((p) => refs[p.value]).map((p) => p.buffer))];
  if (buffers.length === 0) {
    out(`divergence search: none of the ${points.length} kernel outputs stands for a node ${ctx.reference.engine} can return; nothing to compare`);
    return;
  }
  const debug = compileModel(ctx.model, { ...ctx.compileOpts, output: join(ctx.dir, 'debug'), debugOutputs: buffers });
  const names = (r: CompileResult) => r.files.plan.kernels.map((k) => k.name).join(' ');
  if (names(debug) !== names(compiled)) throw new Error('check: the debug build launches other kernels than the artifact checked');
  const captured = runArtifact(debug.dir, ctx.feeds, ctx.sessionOpts);
  const report = compareProbes(compiled.optimized, points, captured, refs, tolerance);
  const permuted = report.probes.filter((p) => p.perm).length;
  const mismatched =
    (permuted > 0 ? `, ${permuted} in another axis order (transposes sunk)` : '') +
    (report.shapeMismatches.length > 0 ? `, ${report.shapeMismatches.length} left out (shape no permutation of ${ctx.reference.engine}'s)` : '');
  out(
    `divergence search (debug build: ${buffers.length} kernel outputs kept in buffers of their own, one run; linear scan in launch order): ` +
      `${report.probes.length} of ${report.points} kernel output values compared with ${ctx.reference.engine}${mismatched}`,
  );

  const byName = new Map(compiled.optimized.nodes.map((n) => [n.name, n]));
  const describe = (p: Probe) =>
    `${p.point.value} ${dims(p.shape)}${p.perm ? ` (${ctx.reference.engine}'s tensor transposed by [${p.perm.join(',')}])` : ''} of kernel ${compiled.lowered.kernels[p.point.kernel]!.name}`;
  for (const o of ctx.failing) {
    const { first, lastGood, compared } = firstDivergence(report.probes, kernelsBehind(compiled.lowered, o));
    if (!first) {
      const again = compareTensors(captured[o]!.data, ctx.expected[o]!.data, tolerance);
      out(
        again.ok
          ? `  ${o}: the debug build (no buffer reuse) matches ${ctx.reference.engine} on all ${compared} values this output depends on and on the output itself: look at buffer reuse (codegen/memory-plan.ts)`
          : `  ${o}: none of the ${compared} kernel output values compared for this output diverges; the divergence lies in values ${ctx.reference.engine} does not name`,
      );
      continue;
    }
    const kernel = compiled.lowered.kernels[first.point.kernel]!;
    out(`  ${o}: first divergent kernel ${kernel.name} (launch ${first.point.kernel} of ${compiled.lowered.kernels.length}; ${compared} values compared for this output)`);
    for (const n of kernel.nodes) {
      const origin = byName.get(n)?.origin;
      out(`    computes ${n}${origin ? ` ← ${origin}` : ''}`);
    }
    out(`    ${describe(first)}: ${errors(first.comparison)} ABOVE tolerance ${tolerance}`);
    out(lastGood ? `    last agreeing before it: ${describe(lastGood)} (${errors(lastGood.comparison)})` : '    no compared value before it');
  }
}
