import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { IoUserError, isIoUserError } from '../../../compiler/io/errors.js';
import { encodeNpy, parseNpy, readNpy, writeNpy, type NpyArray } from '../../../compiler/io/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'edgecl-npy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** A .npy file assembled by hand: magic, version, header length, header text, data bytes. */
function handNpy(version: 1 | 2 | 3, header: string, data: Uint8Array = new Uint8Array(0), encoding: 'latin1' | 'utf8' = 'latin1'): Uint8Array {
  const h = Buffer.from(header, encoding);
  const prefix = Buffer.alloc(version === 1 ? 10 : 12);
  prefix.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) prefix.writeUInt16LE(h.length, 8);
  else prefix.writeUInt32LE(h.length, 8);
  return new Uint8Array(Buffer.concat([prefix, h, data]));
}

function le(kind: 'f4' | 'f8' | 'i4' | 'i8', values: (number | bigint)[]): Uint8Array {
  const size = kind.endsWith('8') ? 8 : 4;
  const b = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    if (kind === 'f4') b.writeFloatLE(Number(v), 4 * i);
    else if (kind === 'f8') b.writeDoubleLE(Number(v), 8 * i);
    else if (kind === 'i4') b.writeInt32LE(Number(v), 4 * i);
    else b.writeBigInt64LE(BigInt(v), 8 * i);
  });
  return new Uint8Array(b);
}

function expectUserError(f: () => unknown, ...fragments: (string | RegExp)[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(IoUserError);
  expect(isIoUserError(err)).toBe(true);
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  for (const fr of fragments) {
    if (typeof fr === 'string') expect(msg).toContain(fr);
    else expect(msg).toMatch(fr);
  }
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 });
const npyArb: fc.Arbitrary<NpyArray> = fc
  .tuple(shapeArb, fc.constantFrom('f32', 'i32', 'u8'))
  .chain(([shape, dtype]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const len = { minLength: n, maxLength: n };
    if (dtype === 'f32') return fc.float32Array(len).map((data): NpyArray => ({ shape, dtype, data }));
    if (dtype === 'i32') return fc.int32Array(len).map((data): NpyArray => ({ shape, dtype, data }));
    return fc.uint8Array(len).map((data): NpyArray => ({ shape, dtype, data }));
  });

function expectSameArray(a: NpyArray, b: NpyArray): void {
  expect(b.shape).toEqual(a.shape);
  expect(b.dtype).toBe(a.dtype);
  expect(b.data.constructor).toBe(a.data.constructor);
  expect(b.data.length).toBe(a.data.length);
  for (let i = 0; i < a.data.length; i++) {
    if (!Object.is(a.data[i], b.data[i])) throw new Error(`element ${i}: ${a.data[i]} vs ${b.data[i]}`);
  }
}

describe('npy round trip', () => {
  it('encodeNpy → parseNpy is the identity (fast-check over shapes and dtypes)', () => {
    fc.assert(
      fc.property(npyArb, (arr) => {
        const bytes = encodeNpy(arr);
        // numpy aligns the data to 64 bytes and ends the header with '\n'
        const hlen = bytes[8]! | (bytes[9]! << 8);
        expect((10 + hlen) % 64).toBe(0);
        expect(bytes[10 + hlen - 1]).toBe(0x0a);
        expectSameArray(arr, parseNpy(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('writeNpy → readNpy through a file', () => {
    fc.assert(
      fc.property(npyArb, (arr) => {
        const p = join(dir, 'rt.npy');
        writeNpy(p, arr);
        expectSameArray(arr, readNpy(p));
      }),
      { numRuns: 30 },
    );
  });

  it('writes the same bytes as numpy.save', () => {
    // np.save(f, np.array([[1, 2, 3], [4, 5, 6]], np.float32)): a 128-byte header, then the data
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const header = dict + ' '.repeat(118 - dict.length - 1) + '\n';
    const expected = handNpy(1, header, le('f4', [1, 2, 3, 4, 5, 6]));
    expect(expected.length).toBe(128 + 24);
    const bytes = encodeNpy({ shape: [2, 3], dtype: 'f32', data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    // scalar uint8 and 1-d int32, as numpy writes them
    const u8 = encodeNpy({ shape: [], dtype: 'u8', data: Uint8Array.of(7) });
    expect(latin1(Buffer.from(u8).subarray(10, 70).toString('latin1')).toString()).toBe("{'descr': '|u1', 'fortran_order': False, 'shape': (), }     ");
    expect(u8.length).toBe(129);
    const i32 = encodeNpy({ shape: [5], dtype: 'i32', data: new Int32Array(5) });
    expect(Buffer.from(i32).subarray(10, 60).toString('latin1')).toBe("{'descr': '<i4', 'fortran_order': False, 'shape': ");
    expect(Buffer.from(i32).subarray(60, 66).toString('latin1')).toBe('(5,), ');
    expect(i32.length).toBe(128 + 20);
  });
});

describe('npy reading of hand-written files', () => {
  it('reads a version 1.0 header byte for byte', () => {
    const bytes = new Uint8Array([
      0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x46, 0x00,
      ...latin1("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"),
      ...latin1(' '.repeat(10)),
      0x0a,
      ...le('f4', [1.5, -2, 0.25, 1e30]),
    ]);
    expect(bytes.length).toBe(10 + 70 + 16);
    const a = parseNpy(bytes, 'hand.npy');
    expect(a.shape).toEqual([2, 2]);
    expect(a.dtype).toBe('f32');
    expect(Array.from(a.data)).toEqual([1.5, -2, 0.25, Math.fround(1e30)]);
  });

  it('reads version 2.0 and 3.0 headers (3.0 in UTF-8), double quotes, no trailing comma, py2 longs', () => {
    const a = parseNpy(handNpy(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,)}\n", le('i4', [-1, 0, 2147483647])));
    expect(a).toMatchObject({ shape: [3], dtype: 'i32' });
    expect(Array.from(a.data)).toEqual([-1, 0, 2147483647]);
    const b = parseNpy(handNpy(3, '{"shape": (1L, 2L), "descr": "|u1", "fortran_order": False, }  \n', Uint8Array.of(9, 250), 'utf8'));
    expect(b).toMatchObject({ shape: [1, 2], dtype: 'u8' });
    expect(Array.from(b.data)).toEqual([9, 250]);
  });

  it('converts <f8 to f32, <i8 to i32 and |b1 to u8', () => {
    const f = parseNpy(handNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n", le('f8', [0.1, -3, 1e-50])));
    expect(f.dtype).toBe('f32');
    expect(Array.from(f.data)).toEqual([Math.fround(0.1), -3, 0]);
    const i = parseNpy(handNpy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }\n", le('i8', [0n, -1n, 2147483647n, -2147483648n])));
    expect(i.dtype).toBe('i32');
    expect(Array.from(i.data)).toEqual([0, -1, 2147483647, -2147483648]);
    const b = parseNpy(handNpy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }\n", Uint8Array.of(1, 0)));
    expect(b).toMatchObject({ dtype: 'u8', shape: [2] });
    expect(Array.from(b.data)).toEqual([1, 0]);
  });

  it('reads zero-size arrays and ignores trailing bytes like numpy does', () => {
    const z = parseNpy(handNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }\n"));
    expect(z.shape).toEqual([0, 4]);
    expect(z.data.length).toBe(0);
    const t = parseNpy(handNpy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }\n", Uint8Array.of(5, 6, 7)));
    expect(Array.from(t.data)).toEqual([5]);
  });
});

describe('npy errors name the file and say what is wrong', () => {
  const good = encodeNpy({ shape: [4, 4], dtype: 'f32', data: new Float32Array(16).fill(1) });

  it('truncated data', () => {
    const p = join(dir, 'truncated.npy');
    writeFileSync(p, good.subarray(0, good.length - 5));
    expectUserError(() => readNpy(p), p, 'truncated', '64 data bytes', 'only 59');
  });

  it('truncated header', () => {
    expectUserError(() => parseNpy(good.subarray(0, 40), 'short.npy'), "'short.npy'", 'truncated');
    expectUserError(() => parseNpy(good.subarray(0, 4), 'tiny.npy'), "'tiny.npy'", 'truncated');
  });

  it('bad magic, empty file, missing file', () => {
    const p = join(dir, 'notnpy.npy');
    writeFileSync(p, 'hello, world, this is text');
    expectUserError(() => readNpy(p), p, 'magic');
    writeFileSync(p, '');
    expectUserError(() => readNpy(p), p, 'empty');
    expectUserError(() => readNpy(join(dir, 'nope.npy')), 'nope.npy', 'no such file');
  });

  it('unsupported dtypes, big-endian, structured, Fortran order, versions', () => {
    expectUserError(() => parseNpy(handNpy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(8)), 'c.npy'), "'c.npy'", "'<c8'", 'not supported', '<f4');
    expectUserError(() => parseNpy(handNpy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(4)), 'be.npy'), 'big-endian');
    expectUserError(() => parseNpy(handNpy(1, "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(8)), 's.npy'), 'structured');
    expectUserError(() => parseNpy(handNpy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", new Uint8Array(16)), 'f.npy'), "'f.npy'", 'Fortran');
    const v4 = handNpy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(4));
    v4[6] = 4;
    expectUserError(() => parseNpy(v4, 'v4.npy'), 'version 4.0');
  });

  it('int64 values outside int32, malformed headers', () => {
    expectUserError(() => parseNpy(handNpy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n", le('i8', [1n, 2n ** 40n])), 'big.npy'), "'big.npy'", '1099511627776', 'int32');
    expectUserError(() => parseNpy(handNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }\n"), 'neg.npy'), 'shape');
    expectUserError(() => parseNpy(handNpy(1, "{'descr': '<f4', 'fortran_order': False\n"), 'open.npy'), 'cannot be parsed');
    expectUserError(() => parseNpy(handNpy(1, "{'descr': '<f4', 'shape': (1,), }\n"), 'keys.npy'), 'fortran_order');
  });

  it('writeNpy rejects inconsistent arrays', () => {
    expectUserError(() => encodeNpy({ shape: [2, 2], dtype: 'f32', data: new Float32Array(3) }, 'out.npy'), "'out.npy'", '4 elements', '3');
    expectUserError(() => encodeNpy({ shape: [2], dtype: 'f32', data: new Int32Array(2) } as unknown as NpyArray, 'out.npy'), 'Float32Array');
    expectUserError(() => writeNpy(join(dir, 'no-such-dir', 'x.npy'), { shape: [1], dtype: 'u8', data: Uint8Array.of(1) }), 'x.npy', 'no such file');
  });
});
