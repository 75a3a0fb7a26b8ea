/**
 * Reading an ONNX model file: bytes → decoded ModelProto, with the checks that make a damaged or
 * foreign file a one-paragraph error naming it (protobufjs alone decodes almost any bytes into
 * some message), and the opset of the default domain.
 */
import * as fs from 'node:fs';
import { FrontendError } from './common.js';
import { fsReason } from './model-files.js';
import { checkTopLevelFields } from './protobuf-wire.js';
import { onnxSchema } from './schema/onnx.js';

/** A decoded protobufjs message, read loosely (what a file holds is not trusted). */
export type Msg = Record<string, unknown>;

/** The opsets of the ONNX default domain ('' or 'ai.onnx') that edgecl reads. */
export const ONNX_OPSET_MIN = 11;
export const ONNX_OPSET_MAX = 21;

export interface OnnxModel {
  /** The model file's path, as given. */
  readonly file: string;
  readonly irVersion: number;
  /** Opset of the default domain. */
  readonly opset: number;
  readonly opsetImports: readonly { readonly domain: string; readonly version: number }[];
  readonly producer: string;
  /** The decoded GraphProto (protobufjs message, camelCase field names). */
  readonly graph: Msg;
}

/** int64 fields decode as Long objects (protobufjs with long.js) or numbers. */
export function int64(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) {
    // long.js: `high` is signed for int64 and unsigned-as-signed for uint64.
    const l = v as { low: number; high: number; unsigned?: boolean };
    return (l.unsigned ? l.high >>> 0 : l.high) * 4294967296 + (l.low >>> 0);
  }
  return 0;
}

// Top-level fields of ModelProto and their wire types (0 varint, 2 length-delimited).
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map(Object.entries({ 1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2, 26: 2, 30: 2 }).map(([k, v]) => [Number(k), v]));

/** Reads and decodes `file`; checks the opset of the default domain is 11–21. */
export function readOnnxModel(file: string): OnnxModel {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new FrontendError(`cannot read ONNX model ${file}: ${fsReason(e)}.`);
  }
  return decodeOnnxModel(bytes, file);
}

/** Decodes ONNX model bytes; `file` names them in messages. */
export function decodeOnnxModel(bytes: Uint8Array, file: string): OnnxModel {
  if (bytes.length === 0) throw new FrontendError(`${file} is empty, not an ONNX model.`);
  checkTopLevel(bytes, file);
  let model: Msg;
  try {
    model = onnxSchema().ModelProto.decode(bytes) as unknown as Msg;
  } catch (e) {
    throw new FrontendError(
      `${file} is not an ONNX model: protobuf decoding failed (${(e as Error).message}). The file is truncated or of another kind.`,
    );
  }
  const graph = model['graph'] as Msg | null | undefined;
  if (!graph) {
    throw new FrontendError(`${file} holds no graph (ModelProto.graph is missing): it is not an ONNX model, or it is damaged.`);
  }
  const opsetImports = ((model['opsetImport'] as Msg[] | undefined) ?? []).map((o) => ({
    domain: typeof o['domain'] === 'string' ? (o['domain'] as string) : '',
    version: int64(o['version']),
  }));
  const main = opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const irVersion = int64(model['irVersion']);
  if (!main) {
    throw new FrontendError(`${file} imports no opset of the default ONNX domain; edgecl reads opsets ${ONNX_OPSET_MIN}–${ONNX_OPSET_MAX}.`);
  }
  if (main.version < ONNX_OPSET_MIN || main.version > ONNX_OPSET_MAX) {
    throw new FrontendError(
      `${file} uses ONNX opset ${main.version}; edgecl reads opsets ${ONNX_OPSET_MIN}–${ONNX_OPSET_MAX} of the default domain. ` +
        `Convert it with onnx.version_converter.convert_version(model, 13) (for example).`,
    );
  }
  const producer = [model['producerName'], model['producerVersion']].filter((s) => typeof s === 'string' && s !== '').join(' ');
  return { file, irVersion, opset: main.version, opsetImports, producer, graph };
}

/**
 * The top level must be ModelProto fields with their wire types, and length-delimited fields
 * must fit in the file: a truncated file, or another protobuf, is told apart here.
 */
function checkTopLevel(bytes: Uint8Array, file: string): void {
  const c = checkTopLevelFields(bytes, MODEL_FIELDS);
  if (c.ok) return;
  if ('decodeError' in c) {
    throw new FrontendError(`${file} is not an ONNX model: protobuf decoding failed (${c.decodeError}). The file is truncated or of another kind.`);
  }
  throw new FrontendError(
    `${file} is not an ONNX model: at byte ${c.at} it holds field ${c.field} (${c.wire}), which an ONNX ModelProto does not have. The file is damaged or of another kind.`,
  );
}
