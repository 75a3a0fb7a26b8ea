import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeUserError, Session } from '../../runtime/index.js';
import { removeArtifacts, writeArtifact } from './artifact-fixture.js';

/**
 * A stateful artifact: every launch bumps a counter kept in a device buffer
 * that is neither input nor output, so a run that enqueued anything is visible.
 * y[i] = a[i] + b[i] + 100 * (launches so far)
 */
const source = `
__kernel void bump(__global const float *a, __global const int *b, __global int *state, __global float *y) {
  int i = get_global_id(0);
  barrier(CLK_GLOBAL_MEM_FENCE);
  if (i == 0) state[0] = (state[0] > 1000 || state[0] < 0) ? 1 : state[0] + 1;
  barrier(CLK_GLOBAL_MEM_FENCE);
  y[i] = a[i] + (float)b[i] + 100.0f * (float)state[0];
}
`;
const plan = {
  format: 'edgecl-plan',
  version: 1,
  name: 'bump',
  source: { file: 'hand', sha256: 'a'.repeat(64) },
  target: { precision: 'fp32', memory: 'buffer' },
  buildOptions: '',
  inputs: [
    { name: 'a', shape: [2, 2], dtype: 'f32', buffer: 0 },
    { name: 'b', shape: [4], dtype: 'i32', buffer: 1 },
  ],
  outputs: [{ name: 'y', shape: [4], dtype: 'f32', buffer: 3 }],
  buffers: [
    { id: 0, bytes: 16, values: ['a'] },
    { id: 1, bytes: 16, values: ['b'] },
    { id: 2, bytes: 4, values: ['state'] },
    { id: 3, bytes: 16, values: ['y'] },
  ],
  weights: { entries: [] },
  // One work-group of 4, so the barrier orders the counter update for every item.
  kernels: [{ name: 'bump', nodes: ['bump'], args: [0, 1, 2, 3].map((buffer) => ({ kind: 'buffer', buffer })), global: [4], local: [4] }],
};

let dir: string;
let s: Session;
beforeAll(() => {
  dir = writeArtifact({ source, plan });
  s = Session.open(dir);
});
afterAll(() => {
  s.dispose();
  removeArtifacts();
});

const good = () => ({ a: Float32Array.of(1, 2, 3, 4), b: Int32Array.of(10, 20, 30, 40) });
/** The counter after the last valid run (device buffers start uninitialized, so learn it from the first run). */
let counter: number | undefined;
/** Runs a valid input and checks the counter advanced by exactly one since the last valid run. */
function expectCounterAdvancedByOne(): void {
  const y = Array.from(s.run(good()).y!.data);
  const now = (y[0]! - 11) / 100;
  expect(Number.isInteger(now)).toBe(true);
  if (counter !== undefined) expect(now).toBe(counter + 1);
  expect(y).toEqual([11, 22, 33, 44].map((v) => v + 100 * now));
  counter = now;
}

describe('input validation', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown input name', { ...good(), c: new Float32Array(4) }, /no input named "c".*"a" \(f32 \[2, 2\]\).*"b" \(i32 \[4\]\)/],
    ['a missing input', { a: good().a }, /input "b" .* is missing; it must be a Int32Array of 4 elements \(i32, shape \[4\]\)/],
    ['the wrong typed array', { ...good(), a: Int32Array.of(1, 2, 3, 4) }, /input "a" .* must be a Float32Array of 4 elements \(f32, shape \[2, 2\]\), got Int32Array of 4 elements/],
    ['a Float64Array for f32', { ...good(), a: Float64Array.of(1, 2, 3, 4) }, /input "a" .*Float32Array.*got Float64Array/],
    ['a plain array', { ...good(), a: [1, 2, 3, 4] }, /input "a" .*got Array of 4 elements/],
    ['too few elements', { ...good(), b: Int32Array.of(1, 2, 3) }, /input "b" .*Int32Array of 4 elements.*got Int32Array of 3 elements/],
    ['too many elements', { ...good(), a: new Float32Array(5) }, /input "a" .*got Float32Array of 5 elements/],
  ];

  it('accepts good inputs', () => {
    expectCounterAdvancedByOne();
    expectCounterAdvancedByOne();
  });

  for (const [what, inputs, message] of cases) {
    it(`rejects ${what} before enqueueing anything`, () => {
      let error: unknown;
      try {
        s.run(inputs as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RuntimeUserError);
      expect((error as RuntimeUserError).isUserError).toBe(true);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(dir);
      expect((error as Error).message).not.toContain('\n');
      expectCounterAdvancedByOne(); // the failed run launched nothing
    });
  }

  it('rejects a non-object', () => {
    expect(() => s.run(null as never)).toThrow(RuntimeUserError);
    expect(() => s.profile(undefined as never)).toThrow(RuntimeUserError);
    expectCounterAdvancedByOne();
  });

  it('accepts a Buffer for a u8 input but not a Uint8ClampedArray', async () => {
    const { chainArtifact } = await import('./artifact-fixture.js');
    const c = Session.open(writeArtifact(chainArtifact(2)));
    try {
      const x = new Float32Array(8).fill(1);
      expect(Array.from(c.run({ x, mask: Buffer.from([1, 0]) }).count!.data)).toEqual([1]);
      expect(() => c.run({ x, mask: new Uint8ClampedArray(2) as never })).toThrow(/input "mask" .*Uint8Array of 2 elements.*got Uint8ClampedArray/);
    } finally {
      c.dispose();
    }
  });
});
