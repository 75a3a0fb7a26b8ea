/**
 * Several sessions in one process, and many runs of one session in a row: each result must be
 * what a lone, fresh session gives for the same input (sessions share no OpenCL state, and a
 * run's output arrays are its own, never reused by the next run).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Session, type RunInputs, type RunOutputs } from '../../runtime/index.js';
import { addOneArtifact, chainArtifact, removeArtifacts, seeded, writeArtifact } from './artifact-fixture.js';

afterAll(removeArtifacts);


const addOne = writeArtifact(addOneArtifact(37));
const chain = writeArtifact(chainArtifact(9));
const addOneInputs = (k: number): RunInputs => ({ x: seeded(37, 100 + k) });
const chainInputs = (k: number): RunInputs => ({ x: seeded(36, 200 + k), mask: Uint8Array.from({ length: 9 }, (_, i) => (i + k) % 3 === 0 ? 0 : 1) });

/** Plain arrays, so toEqual compares values (and NaN equals NaN). */
const plain = (o: RunOutputs) => Object.fromEntries(Object.entries(o).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data) }]));

/** What a lone session gives for each input. */
function alone(dir: string, inputs: RunInputs[]) {
  const s = Session.open(dir);
  try {
    return inputs.map((i) => plain(s.run(i)));
  } finally {
    s.dispose();
  }
}

describe('sessions in one process', () => {
  const K = 20;
  const aIn = Array.from({ length: K }, (_, k) => addOneInputs(k));
  const cIn = Array.from({ length: K }, (_, k) => chainInputs(k));

  it('two sessions of different artifacts, runs interleaved, give what each gives alone', () => {
    const aWant = alone(addOne, aIn);
    const cWant = alone(chain, cIn);
    expect(aWant[0]).not.toEqual(aWant[1]); // the inputs differ, so a stale output would be caught
    const a = Session.open(addOne);
    const c = Session.open(chain);
    try {
      for (let k = 0; k < K; k++) {
        expect(plain(a.run(aIn[k]!))).toEqual(aWant[k]);
        expect(plain(c.run(cIn[k]!))).toEqual(cWant[k]);
        if (k % 5 === 0) expect(c.profile(cIn[k]!).kernels.map((t) => t.name)).toEqual(['affine_relu', 'scale_mask']);
      }
    } finally {
      c.dispose();
      a.dispose();
    }
  });

  it('two sessions of the same artifact do not share buffers', () => {
    const s1 = Session.open(chain);
    const s2 = Session.open(chain);
    try {
      const want = alone(chain, [cIn[0]!, cIn[1]!]);
      s1.run(cIn[0]!);
      expect(plain(s2.run(cIn[1]!))).toEqual(want[1]);
      expect(plain(s1.run(cIn[0]!))).toEqual(want[0]);
    } finally {
      s2.dispose();
      s1.dispose();
    }
  });

  it('back-to-back runs of one session, outputs kept and compared afterwards, are each correct', () => {
    const want = alone(chain, cIn);
    const s = Session.open(chain);
    try {
      const got: RunOutputs[] = [];
      for (let round = 0; round < 5; round++) for (const i of cIn) got.push(s.run(i));
      got.forEach((o, j) => expect(plain(o)).toEqual(want[j % K]));
    } finally {
      s.dispose();
    }
  });
});
