/**
 * Typed readers for untrusted JSON. Each takes the value and its path
 * (`kernels[2].global[0]`) and either returns it typed or throws a
 * RuntimeUserError naming the file, the field, what was expected and what was found.
 */
import { RuntimeUserError } from './errors.js';

export class JsonFields {
  /** `file` names the document in messages, e.g. `plan.json in kernels-out/mnist`. */
  constructor(readonly file: string) {}

  fail(path: string, problem: string, got?: unknown): never {
    const found = arguments.length >= 3 ? `, got ${show(got)}` : '';
    throw new RuntimeUserError(`${this.file} is invalid: ${path} ${problem}${found}.`);
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'must be an object', v);
    return v as Record<string, unknown>;
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'must be an array', v);
    return v;
  }

  string(v: unknown, path: string, opts: { nonEmpty?: boolean } = {}): string {
    if (typeof v !== 'string') this.fail(path, 'must be a string', v);
    if (opts.nonEmpty && v.length === 0) this.fail(path, 'must not be empty');
    return v;
  }

  /** A safe integer in [min, max]. */
  integer(v: unknown, path: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(path, 'must be an integer', v);
    if (v < min || v > max) this.fail(path, max === Number.MAX_SAFE_INTEGER ? `must be ≥ ${min}` : `must be in [${min}, ${max}]`, v);
    return v;
  }

  finite(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, 'must be a finite number', v);
    return v;
  }

  literal<T extends string | number>(v: unknown, path: string, allowed: readonly T[]): T {
    if (!allowed.includes(v as T)) this.fail(path, `must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}`, v);
    return v as T;
  }

  sha256(v: unknown, path: string): string {
    const s = this.string(v, path);
    if (!/^[0-9a-f]{64}$/.test(s)) this.fail(path, 'must be a sha256 digest (64 lowercase hex digits)', v);
    return s;
  }

  stringArray(v: unknown, path: string): string[] {
    return this.array(v, path).map((s, i) => this.string(s, `${path}[${i}]`));
  }

  /** A tensor shape: positive integer dimensions (`[]` is a scalar). */
  shape(v: unknown, path: string): number[] {
    return this.array(v, path).map((d, i) => this.integer(d, `${path}[${i}]`, 1));
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
