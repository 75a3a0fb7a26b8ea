/**
 * Pieces every frontend shares: the user-facing error, the `--input-shape` resolution of
 * unknown dimensions, and a name allocator that never hands out a name the source model
 * uses for something else.
 */
import { escapeControlChars, UserError } from '../../ir/errors.js';
import { ShapeError } from '../../ir/shape-inference.js';
import type { GraphBuilder } from '../../ir/builder.js';
import type { Op } from '../../ir/ops.js';

/** Options every frontend accepts. */
export interface FrontendOptions {
  /** `--input-shape NAME=1,224,224,3`: full static shapes for graph inputs, keyed by input name. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

/** A problem with the user's model file; one paragraph, printed by the CLI as `error: …`. */
export class FrontendError extends UserError {
  constructor(message: string) {
    // Names and strings from a damaged file may hold newlines: the message stays one paragraph.
    super(escapeControlChars(message));
    this.name = 'FrontendError';
  }
}

/** The one-paragraph error for an op (or layer) edgecl cannot compile. */
export function unsupportedError(what: 'op' | 'layer', kind: string, node: string, file: string, supported: readonly string[]): FrontendError {
  const noun = what === 'op' ? 'node' : 'layer';
  return new FrontendError(
    `unsupported ${what} '${kind}' (${noun} '${node}') in ${file}: edgecl cannot compile it. ` +
      `Supported ${what === 'op' ? 'ops' : 'layers'}: ${[...supported].sort().join(', ')}.`,
  );
}

/**
 * Resolves the static shape of a graph input.
 *
 * `declared` uses -1 (or null) for unknown extents; `undefined` means unknown rank. An unknown
 * batch (dimension 0) defaults to 1; every other unknown needs `--input-shape`. A shape given
 * on the command line must agree with every extent the model declares.
 */
export function resolveInputShape(
  name: string,
  declared: readonly (number | null)[] | undefined,
  options: FrontendOptions,
  file: string,
): number[] {
  const given = options.inputShapes?.[name];
  if (given) {
    if (!given.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new FrontendError(`--input-shape ${name}=${given.join(',')}: every extent must be a positive integer.`);
    }
    if (declared) {
      const agrees =
        declared.length === given.length && declared.every((d, i) => d === null || d < 0 || d === given[i]);
      if (!agrees) {
        throw new FrontendError(
          `--input-shape ${name}=${given.join(',')} does not match the shape [${declared.map(fmtDim).join(',')}] ` +
            `that ${file} declares for input '${name}'.`,
        );
      }
    }
    return [...given];
  }
  if (!declared) {
    throw new FrontendError(
      `input '${name}' of ${file} has an unknown rank; give its shape with --input-shape ${name}=1,224,224,3 (for example).`,
    );
  }
  return declared.map((d, i) => {
    if (d !== null && d >= 0) return d;
    if (i === 0) return 1;
    throw new FrontendError(
      `input '${name}' of ${file} has the shape [${declared.map(fmtDim).join(',')}] with an unknown dimension ${i}; ` +
        `give its full shape with --input-shape ${name}=${declared.map((x, j) => (x !== null && x >= 0 ? x : j === 0 ? 1 : 'N')).join(',')}.`,
    );
  });
}

/** Rejects `--input-shape` entries that name no input of the model. */
export function checkInputShapeNames(options: FrontendOptions, inputNames: readonly string[], file: string): void {
  for (const k of Object.keys(options.inputShapes ?? {})) {
    if (!inputNames.includes(k)) {
      throw new FrontendError(
        `--input-shape names '${k}', which is not an input of ${file}; its inputs are: ${inputNames.map((n) => `'${n}'`).join(', ')}.`,
      );
    }
  }
}

function fmtDim(d: number | null): string {
  return d === null || d < 0 ? '?' : String(d);
}

/**
 * Hands out value names for the nodes a frontend creates beyond the source model's own,
 * avoiding every name the source model uses (so a later source node never collides).
 */
export class NameAllocator {
  private readonly taken = new Set<string>();

  constructor(reserved: Iterable<string>) {
    for (const r of reserved) this.taken.add(r);
  }

  /** `base` itself when free, else `base_1`, `base_2`, … */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  reserve(name: string): void {
    this.taken.add(name);
  }
}

/**
 * Adds a node, turning a shape-inference failure into an error that names the source node
 * and the file (a shape mismatch in the user's model is the user's problem).
 */
export function addNode(b: GraphBuilder, name: string, op: Op, inputs: readonly string[], origin: string, file: string): string {
  try {
    return b.node(name, op, inputs, origin);
  } catch (e) {
    if (e instanceof ShapeError) throw new FrontendError(`${origin} in ${file}: ${e.message}`);
    throw e;
  }
}

/** Normalizes a possibly negative axis against `rank`, or returns undefined when out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  if (!Number.isInteger(axis)) return undefined;
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}
