/**
 * Fuzzing the model frontends with corrupted model folders.
 *
 * A seed is a valid model folder (model.json + shards). A mutation, drawn by fast-check, damages
 * a copy of it: truncates model.json or a shard at any byte, pads a shard, replaces a JSON value
 * anywhere by a value of the wrong type, puts hostile numbers (0, negative, enormous, NaN,
 * Infinity, fractional) where numbers or numeric strings were, or breaks the node list (a node
 * without a name, duplicated, an input naming nothing, a cycle). Each case is loaded with
 * `loadModel` and, when that succeeds, compiled in memory with `compileToFiles` (shape inference,
 * passes, lowering, codegen; no device), and classified:
 *
 * - ok: it loaded (and compiled, or failed to compile with a user error);
 * - user: a user error (isUserError) of one paragraph that names a file of the model folder;
 * - crash: anything else, including a user error whose message is not one paragraph or names no file;
 * - hang: the case took longer than the time limit (checked by wall clock; cases run in-process).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadModel } from '../../compiler/frontends/index.js';
import { compileToFiles } from '../../compiler/compile.js';

export type Outcome = 'ok' | 'user' | 'crash' | 'hang';

/** A damage to a model folder; `describe` is what a failure report prints. */
export type Mutation =
  | { kind: 'truncate-json'; at: number }
  | { kind: 'truncate-shard'; shard: number; at: number }
  | { kind: 'pad-shard'; shard: number; bytes: number }
  | { kind: 'poke-shard'; shard: number; word: number; value: number; float: boolean }
  | { kind: 'replace'; target: number; value: unknown }
  | { kind: 'number'; target: number; value: number | string }
  | { kind: 'string'; target: number; value: string }
  | { kind: 'shape'; weight: number; shape: readonly number[] }
  | { kind: 'graph'; what: 'unname' | 'duplicate' | 'dangle' | 'cycle'; node: number; other: number };

/** Values of the wrong type (or of the right type and absurd). */
export const hostileValue = fc.constantFrom<unknown>(null, 0, -1, 1.5, 1e308, '', 'x', 'NaN', [], [1, 2], {}, { a: 1 }, true, -0);
/** Numbers that break arithmetic: zero, negative, fractional, huge (products past 2^53), non-finite. */
export const hostileNumber = fc.constantFrom<number | string>(0, -1, -7, 0.5, 2 ** 31, 2 ** 40, 2 ** 53 + 2, 1e300, 'NaN', 'Infinity', '-Infinity', '-1', '0', '4294967296', '9007199254740993');

/** Strings a model holds in places that select behaviour: dtypes, paddings, formats, activations. */
export const hostileString = fc.constantFrom(
  'int32', 'float32', 'bool', 'string', 'complex64', 'float16', 'uint8', 'DT_INT32', 'DT_STRING', 'DT_BOOL', 'DT_HALF',
  'SAME', 'VALID', 'EXPLICIT', 'NCHW', 'TlDSVw==', 'relu', 'linear', 'channels_first', '../../etc/passwd', '/etc/passwd', 'Const', 'Placeholder', 'Identity',
);
/** Weight shapes that lie: zero extents beside enormous ones, negative, products past 2^53. */
const hostileShape = fc.constantFrom<number[]>([0], [2 ** 53 + 2, 0], [0, -1], [-1, -4], [1e300, 0], [2 ** 27, 2 ** 27, 2 ** 27], [2 ** 31], [1.5, 2], [], [1, 1, 1, 1, 1, 1, 1, 1]);

/** A fraction of a length; `fc.double` would favour values so near 0 that most cuts land on byte 0. */
export const fraction = fc.nat({ max: 999_999 }).map((n) => n / 1_000_000);

const oneMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate-json' as const), at: fraction }),
  fc.record({ kind: fc.constant('truncate-shard' as const), shard: fc.nat(), at: fraction }),
  fc.record({ kind: fc.constant('pad-shard' as const), shard: fc.nat(), bytes: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant('poke-shard' as const),
    shard: fc.nat(),
    word: fc.nat(),
    value: fc.constantFrom(0, -1, -5, 2 ** 30, 2 ** 31 - 1, -(2 ** 31), NaN, Infinity, -Infinity, 1e30, 3.5),
    float: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('replace' as const), target: fc.nat(), value: hostileValue }),
  fc.record({ kind: fc.constant('number' as const), target: fc.nat(), value: hostileNumber }),
  fc.record({ kind: fc.constant('number' as const), target: fc.nat(), value: hostileNumber }),
  fc.record({ kind: fc.constant('string' as const), target: fc.nat(), value: hostileString }),
  fc.record({ kind: fc.constant('shape' as const), weight: fc.nat(), shape: hostileShape }),
  fc.record({ kind: fc.constant('graph' as const), what: fc.constantFrom('unname' as const, 'duplicate' as const, 'dangle' as const, 'cycle' as const), node: fc.nat(), other: fc.nat() }),
);

/** One case: one to three damages applied in turn. */
export const mutationArb: fc.Arbitrary<Mutation[]> = fc.array(oneMutation, { minLength: 1, maxLength: 3 });

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Slot = { parent: Json[] | { [k: string]: Json }; key: string | number };

/** Every place in a JSON tree that holds a value (for `replace`), in a fixed order. */
function slots(v: Json, out: Slot[] = []): Slot[] {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push({ parent: v, key: i });
      slots(x, out);
    });
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      out.push({ parent: v, key: k });
      slots(v[k]!, out);
    }
  }
  return out;
}

const get = (s: Slot): Json => (s.parent as Record<string | number, Json>)[s.key]!;
const set = (s: Slot, x: unknown): void => {
  (s.parent as Record<string | number, unknown>)[s.key] = x;
};
const isNumeric = (x: Json): boolean => typeof x === 'number' || (typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x));

/** Copies the seed folder into `dir` and applies the mutations there. */
export function applyMutations(seedDir: string, dir: string, ms: readonly Mutation[]): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(seedDir)) copyFileSync(join(seedDir, f), join(dir, f));
  for (const m of ms) applyMutation(dir, m);
}

function applyMutation(dir: string, m: Mutation): void {
  const jsonPath = join(dir, 'model.json');
  const text = readFileSync(jsonPath, 'utf8');
  const shards = readdirSync(dir).filter((f) => f !== 'model.json').sort();
  switch (m.kind) {
    case 'truncate-json':
      writeFileSync(jsonPath, text.slice(0, Math.floor(m.at * text.length)));
      return;
    case 'truncate-shard':
    case 'pad-shard': {
      if (shards.length === 0) return;
      const p = join(dir, shards[m.shard % shards.length]!);
      const bytes = readFileSync(p);
      const out = m.kind === 'truncate-shard' ? bytes.subarray(0, Math.floor(m.at * bytes.length)) : Buffer.concat([bytes, Buffer.alloc(m.bytes, 0x7f)]);
      writeFileSync(p, out);
      return;
    }
    case 'poke-shard': {
      // Weight values are what folded constants (shapes, paddings, ranges) are made of.
      if (shards.length === 0) return;
      const p = join(dir, shards[m.shard % shards.length]!);
      const bytes = readFileSync(p);
      if (bytes.length < 4) return;
      const at = 4 * (m.word % Math.floor(bytes.length / 4));
      if (m.float) bytes.writeFloatLE(m.value, at);
      else bytes.writeInt32LE(Number.isFinite(m.value) ? Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(m.value))) : 0, at);
      writeFileSync(p, bytes);
      return;
    }
    case 'replace':
    case 'number':
    case 'string':
      writeFileSync(jsonPath, mutateJsonText(text, m));
      return;
    case 'shape': {
      const json = parse(text) as { weightsManifest?: { weights?: { shape?: unknown }[] }[] } | undefined;
      const specs = Array.isArray(json?.weightsManifest) ? json.weightsManifest.flatMap((g) => (Array.isArray(g?.weights) ? g.weights : [])) : [];
      const spec = specs[m.weight % Math.max(1, specs.length)];
      if (!spec || typeof spec !== 'object') return;
      spec.shape = m.shape;
      writeFileSync(jsonPath, JSON.stringify(json));
      return;
    }
    case 'graph': {
      type Node = { name?: unknown; input?: unknown[]; inbound_nodes?: unknown };
      const json = parse(text) as { modelTopology?: { node?: Node[]; config?: { layers?: Node[] } } } | undefined;
      if (json === undefined || json === null || typeof json !== 'object') return;
      const nodes = json.modelTopology?.node ?? json.modelTopology?.config?.layers;
      if (!Array.isArray(nodes) || nodes.length === 0) return;
      const a = nodes[m.node % nodes.length]!;
      const b = nodes[m.other % nodes.length]!;
      // An earlier mutation may have replaced a node by a non-object.
      if (a === null || typeof a !== 'object' || b === null || typeof b !== 'object') return;
      if (m.what === 'unname') delete a.name;
      else if (m.what === 'duplicate') nodes.push(JSON.parse(JSON.stringify(a)) as typeof a);
      else if ('input' in a || json.modelTopology?.node) {
        // Graph model: `dangle` points an input at a missing node, `cycle` makes a and b read each other.
        a.input = [...(Array.isArray(a.input) ? a.input : []), m.what === 'dangle' ? 'no_such_node' : String(b.name)];
        if (m.what === 'cycle') b.input = [...(Array.isArray(b.input) ? b.input : []), String(a.name)];
      } else {
        // Layers model: the same through inbound_nodes (Keras 2 form: [[[layer, 0, 0, {}]]]).
        const la = a as { inbound_nodes?: unknown };
        const lb = b as { inbound_nodes?: unknown };
        la.inbound_nodes = [[[m.what === 'dangle' ? 'no_such_layer' : String(b.name), 0, 0, {}]]];
        if (m.what === 'cycle') lb.inbound_nodes = [[[String(a.name), 0, 0, {}]]];
      }
      writeFileSync(jsonPath, JSON.stringify(json));
      return;
    }
  }
}

/** A JSON value replaced somewhere in `text` (kept as it is when an earlier mutation broke the JSON). */
export function mutateJsonText(text: string, m: Extract<Mutation, { kind: 'replace' | 'number' | 'string' }>): string {
  const json = parse(text);
  if (json === undefined) return text;
  let all = slots(json);
  if (m.kind === 'number') all = all.filter((s) => isNumeric(get(s)));
  if (m.kind === 'string') all = all.filter((s) => typeof get(s) === 'string');
  if (all.length > 0) set(all[m.target % all.length]!, m.value);
  return JSON.stringify(json);
}

/** An earlier mutation may have truncated the JSON: later ones then leave it as it is. */
function parse(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

export interface CaseResult {
  readonly outcome: Outcome;
  readonly detail: string;
}

/** Loads (and compiles) one model — a folder, or a single model file — and classifies what happened. */
export function runCase(dir: string, limitMs: number): CaseResult {
  const t0 = performance.now();
  let result: CaseResult;
  try {
    loadModel(dir);
    try {
      compileToFiles(dir);
      result = { outcome: 'ok', detail: 'compiled' };
    } catch (e) {
      result = classifyError(e, dir, 'compile');
      if (result.outcome === 'user') result = { outcome: 'ok', detail: `loaded; compile refused it: ${result.detail}` };
    }
  } catch (e) {
    result = classifyError(e, dir, 'load');
  }
  const ms = performance.now() - t0;
  if (ms > limitMs) return { outcome: 'hang', detail: `took ${ms.toFixed(0)} ms (limit ${limitMs}); ${result.detail}` };
  return result;
}

function classifyError(e: unknown, dir: string, stage: string): CaseResult {
  const err = e as { isUserError?: unknown; message?: unknown; stack?: unknown } | null;
  const msg = typeof err?.message === 'string' ? err.message : String(e);
  if (err?.isUserError !== true) return { outcome: 'crash', detail: `${stage}: ${String(err?.stack ?? msg)}` };
  if (/\n\s*\n/.test(msg)) return { outcome: 'crash', detail: `${stage}: user error of several paragraphs: ${msg}` };
  // A frontend error names a file of the folder (model.json or a shard); a later stage's error
  // (shape inference, codegen limits) names the node instead.
  if (stage === 'compile' && /'[^']+'/.test(msg)) return { outcome: 'user', detail: msg };
  if (!msg.includes(dir) && !/model\.json|\.bin\b/.test(msg)) return { outcome: 'crash', detail: `${stage}: user error naming no file: ${msg}` };
  return { outcome: 'user', detail: msg };
}

export interface FuzzSummary {
  readonly seed: string;
  readonly tried: number;
  readonly counts: Record<Outcome, number>;
  /** The first few failing cases (crash or hang), with their mutation. */
  readonly failures: { mutation: readonly unknown[]; result: CaseResult }[];
}

/**
 * Runs `runs` mutations of one seed folder (fixed fast-check seed), in `work` (a scratch folder).
 * It yields to the event loop now and then so a long run keeps the vitest worker responsive.
 */
export async function fuzzSeed(name: string, seedDir: string, work: string, runs: number, rngSeed: number, limitMs: number): Promise<FuzzSummary> {
  const counts: Record<Outcome, number> = { ok: 0, user: 0, crash: 0, hang: 0 };
  const failures: FuzzSummary['failures'] = [];
  const mutations = fc.sample(mutationArb, { numRuns: runs, seed: rngSeed });
  const dir = join(work, 'case');
  for (const [i, m] of mutations.entries()) {
    if (i % 100 === 99) await new Promise((done) => setImmediate(done));
    applyMutations(seedDir, dir, m);
    const r = runCase(dir, limitMs);
    counts[r.outcome]++;
    if ((r.outcome === 'crash' || r.outcome === 'hang') && failures.length < 10) failures.push({ mutation: m, result: r });
  }
  return { seed: name, tried: mutations.length, counts, failures };
}

export function summaryLine(s: FuzzSummary): string {
  const c = s.counts;
  return `fuzz ${s.seed}: ${s.tried} cases, ${c.ok} ok, ${c.user} user errors, ${c.crash} crashes, ${c.hang} hangs`;
}
