import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { IoUserError } from '../../../compiler/io/errors.js';
import { decodeImage, encodePng, readImage, sniffImageFormat, writePng } from '../../../compiler/io/image.js';
import { encodeNpy } from '../../../compiler/io/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'edgecl-img-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function seeded(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

// --- a minimal PNG encoder, to produce the chunk layouts pngjs cannot write (palette, 16-bit) ---
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
/** PNG from raw scanlines (filter type 0 on every row). */
function handPng(width: number, height: number, bitDepth: number, colorType: number, rows: Uint8Array[], extra: Buffer[] = []): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, colorType, 0, 0, 0], 8);
  const raw = Buffer.concat(rows.map((r) => Buffer.concat([Buffer.of(0), r])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra,
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function expectUserError(f: () => unknown, ...fragments: string[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(IoUserError);
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  for (const fr of fragments) expect(msg).toContain(fr);
}

describe('PNG', () => {
  it('writePng → readImage round trip is exact (fast-check over sizes and pixels)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (h, w, seed) => {
        const data = seeded(h * w * 3, seed);
        const bytes = encodePng({ height: h, width: w, data });
        const img = decodeImage(bytes);
        expect(img).toMatchObject({ height: h, width: w, channels: 3 });
        expect(Buffer.from(img.data).equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 50 },
    );
    const p = join(dir, 'rt.png');
    const data = seeded(31 * 17 * 3, 5);
    writePng(p, { height: 31, width: 17, data });
    const img = readImage(p);
    expect([img.height, img.width]).toEqual([31, 17]);
    expect(Buffer.from(img.data).equals(Buffer.from(data))).toBe(true);
  });

  it('gray and RGBA PNGs read as RGB (gray replicated, alpha dropped)', () => {
    const gray = seeded(4 * 5, 1);
    const g = decodeImage(encodePng({ height: 4, width: 5, channels: 1, data: gray }));
    for (let i = 0; i < 20; i++) expect([g.data[3 * i], g.data[3 * i + 1], g.data[3 * i + 2]]).toEqual([gray[i], gray[i], gray[i]]);
    const rgba = seeded(3 * 2 * 4, 2);
    const a = decodeImage(encodePng({ height: 3, width: 2, channels: 4, data: rgba }));
    for (let i = 0; i < 6; i++) expect([a.data[3 * i], a.data[3 * i + 1], a.data[3 * i + 2]]).toEqual([rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]]);
  });

  it('palette PNG is expanded through its palette', () => {
    const palette = Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30);
    const png = handPng(3, 2, 8, 3, [Uint8Array.of(0, 1, 2), Uint8Array.of(3, 3, 0)], [chunk('PLTE', palette)]);
    const img = decodeImage(png, 'pal.png');
    expect(Array.from(img.data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 10, 20, 30, 255, 0, 0]);
  });

  it('16-bit RGB and gray+alpha PNGs are rounded to 8 bits', () => {
    const samples = [0, 65535, 257 * 128, 32896 + 100, 1000, 65000];
    const row = Buffer.alloc(12);
    samples.forEach((v, i) => row.writeUInt16BE(v, 2 * i));
    const img = decodeImage(handPng(2, 1, 16, 2, [row]), 'deep.png');
    expect(Array.from(img.data)).toEqual(samples.map((v) => Math.floor((v * 255) / 65535 + 0.5)));
    const ga = decodeImage(handPng(2, 1, 8, 4, [Uint8Array.of(7, 0, 200, 255)]), 'ga.png');
    expect(Array.from(ga.data)).toEqual([7, 7, 7, 200, 200, 200]);
  });
});

describe('JPEG', () => {
  it('decodes a JPEG encoded by jpeg-js, by magic bytes, whatever the file is called', () => {
    const h = 24;
    const w = 40;
    const rgba = new Uint8Array(h * w * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = 4 * (y * w + x);
        rgba.set([Math.round((x * 255) / (w - 1)), Math.round((y * 255) / (h - 1)), 128, 255], i);
      }
    }
    const encoded = jpeg.encode({ width: w, height: h, data: rgba }, 95).data;
    const p = join(dir, 'photo.png'); // wrong extension on purpose
    writeFileSync(p, encoded);
    expect(sniffImageFormat(encoded)).toBe('jpeg');
    const img = readImage(p);
    expect(img).toMatchObject({ height: h, width: w, channels: 3 });
    const ref = jpeg.decode(encoded, { useTArray: true, formatAsRGBA: true });
    let maxErr = 0;
    for (let i = 0; i < h * w; i++) {
      for (let c = 0; c < 3; c++) {
        expect(img.data[3 * i + c]).toBe(ref.data[4 * i + c]); // exactly jpeg-js' pixels
        maxErr = Math.max(maxErr, Math.abs(img.data[3 * i + c]! - rgba[4 * i + c]!));
      }
    }
    expect(maxErr).toBeLessThan(24); // and close to the original at quality 95
    // and a PNG named .jpg is read as a PNG
    const q = join(dir, 'really-a-png.jpg');
    writePng(q, { height: 1, width: 2, data: Uint8Array.of(1, 2, 3, 4, 5, 6) });
    expect(Array.from(readImage(q).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('image errors', () => {
  it('non-image, unsupported and missing files', () => {
    const txt = join(dir, 'notes.png');
    writeFileSync(txt, 'just some text\n');
    expectUserError(() => readImage(txt), txt, 'not a PNG or JPEG image', '6a 75 73 74');
    const gif = join(dir, 'anim.jpg');
    writeFileSync(gif, Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'));
    expectUserError(() => readImage(gif), gif, 'GIF');
    const npy = join(dir, 'x.png');
    writeFileSync(npy, encodeNpy({ shape: [1], dtype: 'u8', data: Uint8Array.of(1) }));
    expectUserError(() => readImage(npy), '.npy');
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, '');
    expectUserError(() => readImage(empty), 'empty');
    expectUserError(() => readImage(join(dir, 'missing.png')), 'missing.png', 'no such file');
  });

  it('truncated PNG and JPEG', () => {
    const png = Buffer.from(encodePng({ height: 8, width: 8, data: seeded(192, 3) }));
    const p = join(dir, 'cut.png');
    writeFileSync(p, png.subarray(0, png.length - 30));
    expectUserError(() => readImage(p), p, 'PNG', 'truncated or corrupt');
    const jpg = jpeg.encode({ width: 16, height: 16, data: seeded(16 * 16 * 4, 4) }, 80).data;
    const q = join(dir, 'cut.jpg');
    writeFileSync(q, jpg.subarray(0, 40));
    expectUserError(() => readImage(q), q, 'JPEG');
  });

  it('writePng validates its input', () => {
    expectUserError(() => writePng(join(dir, 'bad.png'), { height: 2, width: 2, data: new Uint8Array(11) }), 'bad.png', '12 bytes');
    expectUserError(() => writePng(join(dir, 'zero.png'), { height: 0, width: 2, data: new Uint8Array(0) }), 'not positive');
  });
});
