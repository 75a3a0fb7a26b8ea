/**
 * Parsing of the option values the CLI shares between commands.
 */
import { UserError } from '../../ir/index.js';

/** `--input-shape NAME=1,224,224,3` (repeatable) → `{NAME: [1,224,224,3]}`. */
export function parseInputShapes(specs: readonly string[]): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const spec of specs) {
    const eq = spec.lastIndexOf('=');
    const dims = eq > 0 ? spec.slice(eq + 1).split(',') : [];
    const shape = dims.map((d) => Number(d));
    if (eq <= 0 || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new UserError(`--input-shape '${spec}': expected NAME=D0,D1,… with positive integer dimensions, e.g. --input-shape input=1,224,224,3.`);
    }
    shapes[spec.slice(0, eq)] = shape;
  }
  return shapes;
}

/** `--input NAME=FILE` (repeatable); a bare FILE is allowed when the model has one input. */
export function parseNamedFiles(specs: readonly string[], inputNames: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    let name: string;
    let file: string;
    if (eq > 0 && inputNames.includes(spec.slice(0, eq))) {
      name = spec.slice(0, eq);
      file = spec.slice(eq + 1);
    } else if (inputNames.length === 1) {
      name = inputNames[0]!;
      file = eq > 0 && !spec.slice(0, eq).includes('/') ? spec.slice(eq + 1) : spec;
      if (eq > 0 && spec.slice(0, eq) !== name && !spec.slice(0, eq).includes('/')) {
        throw new UserError(`--input '${spec}': the model has no input named '${spec.slice(0, eq)}'; its input is '${name}'.`);
      }
    } else {
      throw new UserError(`--input '${spec}': expected NAME=FILE; the model's inputs are ${inputNames.map((n) => `'${n}'`).join(', ')}.`);
    }
    if (out.has(name)) throw new UserError(`--input: input '${name}' is given twice.`);
    out.set(name, file);
  }
  return out;
}

/** `--input-range LO,HI`: two different finite numbers (8-bit 0..255 maps linearly onto LO..HI). */
export function parseRange(flag: string, value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((p) => (p.trim() === '' ? NaN : Number(p)));
  const [lo, hi] = parts as [number, number];
  if (parts.length !== 2 || !Number.isFinite(lo) || !Number.isFinite(hi) || lo === hi) {
    throw new UserError(`${flag} '${value}': expected LO,HI with two different finite numbers, e.g. ${flag} 0,1 or ${flag}=-1,1.`);
  }
  return [lo, hi];
}

/** A positive integer option value. */
export function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} '${value}': expected a positive integer.`);
  return n;
}

/** Output file name for a tensor name: '/' and ':' become '_'. */
export function outputFileName(name: string): string {
  return `${name.replace(/[/:]/g, '_')}.npy`;
}
