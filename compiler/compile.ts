/**
 * The compile driver: model file → IR → passes → kernels → artifact folder.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Graph } from '../ir/index.js';
import { assembleArtifact, type ArtifactFiles } from '../codegen/artifact/assemble.js';
import { writeArtifact } from '../codegen/artifact/write.js';
import { lowerGraph, type LoweredGraph } from '../codegen/lower.js';
import { loadModel } from './frontends/index.js';
import { fitsDepthwisePointwise } from '../codegen/kernels/depthwise-pointwise/space.js';
import { passPipeline, runPasses, type Pass } from './passes/index.js';
import { preprocessPass } from './passes/preprocess.js';
import { parsePreprocessSpec, preprocessRecord, resolvePreprocess, type ResolvedPreprocess } from './preprocess/spec.js';

export interface CompileOptions {
  /** Artifact folder; default `kernels-out/<model name>`. */
  readonly output?: string;
  readonly inputShapes?: Record<string, number[]>;
  readonly printAfter?: readonly string[];
  /** `--preprocess SPEC`: the input becomes a `u8` camera frame, preprocessed by the first kernel. */
  readonly preprocess?: string;
  /** `--no-fusion` gives false: only the canonical passes run, one kernel per IR op. */
  readonly fusion?: boolean;
  /**
   * `edgecl check`'s debug build: these IR values become extra plan outputs, each readable after
   * a run (no buffer reuse). Passes, fusion and kernels are those of the normal build.
   */
  readonly debugOutputs?: readonly string[];
  /** Test aid (`EDGECL_TEST_PERTURB_KERNEL`): a launch after this kernel adds 1.0 to its output. */
  readonly testPerturbKernel?: string;
}

export interface CompileResult {
  readonly dir: string;
  readonly source: Graph;
  readonly optimized: Graph;
  readonly files: ArtifactFiles;
  /** The kernels in launch order with their parameters (what the plan's kernels were made from). */
  readonly lowered: LoweredGraph;
  /** The preprocessing compiled in, bound to the model's input (with `preprocess`). */
  readonly preprocess?: ResolvedPreprocess;
}

/** The model.json a path names (the file itself, or the one inside a folder). */
export function modelFile(path: string): string {
  try {
    return statSync(path).isDirectory() ? join(path, 'model.json') : path;
  } catch {
    return path;
  }
}

/** A short artifact name from a model path: its folder's name for `…/name/model.json`. */
export function modelName(path: string): string {
  const file = resolve(modelFile(path));
  const stem = basename(file).replace(/\.[^.]+$/, '');
  const name = stem === 'model' ? basename(dirname(file)) : stem;
  return name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'model';
}

/** Compiles to artifact files in memory (no folder written). */
export function compileToFiles(modelPath: string, opts: Omit<CompileOptions, 'output'> = {}): Omit<CompileResult, 'dir'> {
  const file = modelFile(modelPath);
  // The spec is parsed before the model is read, so a mistyped option fails fast.
  const spec = opts.preprocess === undefined ? undefined : parsePreprocessSpec(opts.preprocess);
  const source = loadModel(modelPath, { inputShapes: opts.inputShapes ?? {} });
  const passes: Pass[] = [...(spec ? [preprocessPass(spec)] : []), ...passPipeline({ fusion: opts.fusion !== false, fuseDepthwisePointwise: fitsDepthwisePointwise })];
  const optimized = runPasses(source, passes, { printAfter: opts.printAfter ?? [] });
  const lowered = lowerGraph(optimized);
  const files = assembleArtifact(optimized, lowered, {
    name: modelName(modelPath),
    sourceFile: file,
    sourceSha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    ...(opts.debugOutputs === undefined ? {} : { debugOutputs: opts.debugOutputs }),
    ...(opts.testPerturbKernel === undefined ? {} : { testPerturbKernel: opts.testPerturbKernel }),
  });
  if (!spec) return { source, optimized, files, lowered };
  // plan.json records the preprocessing on the frame input (runtimes ignore the field).
  const pre = resolvePreprocess(spec, source);
  const inputs = files.plan.inputs.map((i) => (i.name === pre.input ? { ...i, preprocess: preprocessRecord(pre) } : i));
  return { source, optimized, files: { ...files, plan: { ...files.plan, inputs } }, lowered, preprocess: pre };
}

export function compileModel(modelPath: string, opts: CompileOptions = {}): CompileResult {
  const result = compileToFiles(modelPath, opts);
  const dir = opts.output ?? join('kernels-out', modelName(modelPath));
  writeArtifact(dir, result.files);
  return { ...result, dir };
}
