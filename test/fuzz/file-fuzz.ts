/**
 * Fuzzing the single-file frontends (GraphDef `.pb`, ONNX, Keras `.h5` and `.keras`) with
 * corrupted copies of a valid seed file. A case applies 1–3 mutations drawn by fast-check:
 *
 * - bytes: truncation at any byte, bytes overwritten with hostile values, bytes inserted or
 *   deleted (what a broken download or disk does);
 * - protobuf fields (`.pb`, `.onnx`): the file is read as a tree of protobuf fields (a
 *   length-delimited field that parses as a message counts as one) and one field changes —
 *   a varint becomes a hostile number (0, -1, 2^31, 2^53+2, 2^64-1…), a 32-bit value a hostile
 *   float, a string or bytes field a hostile string, or the field is dropped or duplicated —
 *   then the tree is written back with correct lengths, so the damage reaches the decoder's
 *   users (shapes, dtypes, attributes, opsets) rather than stopping at the wire format;
 * - the zip member `config.json` of a `.keras` file: a JSON value replaced as the model.json
 *   fuzzer does it (frontend-fuzz.ts).
 *
 * Cases are classified by frontend-fuzz.ts `runCase` (load with `loadModel`, compile in memory):
 * an error must be a one-paragraph user error naming the file; anything else is a crash.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { fraction, hostileNumber, hostileString, hostileValue, mutateJsonText, runCase, type FuzzSummary, type Mutation, type Outcome } from './frontend-fuzz.js';

export type FileMutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'overwrite'; at: number; bytes: readonly number[] }
  | { kind: 'insert'; at: number; bytes: readonly number[] }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'proto-varint'; target: number; value: string }
  | { kind: 'proto-fixed32'; target: number; value: number }
  | { kind: 'proto-bytes'; target: number; value: string }
  | { kind: 'proto-drop'; target: number }
  | { kind: 'proto-dup'; target: number }
  | { kind: 'zip-json'; mutation: Extract<Mutation, { kind: 'replace' | 'number' | 'string' }> };

/** Where in the file, as a fraction of its length. */
const position = fraction;
const someBytes = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
  fc.constantFrom([0xff, 0xff, 0xff, 0xff], [0, 0, 0, 0], [0x7f, 0x7f, 0x7f, 0x7f], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
);
/** Varints that break arithmetic once decoded: as int32 / int64 / uint64 they are 0, negative, huge. */
const hostileVarint = fc.constantFrom(...[0n, 1n, 3n, 7n, 255n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n + 2n, 2n ** 63n - 1n, 2n ** 64n - 1n, 2n ** 64n - 7n].map(String));
const hostileFloat = fc.constantFrom(0, -1, NaN, Infinity, -Infinity, 1e30, -1e-30, 3.5);

const byteMutation: fc.Arbitrary<FileMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('overwrite' as const), at: position, bytes: someBytes }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: someBytes }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
);

const protoMutation: fc.Arbitrary<FileMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('proto-varint' as const), target: fc.nat(), value: hostileVarint }) },
  fc.record({ kind: fc.constant('proto-fixed32' as const), target: fc.nat(), value: hostileFloat }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('proto-bytes' as const), target: fc.nat(), value: hostileString }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('proto-drop' as const), target: fc.nat() }) },
  fc.record({ kind: fc.constant('proto-dup' as const), target: fc.nat() }),
);

const zipJsonMutation: fc.Arbitrary<FileMutation> = fc.record({
  kind: fc.constant('zip-json' as const),
  mutation: fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), target: fc.nat(), value: hostileValue }),
    fc.record({ kind: fc.constant('number' as const), target: fc.nat(), value: hostileNumber }),
    fc.record({ kind: fc.constant('string' as const), target: fc.nat(), value: hostileString }),
  ),
});

/** The mutations of a seed kind: byte damage for every file, plus field or member damage where the format has it. */
export function fileMutationArb(kind: 'protobuf' | 'hdf5' | 'zip'): fc.Arbitrary<FileMutation[]> {
  const one = kind === 'protobuf' ? fc.oneof(byteMutation, { weight: 3, arbitrary: protoMutation }) : kind === 'zip' ? fc.oneof(byteMutation, { weight: 2, arbitrary: zipJsonMutation }) : byteMutation;
  return fc.array(one, { minLength: 1, maxLength: 3 });
}

// ---------------------------------------------------------------------------------------------
// protobuf field trees
// ---------------------------------------------------------------------------------------------

interface PField {
  id: number;
  wire: number;
  /** varint / fixed values as raw bytes of the value (without the tag), or a sub-message. */
  value: Uint8Array | PField[];
}

/** Parses `bytes` as protobuf fields; undefined when they are not a well-formed message. */
function parseMessage(bytes: Uint8Array, depth: number): PField[] | undefined {
  const r = protobuf.Reader.create(bytes);
  const out: PField[] = [];
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      const id = tag >>> 3;
      const wire = tag & 7;
      if (id === 0 || (wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5)) return undefined;
      const start = r.pos;
      if (wire === 2) {
        const body = r.bytes();
        const sub = depth < 12 && body.length > 0 ? parseMessage(body, depth + 1) : undefined;
        out.push({ id, wire, value: sub ?? body });
      } else {
        r.skipType(wire);
        out.push({ id, wire, value: bytes.slice(start, r.pos) });
      }
    }
  } catch {
    return undefined;
  }
  return out;
}

/** Encodes fields, copying non-length-delimited values byte for byte. */
function rawEncode(fields: readonly PField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    parts.push(protobuf.Writer.create().uint32((f.id << 3) | f.wire).finish());
    if (f.wire === 2) {
      const body = Array.isArray(f.value) ? rawEncode(f.value) : f.value;
      parts.push(protobuf.Writer.create().uint32(body.length).finish(), body);
    } else parts.push(f.value as Uint8Array);
  }
  return concat(parts);
}

/** Every field of the tree with its parent list, depth-first, in file order. */
function allFields(fields: PField[], out: { parent: PField[]; index: number }[] = []): { parent: PField[]; index: number }[] {
  fields.forEach((f, index) => {
    out.push({ parent: fields, index });
    if (Array.isArray(f.value)) allFields(f.value, out);
  });
  return out;
}

function varintBytes(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) b |= 0x80;
    out.push(b);
  } while (x > 0n);
  return Uint8Array.from(out);
}

function mutateProto(bytes: Uint8Array, m: Extract<FileMutation, { kind: `proto-${string}` }>): Uint8Array {
  const tree = parseMessage(bytes, 0);
  if (!tree) return bytes;
  let slots = allFields(tree);
  if (m.kind === 'proto-varint') slots = slots.filter((s) => s.parent[s.index]!.wire === 0);
  if (m.kind === 'proto-fixed32') slots = slots.filter((s) => s.parent[s.index]!.wire === 5);
  if (m.kind === 'proto-bytes') slots = slots.filter((s) => s.parent[s.index]!.wire === 2 && !Array.isArray(s.parent[s.index]!.value));
  if (slots.length === 0) return bytes;
  const { parent, index } = slots[m.target % slots.length]!;
  const f = parent[index]!;
  switch (m.kind) {
    case 'proto-varint':
      parent[index] = { ...f, value: varintBytes(BigInt(m.value)) };
      break;
    case 'proto-fixed32': {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, m.value, true);
      parent[index] = { ...f, value: b };
      break;
    }
    case 'proto-bytes':
      parent[index] = { ...f, value: new TextEncoder().encode(m.value) };
      break;
    case 'proto-drop':
      parent.splice(index, 1);
      break;
    case 'proto-dup':
      parent.splice(index, 0, f);
      break;
  }
  return rawEncode(tree);
}

// ---------------------------------------------------------------------------------------------
// applying mutations and running cases
// ---------------------------------------------------------------------------------------------

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function mutateZipJson(bytes: Uint8Array, m: Extract<Mutation, { kind: 'replace' | 'number' | 'string' }>): Uint8Array {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch {
    return bytes;
  }
  const config = files['config.json'];
  if (!config) return bytes;
  files['config.json'] = strToU8(mutateJsonText(strFromU8(config), m));
  return zipSync(files, { level: 0 });
}

export function applyFileMutation(bytes: Uint8Array, m: FileMutation): Uint8Array {
  const at = 'at' in m ? Math.floor(m.at * bytes.length) : 0;
  switch (m.kind) {
    case 'truncate':
      return bytes.slice(0, at);
    case 'overwrite': {
      const out = bytes.slice();
      m.bytes.forEach((b, i) => {
        if (at + i < out.length) out[at + i] = b;
      });
      return out;
    }
    case 'insert':
      return concat([bytes.subarray(0, at), Uint8Array.from(m.bytes), bytes.subarray(at)]);
    case 'delete':
      return concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + m.length))]);
    case 'zip-json':
      return mutateZipJson(bytes, m.mutation);
    default:
      return mutateProto(bytes, m);
  }
}

/**
 * Runs `runs` mutated copies of `seed` (the bytes of a model file named `fileName`) in `work`,
 * with a fixed fast-check seed; yields to the event loop now and then.
 */
export async function fuzzFile(
  name: string,
  seed: Uint8Array,
  fileName: string,
  kind: 'protobuf' | 'hdf5' | 'zip',
  work: string,
  runs: number,
  rngSeed: number,
  limitMs: number,
): Promise<FuzzSummary> {
  const counts: Record<Outcome, number> = { ok: 0, user: 0, crash: 0, hang: 0 };
  const failures: FuzzSummary['failures'][number][] = [];
  const mutations = fc.sample(fileMutationArb(kind), { numRuns: runs, seed: rngSeed });
  mkdirSync(work, { recursive: true });
  const file = join(work, fileName);
  // A plain Uint8Array copy: Buffer's slice() is a view, and a mutation would damage the seed itself.
  const base = new Uint8Array(seed);
  for (const [i, ms] of mutations.entries()) {
    if (i % 50 === 49) await new Promise((done) => setImmediate(done));
    writeFileSync(file, ms.reduce(applyFileMutation, base));
    const r = runCase(file, limitMs);
    counts[r.outcome]++;
    if ((r.outcome === 'crash' || r.outcome === 'hang') && failures.length < 10) failures.push({ mutation: ms, result: r });
  }
  return { seed: name, tried: mutations.length, counts, failures };
}
