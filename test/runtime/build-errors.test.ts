import { afterAll, describe, expect, it } from 'vitest';
import { ProgramBuildError, RuntimeUserError, Session, isUserError } from '../../runtime/index.js';
import { offendingSource } from '../../runtime/opencl/program.js';
import { addOneArtifact, removeArtifacts, writeArtifact } from './artifact-fixture.js';

afterAll(removeArtifacts);

function openError(dir: string): Error {
  try {
    Session.open(dir).dispose();
  } catch (e) {
    return e as Error;
  }
  throw new Error('Session.open was expected to fail');
}

describe('program build failures', () => {
  it('surface the build log, the offending line and the artifact, as a user error', () => {
    const spec = addOneArtifact(4);
    spec.source = spec.source.replace('out[i] = in[i] + 1.0f;', 'out[i] = in[i] + undefined_thing_42;');
    const dir = writeArtifact(spec);
    const e = openError(dir);
    expect(e).toBeInstanceOf(ProgramBuildError);
    expect(isUserError(e)).toBe(true);
    const b = e as ProgramBuildError;
    expect(b.statusName).toBe('CL_BUILD_PROGRAM_FAILURE');
    expect(b.message).toMatch(/^clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE/);
    expect(b.message).toContain(`model.cl of artifact ${dir}`);
    expect(b.message).toContain('-cl-std=CL1.2');
    expect(b.buildLog).toContain('undefined_thing_42'); // the driver's own diagnosis
    expect(b.message).toContain(b.buildLog.split('\n')[0]!);
    expect(b.message).toMatch(/Offending source lines:\n\s+4: .*undefined_thing_42/);
    expect(b.source).toBe(spec.source);
  });

  it('show the start of the source when the log cites no line', () => {
    const text = offendingSource('a\nb\nc', 'something went wrong');
    expect(text).toContain('Start of the source');
    expect(text).toContain('1: a');
    expect(text).toContain('3: c');
  });

  it('reject a kernel the plan names but model.cl lacks', () => {
    const spec = addOneArtifact(4);
    (spec.plan.kernels as { name: string }[])[0]!.name = 'add_two';
    const dir = writeArtifact(spec);
    const e = openError(dir);
    expect(e).toBeInstanceOf(RuntimeUserError);
    expect(e.message).toContain('kernel "add_two" is not defined in model.cl of artifact');
    expect(e.message).toContain(dir);
  });

  it('reject a plan whose argument list does not match the kernel', () => {
    const spec = addOneArtifact(4);
    (spec.plan.kernels as { args: unknown[] }[])[0]!.args.pop();
    const e = openError(writeArtifact(spec));
    expect(e).toBeInstanceOf(RuntimeUserError);
    expect(e.message).toMatch(/kernel "add_one" \(plan.json kernels\[0\]\).* takes 3 arguments in model.cl but plan.json lists 2/);
  });

  it('reject a scalar where the kernel takes a buffer', () => {
    const spec = addOneArtifact(4);
    (spec.plan.kernels as { args: unknown[] }[])[0]!.args[0] = { kind: 'i32', value: 1 };
    const e = openError(writeArtifact(spec));
    expect(isUserError(e)).toBe(true);
    expect(e.message).toMatch(/argument 0: the driver rejects a i32 argument here \(CL_INVALID_ARG_SIZE\)/);
  });

  it('reject a work-group larger than the device allows', () => {
    const spec = addOneArtifact(1 << 20);
    (spec.plan.kernels as { local: number[] | null }[])[0]!.local = [1 << 20];
    const e = openError(writeArtifact(spec));
    expect(isUserError(e)).toBe(true);
    expect(e.message).toMatch(/asks for work-groups of 1048576 work-items .* allows at most \d+ for this kernel/);
  });
});
