import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { RuntimeUserError, Session, readArtifact, validatePlan } from '../../runtime/index.js';
import { addOneArtifact, chainArtifact, removeArtifacts, writeArtifact } from './artifact-fixture.js';

afterAll(removeArtifacts);

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** A complete, valid plan.json object (with digests) for validator tests. */
function validPlan(): Record<string, unknown> {
  const dir = writeArtifact(chainArtifact(3));
  return JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Record<string, unknown>;
}

describe('artifact files', () => {
  it('reads a valid artifact', () => {
    const a = readArtifact(writeArtifact(chainArtifact(3)));
    expect(a.plan.kernels.map((k) => k.name)).toEqual(['affine_relu', 'scale_mask']);
    expect(a.weights.length).toBe(32);
    expect(a.source).toContain('__kernel void affine_relu');
  });

  it('refuses a model.cl whose sha256 differs, naming the file', () => {
    const dir = writeArtifact(addOneArtifact(4));
    const path = join(dir, 'model.cl');
    writeFileSync(path, readFileSync(path, 'utf8').replace('1.0f', '2.0f')); // same size, different bytes
    const e = errorOf(() => Session.open(dir));
    expect(e).toBeInstanceOf(RuntimeUserError);
    expect(e.message).toContain(`${path} does not match plan.json (sha256 `);
  });

  it('refuses a weights.bin of the wrong size, naming the file', () => {
    const dir = writeArtifact(chainArtifact(2));
    appendFileSync(join(dir, 'weights.bin'), Buffer.alloc(4));
    const e = errorOf(() => readArtifact(dir));
    expect(e).toBeInstanceOf(RuntimeUserError);
    expect(e.message).toContain(`${join(dir, 'weights.bin')} is 36 bytes but plan.json says 32`);
  });

  it('refuses a weights.bin with the right size but other content', () => {
    const dir = writeArtifact(chainArtifact(2));
    const path = join(dir, 'weights.bin');
    const w = readFileSync(path);
    w[0]! ^= 1;
    writeFileSync(path, w);
    expect(errorOf(() => readArtifact(dir)).message).toContain(`${path} does not match plan.json`);
  });

  it('refuses an unknown plan version, naming plan.json and the versions it reads', () => {
    const spec = addOneArtifact(4);
    spec.plan.version = 2;
    const dir = writeArtifact(spec);
    const e = errorOf(() => Session.open(dir));
    expect(e).toBeInstanceOf(RuntimeUserError);
    expect(e.message).toContain(`plan.json in ${dir} is invalid: version is not supported: this runtime reads plan version 1`);
    expect(e.message).toContain('got 2');
  });

  it('names missing files and folders', () => {
    const dir = writeArtifact(addOneArtifact(4));
    rmSync(join(dir, 'weights.bin'));
    expect(errorOf(() => readArtifact(dir)).message).toContain(`${join(dir, 'weights.bin')} is missing`);
    expect(errorOf(() => readArtifact(join(dir, 'nope'))).message).toContain(`artifact folder ${join(dir, 'nope')} does not exist`);
    expect(errorOf(() => readArtifact(join(dir, 'model.cl')))).toBeInstanceOf(RuntimeUserError);
  });

  it('refuses plan.json that is not JSON', () => {
    const dir = writeArtifact(addOneArtifact(4));
    writeFileSync(join(dir, 'plan.json'), '{"format": ');
    const e = errorOf(() => readArtifact(dir));
    expect(e).toBeInstanceOf(RuntimeUserError);
    expect(e.message).toContain(`${join(dir, 'plan.json')} is not valid JSON`);
  });
});

describe('validatePlan', () => {
  it('accepts a valid plan and ignores fields it does not know', () => {
    const p = validPlan();
    (p.inputs as Record<string, unknown>[])[0]!.preprocess = { scale: 2 };
    p.comment = 'added by a newer compiler';
    const plan = validatePlan(p);
    expect(plan.inputs[0]).toEqual({ name: 'x', shape: [3, 4], dtype: 'f32', buffer: 0 });
    expect(plan.kernels[1]!.args[2]).toEqual({ kind: 'f32', value: 0.5 });
  });

  type Mutation = [string, (p: any) => void, RegExp];
  const mutations: Mutation[] = [
    ['not an object', (p) => Object.keys(p).forEach((k) => delete p[k]), /format must be "edgecl-plan"/],
    ['format', (p) => (p.format = 'onnx'), /format must be "edgecl-plan"/],
    ['version as string', (p) => (p.version = '1'), /version is not supported.*got "1"/],
    ['missing name', (p) => delete p.name, /name must be a string, got nothing \(the field is missing\)/],
    ['source.sha256', (p) => (p.source.sha256 = 'xyz'), /source.sha256 must be a sha256 digest/],
    ['precision', (p) => (p.target.precision = 'fp16'), /target.precision must be "fp32", got "fp16"/],
    ['memory', (p) => (p.target.memory = 'image'), /target.memory must be "buffer"/],
    ['buildOptions', (p) => (p.buildOptions = 3), /buildOptions must be a string/],
    ['buffer id order', (p) => (p.buffers[1].id = 7), /buffers\[1\].id must be 1 \(buffer ids are 0..n-1 in order\), got 7/],
    ['buffer bytes', (p) => (p.buffers[0].bytes = -1), /buffers\[0\].bytes must be ≥ 0, got -1/],
    ['buffer bytes fraction', (p) => (p.buffers[0].bytes = 1.5), /buffers\[0\].bytes must be an integer, got 1.5/],
    ['io dtype', (p) => (p.inputs[0].dtype = 'f16'), /inputs\[0\].dtype must be "f32" or "u8" or "i32", got "f16"/],
    ['io shape', (p) => (p.outputs[0].shape = [3, 0]), /outputs\[0\].shape\[1\] must be ≥ 1, got 0/],
    ['io buffer ref', (p) => (p.inputs[1].buffer = 99), /inputs\[1\].buffer must be in \[0, 4\], got 99/],
    ['io too big', (p) => (p.inputs[0].shape = [30, 4]), /inputs\[0\] needs 480 bytes \(shape \[30, 4\] of f32\) but buffer 0 holds only 48/],
    ['duplicate io name', (p) => (p.inputs[1].name = 'x'), /inputs\[1\].name repeats the name "x"/],
    ['no outputs', (p) => (p.outputs = []), /outputs must list at least one output/],
    ['weight offset', (p) => (p.weights.entries[1].offset = 14), /weights.entries\[1\].offset must be a multiple of 4/],
    ['weight bytes', (p) => (p.weights.entries[0].bytes = 20), /weights.entries\[0\].bytes must equal the size of shape \[4\] of f32 \(16\)/],
    ['weight range', (p) => (p.weights.entries[1].offset = 24), /weights.entries\[1\] ends at byte 40, past weights.bytes \(32\)/],
    ['weights.bytes', (p) => (p.weights.bytes = 64), /weights.bytes must equal files\["weights.bin"\].bytes \(32\)/],
    ['kernel name', (p) => (p.kernels[0].name = 'a-b'), /kernels\[0\].name must be a C identifier/],
    ['arg kind', (p) => (p.kernels[0].args[0].kind = 'image'), /kernels\[0\].args\[0\].kind must be "buffer" or "weights" or "i32" or "f32"/],
    ['arg buffer', (p) => (p.kernels[1].args[0].buffer = 5), /kernels\[1\].args\[0\].buffer must be in \[0, 4\], got 5/],
    ['i32 range', (p) => (p.kernels[0].args[3].value = 2 ** 31), /kernels\[0\].args\[3\].value must be in \[-2147483648, 2147483647\]/],
    ['f32 value', (p) => (p.kernels[1].args[2].value = '0.5'), /kernels\[1\].args\[2\].value must be a finite number/],
    ['global rank', (p) => (p.kernels[1].global = [1, 1, 1, 1]), /kernels\[1\].global must have 1 to 3 dimensions/],
    ['global zero', (p) => (p.kernels[1].global = [0]), /kernels\[1\].global\[0\] must be ≥ 1/],
    ['local rank', (p) => (p.kernels[0].local = [1]), /kernels\[0\].local must have as many dimensions as global \(2\) or be null/],
    ['local divides', (p) => (p.kernels[0].local = [2, 4]), /kernels\[0\].global\[0\] \(3\) must be a multiple of local\[0\] \(2\)/],
    ['missing local', (p) => delete p.kernels[0].local, /kernels\[0\].local must be an array, got nothing/],
    ['nodes', (p) => (p.kernels[0].nodes = [1]), /kernels\[0\].nodes\[0\] must be a string/],
    ['no kernels', (p) => (p.kernels = []), /kernels must list at least one kernel/],
    ['files', (p) => delete p.files['model.cl'], /files\["model.cl"\] must be an object/],
  ];
  for (const [what, mutate, message] of mutations) {
    it(`rejects a bad ${what}, naming plan.json and the field`, () => {
      const p = validPlan();
      mutate(p);
      const e = errorOf(() => validatePlan(p, 'plan.json in /somewhere'));
      expect(e).toBeInstanceOf(RuntimeUserError);
      expect(e.message).toMatch(/^plan.json in \/somewhere is invalid: /);
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain('\n');
    });
  }

  it('never throws anything but a RuntimeUserError on arbitrary JSON', () => {
    const base = validPlan();
    const keys = Object.keys(base);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const p = structuredClone(base);
        p[key] = value;
        try {
          validatePlan(p);
        } catch (e) {
          expect(e).toBeInstanceOf(RuntimeUserError);
        }
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(() => validatePlan(value)).toThrow(RuntimeUserError);
      }),
      { numRuns: 200 },
    );
  });
});
