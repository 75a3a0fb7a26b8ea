/**
 * A look at a protobuf file's top-level fields before decoding it. protobufjs decodes leniently
 * (it skips field number 0 and does not compare wire types), so another protobuf, or a damaged
 * one, could otherwise decode into a plausible-looking message; the protobuf frontends (GraphDef,
 * ONNX) call this first and word the error for their format.
 */
import protobuf from 'protobufjs';

/** Wire type names as messages print them. */
export const WIRE_TYPES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', 'wire type 6', 'wire type 7'];

export type TopLevelCheck =
  | { readonly ok: true }
  /** A field the message does not have (or has with another wire type), at byte `at`. */
  | { readonly ok: false; readonly at: number; readonly field: number; readonly wire: string }
  /** The bytes end inside a field, or hold no valid tag: a truncated file or another kind. */
  | { readonly ok: false; readonly decodeError: string };

/** Checks that every top-level field of `bytes` is one of `fields` (number → wire type) and fits in the file. */
export function checkTopLevelFields(bytes: Uint8Array, fields: ReadonlyMap<number, number>): TopLevelCheck {
  const r = protobuf.Reader.create(bytes);
  try {
    while (r.pos < r.len) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (fields.get(field) !== wire) return { ok: false, at, field, wire: WIRE_TYPES[wire]! };
      r.skipType(wire);
    }
  } catch (e) {
    return { ok: false, decodeError: (e as Error).message };
  }
  return { ok: true };
}
