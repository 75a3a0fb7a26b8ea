import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RuntimeUserError, Session, findDevice, isUserError, listDevices } from '../../runtime/index.js';
import { parseSelector, selectDevice, type DeviceHandle } from '../../runtime/opencl/devices.js';
import { addOneArtifact, removeArtifacts, writeArtifact } from './artifact-fixture.js';

afterAll(removeArtifacts);
const savedEnv = process.env.EDGECL_DEVICE;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.EDGECL_DEVICE;
  else process.env.EDGECL_DEVICE = savedEnv;
});

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('listDevices', () => {
  it('finds at least one device with sane properties', () => {
    const devices = listDevices();
    expect(devices.length).toBeGreaterThanOrEqual(1);
    devices.forEach((d, i) => {
      expect(d.index).toBe(i);
      expect(d.platform.length).toBeGreaterThan(0);
      expect(d.name.length).toBeGreaterThan(0);
      expect(['GPU', 'CPU', 'ACCELERATOR', 'OTHER']).toContain(d.type);
      expect(d.version).toMatch(/^OpenCL \d+\.\d+/);
      expect(d.driverVersion.length).toBeGreaterThan(0);
      expect(d.computeUnits).toBeGreaterThanOrEqual(1);
      expect(d.globalMemBytes).toBeGreaterThan(1 << 20);
      expect(d.maxMemAllocBytes).toBeGreaterThan(0);
      expect(d.maxMemAllocBytes).toBeLessThanOrEqual(d.globalMemBytes);
      expect(d.maxWorkGroupSize).toBeGreaterThanOrEqual(1);
      expect(typeof d.fp16).toBe('boolean');
      expect(d.name).not.toMatch(/\0|\s$/);
    });
  });
});

describe('device selection', () => {
  it('parses selectors', () => {
    expect(parseSelector('pocl')).toEqual({ pattern: 'pocl', index: undefined });
    expect(parseSelector('PoCL:1')).toEqual({ pattern: 'PoCL', index: 1 });
    expect(parseSelector(':0')).toEqual({ pattern: '', index: 0 });
    expect(parseSelector('a:b:2')).toEqual({ pattern: 'a:b', index: 2 });
    expect(parseSelector('a:b')).toEqual({ pattern: 'a:b', index: undefined });
  });

  // A fake device list, to test the rules independently of this machine.
  const fake = (platform: string, name: string, type: DeviceHandle['info']['type'], index: number): DeviceHandle =>
    ({ platform: null, device: null, info: { index, platform, name, type, version: 'OpenCL 1.2' } }) as unknown as DeviceHandle;
  const devices = [
    fake('Portable Computing Language', 'pthread-cpu', 'CPU', 0),
    fake('QUALCOMM Snapdragon(TM)', 'QUALCOMM Adreno(TM)', 'GPU', 1),
    fake('Intel(R) OpenCL', 'Intel CPU', 'CPU', 2),
    fake('Intel(R) OpenCL', 'Intel GPU', 'GPU', 3),
  ];

  it('defaults to the first GPU, else the first CPU', () => {
    expect(selectDevice(undefined, devices).info.index).toBe(1);
    expect(selectDevice('  ', devices).info.index).toBe(1);
    expect(selectDevice(undefined, [devices[0]!, devices[2]!]).info.index).toBe(0);
  });

  it('matches platform or device names case-insensitively, with :index among the matches', () => {
    expect(selectDevice('adreno', devices).info.index).toBe(1);
    expect(selectDevice('qualcomm', devices).info.index).toBe(1);
    expect(selectDevice('INTEL', devices).info.index).toBe(2);
    expect(selectDevice('intel:1', devices).info.index).toBe(3);
    expect(selectDevice('cpu:1', devices).info.index).toBe(2);
    expect(selectDevice(':3', devices).info.index).toBe(3);
  });

  it('lists the available devices when nothing matches', () => {
    const e = errorOf(() => selectDevice('nvidia', devices));
    expect(e).toBeInstanceOf(RuntimeUserError);
    expect(e.message).toContain('no OpenCL device matches the device selector "nvidia"');
    for (const d of devices) expect(e.message).toContain(d.info.name);
  });

  it('rejects an index past the matches', () => {
    const e = errorOf(() => selectDevice('intel:2', devices));
    expect(isUserError(e)).toBe(true);
    expect(e.message).toMatch(/matches only 2 device\(s\) \(indices 0..1\)/);
  });

  it('works on the real devices: substring, :index, options and EDGECL_DEVICE', () => {
    const real = listDevices();
    const first = real[0]!;
    expect(findDevice(':0').name).toBe(first.name);
    expect(findDevice(`${first.name.slice(0, 6).toUpperCase()}:0`).name).toBe(first.name);
    expect(findDevice(`${first.platform.toLowerCase()}`).platform).toBe(first.platform);

    const dir = writeArtifact(addOneArtifact(4));
    const e = errorOf(() => Session.open(dir, { device: 'no-such-device-xyz' }));
    expect(e).toBeInstanceOf(RuntimeUserError);
    expect(e.message).toContain(first.name);

    const s = Session.open(dir, { device: `:${real.length - 1}` });
    expect(s.device.index).toBe(real.length - 1);
    expect(Array.from(s.run({ x: Float32Array.of(1, 1, 1, 1) }).y!.data)).toEqual([2, 2, 2, 2]);
    s.dispose();

    process.env.EDGECL_DEVICE = 'no-such-device-xyz';
    expect(() => Session.open(dir)).toThrow(/no OpenCL device matches the device selector "no-such-device-xyz"/);
    expect(Session.open(dir, { device: ':0' }).dispose()).toBeUndefined(); // the option wins over the variable
  });
});

describe('no OpenCL platform', () => {
  it('is a user error saying how to install one', () => {
    // ocl-icd reads vendor .icd files from OCL_ICD_VENDORS; an empty folder means no platform.
    // A child process, because this one has already loaded its platforms.
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const script = join(mkdtempSync(join(tmpdir(), 'edgecl-noplat-')), 'probe.ts');
    writeFileSync(
      script,
      `import { listDevices } from ${JSON.stringify(join(repo, 'runtime/index.ts'))};\n` +
        "try { listDevices(); console.log('NO ERROR'); } catch (e: any) { console.log(JSON.stringify({ user: e.isUserError, message: e.message })); }\n",
    );
    const out = execFileSync(process.execPath, [join(repo, 'node_modules/vite-node/vite-node.mjs'), '--root', repo, script], {
      cwd: repo,
      env: { ...process.env, OCL_ICD_VENDORS: '/nonexistent-edgecl-test' },
      encoding: 'utf8',
    });
    rmSync(dirname(script), { recursive: true, force: true });
    const line = out.trim().split('\n').pop()!;
    const result = JSON.parse(line) as { user: boolean; message: string };
    expect(result.user).toBe(true);
    expect(result.message).toMatch(/^no OpenCL platform was found/);
    expect(result.message).toContain('apt-get install ocl-icd-libopencl1 pocl-opencl-icd');
  }, 60_000);
});
