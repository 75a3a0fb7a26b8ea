/**
 * Index arithmetic as C text, shared by the load renderer and every kernel family: flat indices
 * in Horner form with zero coordinates and unit factors dropped, and the decomposition of a flat
 * work-item index into coordinates.
 */
import type { Shape } from '../../ir/index.js';

/**
 * Splits the flat index `index` into one coordinate per axis of `shape` (row-major), named
 * `names`. Only axes of extent > 1 get a declaration; `coords[axis]` is the name to use in
 * index expressions, or `'0'` for an extent-1 axis (which `plus`/`times` then drop).
 */
export function decompose(index: string, names: readonly string[], shape: Shape): { readonly lines: string[]; readonly coords: string[] } {
  if (names.length !== shape.length) throw new Error(`decompose: ${names.length} names for rank ${shape.length}`);
  const lines: string[] = [];
  const coords = names.map((n, axis) => (shape[axis] === 1 ? '0' : n));
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const d = shape[axis]!;
    if (d !== 1) {
      // No modulo when every outer axis has extent 1: the quotient is already < d.
      const outermost = shape.slice(0, axis).every((e) => e === 1);
      const quotient = stride === 1 ? index : `${index} / ${stride}`;
      const expr = outermost ? quotient : stride === 1 ? `${index} % ${d}` : `(${quotient}) % ${d}`;
      lines.push(`const int ${names[axis]} = ${expr};`);
    }
    stride *= d;
  }
  return { lines: lines.reverse(), coords };
}

/** `a * k`, simplified for k = 1 and a = 0; a sum `a` is parenthesized. */
export function times(a: string, k: number): string {
  if (k === 0 || a === '0') return '0';
  if (k === 1) return a;
  return / [-+] /.test(a) && !wrapped(a) ? `(${a}) * ${k}` : `${a} * ${k}`;
}

/** Whether `e` is one parenthesized expression, `(…)`. */
function wrapped(e: string): boolean {
  if (!e.startsWith('(') || !e.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < e.length; i++) {
    if (e[i] === '(') depth++;
    else if (e[i] === ')' && --depth === 0 && i < e.length - 1) return false;
  }
  return true;
}

/** `a + b + …`, dropping zero terms. */
export function plus(...terms: string[]): string {
  const t = terms.filter((x) => x !== '0');
  return t.length ? t.join(' + ') : '0';
}

/**
 * Row-major flat index of `coords` in `shape`, in Horner form (`(iy * W + ix) * C + c`), with
 * `'0'` coordinates and unit factors dropped. The last coordinate may be any expression to add.
 */
export function flatIndex(coords: readonly string[], shape: Shape): string {
  let acc = '0';
  coords.forEach((c, axis) => {
    acc = axis === 0 ? c : plus(times(acc, shape[axis]!), c);
  });
  return acc;
}

/**
 * The declarations among `decls` (`const int name = …;`) whose name some line of `body` uses, so
 * a kernel declares only the coordinates it needs (decompose's lines do not refer to each other).
 */
export function usedDeclarations(decls: readonly string[], body: readonly string[]): string[] {
  const text = body.join('\n');
  return decls.filter((d) => {
    const name = /^const int (\w+) =/.exec(d)?.[1];
    return name === undefined || new RegExp(`\\b${name}\\b`).test(text);
  });
}
