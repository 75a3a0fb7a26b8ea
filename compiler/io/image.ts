/**
 * Image files for `edgecl run --input NAME=photo.png|.jpg` and the demo.
 *
 * Reading always yields 8-bit RGB in HWC order. The decoder is chosen by the file's magic bytes,
 * not its extension. PNG (pngjs): palette, grayscale, grayscale+alpha, RGBA and 16-bit images are
 * converted to RGB8 (16-bit samples are rounded to 8 bits, alpha is dropped, not composited);
 * JPEG (jpeg-js): baseline and progressive, grayscale, RGB, CMYK/YCCK.
 */
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { describeFsError, IoUserError, writeFileAtomic } from './errors.js';

const { PNG } = pngjs;

/** An 8-bit RGB image, rows top to bottom, pixels left to right, channels R, G, B. */
export interface RgbImage {
  height: number;
  width: number;
  channels: 3;
  data: Uint8Array;
}

export type ImageFormat = 'png' | 'jpeg';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  return bytes.length >= at + magic.length && magic.every((b, i) => bytes[at + i] === b);
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** Which supported format the bytes are, by magic number; null when neither PNG nor JPEG. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, PNG_MAGIC)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  return null;
}

/** Names a few well-known formats that are not supported, for a more useful message. */
function describeUnsupported(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  if (startsWith(bytes, ascii('GIF8'))) return 'it is a GIF image';
  if (startsWith(bytes, ascii('BM'))) return 'it looks like a BMP image';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'it is a WebP image';
  if (startsWith(bytes, ascii('II*\0')) || startsWith(bytes, ascii('MM\0*'))) return 'it is a TIFF image';
  if (startsWith(bytes, [0x93, ...ascii('NUMPY')])) return 'it is a .npy array (give it a .npy name, or pass the array itself)';
  if (startsWith(bytes, ascii('\0\0\0')) && startsWith(bytes, ascii('ftyp'), 4)) return 'it is a HEIF/AVIF image';
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it starts with the bytes ${head}`;
}

function rgbaToRgb(rgba: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, j = 0; i < pixels; i++, j += 4) {
    out[3 * i] = rgba[j]!;
    out[3 * i + 1] = rgba[j + 1]!;
    out[3 * i + 2] = rgba[j + 2]!;
  }
  return out;
}

/** Decodes PNG or JPEG bytes to RGB8; `name` is used in error messages. */
export function decodeImage(bytes: Uint8Array, name = '<buffer>'): RgbImage {
  const format = sniffImageFormat(bytes);
  if (format === null) {
    throw new IoUserError(`'${name}' is not a PNG or JPEG image: ${describeUnsupported(bytes)}. Only PNG and JPEG images are supported (the format is recognised by the file's first bytes, not its name).`);
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  try {
    if (format === 'png') {
      const png = PNG.sync.read(buf);
      ({ width, height } = png);
      rgba = png.data;
    } else {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true });
      ({ width, height } = img);
      rgba = img.data;
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new IoUserError(`'${name}' cannot be decoded as a ${format === 'png' ? 'PNG' : 'JPEG'} image (it may be truncated or corrupt): ${why}.`, { cause: e });
  }
  if (!(width > 0 && height > 0) || rgba.length < width * height * 4) {
    throw new IoUserError(`'${name}' decodes to an empty or incomplete ${width}x${height} ${format === 'png' ? 'PNG' : 'JPEG'} image.`);
  }
  return { height, width, channels: 3, data: rgbaToRgb(rgba, width * height) };
}

/** Reads a PNG or JPEG file as 8-bit RGB, HWC. */
export function readImage(path: string): RgbImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw describeFsError(path, 'read the image', e);
  }
  return decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/** An image to write: `channels` 3 (RGB, the default), 1 (gray) or 4 (RGBA), 8 bits each, HWC. */
export interface PngInput {
  height: number;
  width: number;
  channels?: 1 | 3 | 4;
  data: Uint8Array;
}

/** Encodes an 8-bit image as PNG bytes. */
export function encodePng(img: PngInput, name = '<buffer>'): Uint8Array {
  const channels = img.channels ?? 3;
  const { height, width, data } = img;
  if (!(Number.isSafeInteger(height) && Number.isSafeInteger(width) && height > 0 && width > 0)) {
    throw new IoUserError(`cannot write '${name}': the image size ${width}x${height} is not positive.`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new IoUserError(`cannot write '${name}': ${String(channels)} channels; PNG output supports 1, 3 or 4.`);
  }
  if (!(data instanceof Uint8Array) || data.length !== height * width * channels) {
    throw new IoUserError(`cannot write '${name}': a ${height}x${width}x${channels} image needs ${height * width * channels} bytes, got ${data?.length}.`);
  }
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const png = new PNG({ width, height, colorType, inputColorType: colorType, inputHasAlpha: channels === 4, bitDepth: 8 });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: channels === 4, bitDepth: 8 });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Writes an 8-bit RGB (or gray / RGBA, see {@link PngInput}) image as PNG, via a temporary file and a rename. */
export function writePng(path: string, img: PngInput): void {
  const bytes = encodePng(img, path);
  writeFileAtomic(path, bytes, 'write the PNG image');
}
