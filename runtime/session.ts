/**
 * A Session runs one artifact on one OpenCL device.
 *
 * Everything that does not depend on the input values is done once in
 * `open()`: the program is built, every buffer allocated, every kernel
 * created with its arguments set (shapes are static), and the launch sizes
 * packed into native arrays. `run()` then only copies inputs in, enqueues
 * the kernels in plan order and copies outputs out. With `guardBytes` (a test
 * aid) every buffer is fenced by guard bands checked after each run (guards.ts).
 */
import { performance } from 'node:perf_hooks';
import { RuntimeUserError } from './errors.js';
import { readArtifact, type Artifact } from './artifact.js';
import type { IoSpec, KernelSpec, Plan } from './plan.js';
import { allocate, arrayTypeName, describeValue, elementCount, isArrayOf, type IoDtype, type TensorData } from './dtypes.js';
import { ReleaseStack } from './resources.js';
import { GuardBandError, GuardBands, type GuardViolation } from './guards.js';
import { NonFiniteOutputError, findNonFinite } from './finite.js';
import {
  OpenCLError,
  buildProgram,
  constants as C,
  createBuffer,
  createContext,
  createKernel,
  createQueue,
  deviceLocalMemBytes,
  deviceMemBaseAddrAlignBytes,
  enqueueKernel,
  eventDurationMs,
  finish,
  kernelLocalMemBytes,
  kernelMaxWorkGroupSize,
  kernelNumArgs,
  makeNDRange,
  readBuffer,
  releaseContext,
  releaseEvent,
  releaseKernel,
  releaseMem,
  releaseProgram,
  releaseQueue,
  selectDevice,
  setFloat32Arg,
  setInt32Arg,
  setMemArg,
  writeBuffer,
  type ClCommandQueue,
  type ClContext,
  type ClEvent,
  type ClKernel,
  type ClMem,
  type DeviceHandle,
  type DeviceInfo,
  type NDRange,
  type OutBox,
} from './opencl/index.js';

export interface SessionOptions {
  /** Device selector (substring of platform or device name, optional `:index`); default: EDGECL_DEVICE, then first GPU, then first CPU. */
  device?: string;
  /** Create the queue with CL_QUEUE_PROFILING_ENABLE (otherwise `profile()` creates a profiling queue on first use). */
  profiling?: boolean;
  /**
   * Test aid: fence every buffer with this many guard bytes on each side, filled with a sentinel,
   * and check them after every run (a `GuardBandError` names the buffer, its values and the
   * kernels that wrote outside it). Off (0) by default: it costs two reads per buffer per run.
   */
  guardBytes?: number;
  /**
   * After every run() and profile(), scan the f32 outputs for NaN and ±Inf and throw a
   * `NonFiniteOutputError` (a user error) naming each such output, its counts and the first
   * flat index. Off by default: it reads every output value once more. Inputs are not checked.
   */
  checkFinite?: boolean;
}

export type RunInputs = Record<string, TensorData>;
export interface OutputTensor {
  shape: number[];
  dtype: IoDtype;
  data: TensorData;
}
export type RunOutputs = Record<string, OutputTensor>;

export interface KernelTiming {
  name: string;
  /** The IR nodes the kernel computes, from plan.json. */
  nodes: string[];
  /** Device execution time (profiling END − START). */
  ms: number;
}
export interface ProfileResult {
  /** Host wall-clock time of the whole run: input copies, every kernel, output copies. */
  totalMs: number;
  /** One entry per launch, in launch order. */
  kernels: KernelTiming[];
}

/** A plan input or output with the device buffer it lives in. */
interface IoBinding {
  spec: IoSpec;
  mem: ClMem;
  elements: number;
  /** `input "x"`, for transfer error messages (built once, not per run). */
  label: string;
}

/** A kernel ready to enqueue. */
interface Launch {
  spec: KernelSpec;
  kernel: ClKernel;
  range: NDRange;
}

/** The OpenCL objects of an open session. */
interface Compiled {
  context: ClContext;
  queue: ClCommandQueue;
  profiling: boolean;
  inputs: Map<string, IoBinding>;
  outputs: IoBinding[];
  launches: Launch[];
  /** Present when the session was opened with `guardBytes`. */
  guards: GuardBands | null;
}

export class Session {
  readonly plan: Plan;
  readonly inputs: readonly IoSpec[];
  readonly outputs: readonly IoSpec[];
  readonly device: DeviceInfo;
  /** The artifact folder this session was opened from. */
  readonly dir: string;

  private compiled: Compiled | null;
  private profilingQueue: ClCommandQueue | null = null;
  private readonly resources: ReleaseStack;
  private readonly deviceHandle: DeviceHandle;
  private readonly checkFinite: boolean;

  private constructor(artifact: Artifact, device: DeviceHandle, compiled: Compiled, resources: ReleaseStack, checkFinite: boolean) {
    this.plan = artifact.plan;
    this.inputs = artifact.plan.inputs;
    this.outputs = artifact.plan.outputs;
    this.dir = artifact.dir;
    this.device = device.info;
    this.deviceHandle = device;
    this.compiled = compiled;
    this.resources = resources;
    this.checkFinite = checkFinite;
  }

  static open(artifactDir: string, opts: SessionOptions = {}): Session {
    const artifact = readArtifact(artifactDir);
    const guardBytes = opts.guardBytes ?? 0;
    if (!Number.isSafeInteger(guardBytes) || guardBytes < 0) {
      throw new RuntimeUserError(`SessionOptions.guardBytes must be a non-negative integer (bytes fenced on each side of every buffer), got ${typeof guardBytes === 'number' ? String(guardBytes) : describeValue(guardBytes)}.`);
    }
    const device = selectDevice(opts.device ?? process.env.EDGECL_DEVICE);
    const resources = new ReleaseStack();
    try {
      const compiled = compile(artifact, device, opts.profiling === true, guardBytes, resources);
      return new Session(artifact, device, compiled, resources, opts.checkFinite === true);
    } catch (e) {
      resources.releaseAll(); // the original error is the one worth reporting
      throw e;
    }
  }

  get disposed(): boolean {
    return this.compiled === null;
  }

  /** Runs the model once. Inputs are checked before anything is enqueued. */
  run(inputs: RunInputs): RunOutputs {
    const c = this.live('run');
    this.checkInputs(inputs);
    return this.guarded(c.queue, () => {
      this.writeInputs(c.queue, c, inputs);
      for (let i = 0; i < c.launches.length; i++) {
        const launch = c.launches[i]!;
        const status = enqueueKernel(c.queue, launch.kernel, launch.range);
        if (status !== 0) throw this.launchError(status, i, c);
      }
      const outputs = this.readOutputs(c.queue, c);
      if (c.guards) this.checkGuards(c.queue, c, c.guards, inputs);
      if (this.checkFinite) this.requireFinite(outputs);
      return outputs;
    });
  }

  /** Runs the model once with a profiling queue and reports per-kernel device times. */
  profile(inputs: RunInputs): ProfileResult {
    const c = this.live('profile');
    this.checkInputs(inputs);
    const queue = c.profiling ? c.queue : (this.profilingQueue ??= this.resources.own(createQueue(c.context, this.deviceHandle.device, { profiling: true }), releaseQueue));

    const events: ClEvent[] = [];
    const box: OutBox<ClEvent | null> = [null];
    try {
      return this.guarded(queue, () => {
        const t0 = performance.now();
        this.writeInputs(queue, c, inputs);
        for (let i = 0; i < c.launches.length; i++) {
          const launch = c.launches[i]!;
          box[0] = null;
          const status = enqueueKernel(queue, launch.kernel, launch.range, box);
          if (status !== 0) throw this.launchError(status, i, c);
          events.push(box[0]!);
        }
        const outputs = this.readOutputs(queue, c); // ends blocking: every kernel before it has finished
        const totalMs = performance.now() - t0;
        if (c.guards) this.checkGuards(queue, c, c.guards, inputs);
        if (this.checkFinite) this.requireFinite(outputs);
        const kernels = c.launches.map((l, i) => ({ name: l.spec.name, nodes: l.spec.nodes, ms: eventDurationMs(events[i]!) }));
        return { totalMs, kernels };
      });
    } finally {
      for (const e of events) releaseEvent(e);
    }
  }

  /** Releases every OpenCL object of the session. Idempotent. */
  dispose(): void {
    if (this.compiled === null) return;
    this.compiled = null;
    this.profilingQueue = null;
    const failures = this.resources.releaseAll();
    if (failures.length > 0) throw failures[0];
  }

  // ---- internals -----------------------------------------------------------

  private live(method: string): Compiled {
    if (this.compiled === null) throw new Error(`Session.${method}() called on a disposed session (artifact ${this.dir}); open a new Session.`);
    return this.compiled;
  }

  private checkInputs(inputs: RunInputs): void {
    const c = this.compiled!;
    if (typeof inputs !== 'object' || inputs === null) {
      throw new RuntimeUserError(`the inputs to artifact ${this.dir} must be an object mapping input names to typed arrays, got ${describeValue(inputs)}.`);
    }
    for (const name of Object.keys(inputs)) {
      if (!c.inputs.has(name)) {
        const expected = this.inputs.map((s) => `"${s.name}" (${s.dtype} [${s.shape.join(', ')}])`).join(', ');
        throw new RuntimeUserError(`artifact ${this.dir} has no input named "${name}"; its inputs are ${expected}.`);
      }
    }
    for (const { spec, elements } of c.inputs.values()) {
      const data: unknown = inputs[spec.name];
      if (isArrayOf(data, spec.dtype) && data.length === elements) continue; // the hot path builds no strings
      const want = `a ${arrayTypeName(spec.dtype)} of ${elements} elements (${spec.dtype}, shape [${spec.shape.join(', ')}])`;
      if (data === undefined) throw new RuntimeUserError(`input "${spec.name}" of artifact ${this.dir} is missing; it must be ${want}.`);
      throw new RuntimeUserError(`input "${spec.name}" of artifact ${this.dir} must be ${want}, got ${describeValue(data)}.`);
    }
  }

  /**
   * Inputs are written non-blocking: the driver reads the caller's typed
   * arrays in place (koffi passes their memory, not a copy), and they cannot
   * change before run() returns because run() is synchronous and ends with a
   * blocking read on the same in-order queue. This saves one host/device
   * round trip per input (~35 µs each on PoCL).
   */
  private writeInputs(queue: ClCommandQueue, c: Compiled, inputs: RunInputs): void {
    for (const b of c.inputs.values()) writeBuffer(queue, b.mem, inputs[b.spec.name]!, false, b.label);
  }

  /** Every read but the last is non-blocking; the last, blocking, read completes them all (in-order queue). */
  private readOutputs(queue: ClCommandQueue, c: Compiled): RunOutputs {
    const out: RunOutputs = {};
    const last = c.outputs.length - 1;
    c.outputs.forEach((b, i) => {
      const data = allocate(b.spec.dtype, b.elements);
      readBuffer(queue, b.mem, data, i === last, b.label);
      out[b.spec.name] = { shape: [...b.spec.shape], dtype: b.spec.dtype, data };
    });
    return out;
  }

  /**
   * Runs `body`; if it throws after enqueueing, waits for the queue before
   * rethrowing, so the driver never touches the caller's arrays after we return.
   */
  private guarded<T>(queue: ClCommandQueue, body: () => T): T {
    try {
      return body();
    } catch (e) {
      try {
        finish(queue);
      } catch {
        // The original error is the one to report.
      }
      throw e;
    }
  }

  /**
   * Reads every guard band back; if one changed, replays the run one launch at a time (same
   * inputs, guards restored) to find the kernels that write there, restores the guards so the
   * session stays usable, and throws a GuardBandError.
   */
  private checkGuards(queue: ClCommandQueue, c: Compiled, guards: GuardBands, inputs: RunInputs): void {
    const found = guards.check(queue);
    if (found.length === 0) return;
    const tripped = new Set(found.map((v) => v.buffer));
    const writers = new Map<number, string[]>(found.map((v) => [v.buffer, []]));
    guards.refill(queue, tripped);
    this.writeInputs(queue, c, inputs);
    for (let i = 0; i < c.launches.length; i++) {
      const launch = c.launches[i]!;
      const status = enqueueKernel(queue, launch.kernel, launch.range);
      if (status !== 0) throw this.launchError(status, i, c);
      const now = guards.check(queue, tripped); // ends with clFinish: launch i is complete
      if (now.length === 0) continue;
      for (const v of now) {
        const list = writers.get(v.buffer)!;
        const who = `${launch.spec.name} (launch ${i})`;
        if (!list.includes(who)) list.push(who);
      }
      // Restore them, so a later launch writing there too is named as well.
      guards.refill(queue, new Set(now.map((v) => v.buffer)));
    }
    guards.refill(queue);
    const violations: GuardViolation[] = found.map((v) => ({ ...v, writers: writers.get(v.buffer)! }));
    throw new GuardBandError(this.dir, violations);
  }

  private requireFinite(outputs: RunOutputs): void {
    const bad = findNonFinite(outputs);
    if (bad.length > 0) throw new NonFiniteOutputError(this.dir, bad);
  }

  private launchError(status: number, index: number, c: Compiled): OpenCLError {
    const spec = c.launches[index]!.spec;
    return new OpenCLError('clEnqueueNDRangeKernel', status, `kernel "${spec.name}", launch ${index} of ${c.launches.length}, global [${spec.global.join(', ')}], local ${spec.local ? `[${spec.local.join(', ')}]` : 'null'}, artifact ${this.dir}`);
  }
}

/** Creates every OpenCL object the artifact needs, registering each with `res` as soon as it exists. */
function compile(artifact: Artifact, device: DeviceHandle, profiling: boolean, guardBytes: number, res: ReleaseStack): Compiled {
  const { plan, dir } = artifact;
  const label = `model.cl of artifact ${dir}`;
  const dev = device.device;

  const context = res.own(createContext(dev), releaseContext);
  const queue = res.own(createQueue(context, dev, { profiling }), releaseQueue);
  const program = res.own(buildProgram(context, dev, artifact.source, plan.buildOptions, label, device.info.name), releaseProgram);

  const guards = guardBytes > 0 ? new GuardBands(guardBytes, deviceMemBaseAddrAlignBytes(dev), plan.kernels) : null;
  const buffers = plan.buffers.map((b) => {
    const bytes = guards ? guards.parentBytes(b.bytes) : b.bytes;
    if (bytes > device.info.maxMemAllocBytes) {
      throw new RuntimeUserError(`buffer ${b.id} of artifact ${dir} needs ${bytes} bytes${guards ? ' with its guard bands' : ''}, more than "${device.info.name}" can allocate at once (${device.info.maxMemAllocBytes}).`);
    }
    if (guards) return guards.allocate(context, b, res);
    // OpenCL forbids zero-sized buffers.
    return res.own(createBuffer(context, C.CL_MEM_READ_WRITE, Math.max(b.bytes, 4), null, `buffer ${b.id}`), releaseMem);
  });
  guards?.fillAll(queue);
  const weights = res.own(
    artifact.weights.length > 0
      ? createBuffer(context, C.CL_MEM_READ_ONLY | C.CL_MEM_COPY_HOST_PTR, artifact.weights.length, artifact.weights, 'weights.bin')
      : createBuffer(context, C.CL_MEM_READ_ONLY, 4, null, 'empty weights'),
    releaseMem,
  );

  const localMemLimit = deviceLocalMemBytes(dev);
  const launches = plan.kernels.map((spec, i): Launch => {
    const where = `kernel "${spec.name}" (plan.json kernels[${i}]) of artifact ${dir}`;
    const kernel = res.own(createKernel(program, spec.name, label), releaseKernel);
    const numArgs = kernelNumArgs(kernel);
    if (numArgs !== spec.args.length) {
      throw new RuntimeUserError(`${where} takes ${numArgs} arguments in model.cl but plan.json lists ${spec.args.length}.`);
    }
    spec.args.forEach((arg, j) => setArg(kernel, j, arg, buffers, weights, `${where}, argument ${j}`));
    if (spec.local) {
      const wg = spec.local.reduce((a, b) => a * b, 1);
      const max = kernelMaxWorkGroupSize(kernel, dev);
      if (wg > max) {
        throw new RuntimeUserError(`${where} asks for work-groups of ${wg} work-items ([${spec.local.join(', ')}]) but "${device.info.name}" allows at most ${max} for this kernel; recompile or retune the artifact for this device.`);
      }
    }
    // PoCL's CPU driver aborts the whole process (an assertion) when a launch needs more local
    // memory than the device has, instead of returning CL_OUT_OF_RESOURCES: refuse it here.
    const localBytes = kernelLocalMemBytes(kernel, dev);
    if (localBytes > localMemLimit) {
      throw new RuntimeUserError(`${where} needs ${localBytes} bytes of local memory but "${device.info.name}" has ${localMemLimit}; recompile the artifact for this device.`);
    }
    return { spec, kernel, range: makeNDRange(spec.global, spec.local) };
  });

  // validatePlan guarantees every input/output fits the buffer it names.
  const bind = (kind: 'input' | 'output') => (spec: IoSpec): IoBinding => ({
    spec,
    mem: buffers[spec.buffer]!,
    elements: elementCount(spec.shape),
    label: `${kind} "${spec.name}" of artifact ${dir}`,
  });
  return {
    context,
    queue,
    profiling,
    inputs: new Map(plan.inputs.map((s) => [s.name, bind('input')(s)])),
    outputs: plan.outputs.map(bind('output')),
    launches,
    guards,
  };
}

function setArg(kernel: ClKernel, index: number, arg: KernelSpec['args'][number], buffers: ClMem[], weights: ClMem, what: string): void {
  try {
    switch (arg.kind) {
      case 'buffer':
        return setMemArg(kernel, index, buffers[arg.buffer]!, what);
      case 'weights':
        return setMemArg(kernel, index, weights, what);
      case 'i32':
        return setInt32Arg(kernel, index, arg.value, what);
      case 'f32':
        return setFloat32Arg(kernel, index, arg.value, what);
    }
  } catch (e) {
    // A rejected argument means plan.json and model.cl disagree on the kernel's signature.
    if (e instanceof OpenCLError) {
      throw new RuntimeUserError(`${what}: the driver rejects a ${arg.kind} argument here (${e.statusName}); plan.json and model.cl disagree on this kernel's parameters.`, { cause: e });
    }
    throw e;
  }
}
