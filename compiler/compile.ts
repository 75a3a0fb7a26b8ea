/**
 * The compile driver: model file → IR → passes → kernels → artifact folder.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Graph } from '../ir/index.js';
import { assembleArtifact, type ArtifactFiles } from '../codegen/artifact/assemble.js';
import { writeArtifact } from '../codegen/artifact/write.js';
import { lowerGraph } from '../codegen/lower.js';
import { loadModel } from './frontends/index.js';
import { DEFAULT_PASSES, runPasses } from './passes/index.js';

export interface CompileOptions {
  /** Artifact folder; default `kernels-out/<model name>`. */
  readonly output?: string;
  readonly inputShapes?: Record<string, number[]>;
  readonly printAfter?: readonly string[];
}

export interface CompileResult {
  readonly dir: string;
  readonly source: Graph;
  readonly optimized: Graph;
  readonly files: ArtifactFiles;
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
  const source = loadModel(modelPath, { inputShapes: opts.inputShapes ?? {} });
  const optimized = runPasses(source, DEFAULT_PASSES, { printAfter: opts.printAfter ?? [] });
  const lowered = lowerGraph(optimized);
  const files = assembleArtifact(optimized, lowered, {
    name: modelName(modelPath),
    sourceFile: file,
    sourceSha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
  });
  return { source, optimized, files };
}

export function compileModel(modelPath: string, opts: CompileOptions = {}): CompileResult {
  const result = compileToFiles(modelPath, opts);
  const dir = opts.output ?? join('kernels-out', modelName(modelPath));
  writeArtifact(dir, result.files);
  return { ...result, dir };
}
