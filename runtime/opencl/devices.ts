/**
 * Device enumeration and selection.
 *
 * Selector syntax (from `--device` or EDGECL_DEVICE): a case-insensitive
 * substring of the platform name or the device name, optionally suffixed
 * `:index` to pick among the matches (`pocl:1`, `adreno`, `:0`). Without a
 * selector: the first GPU of any platform, else the first CPU device.
 */
import { RuntimeUserError } from '../errors.js';
import { cl, type ClDeviceId, type ClPlatformId, type OutBox } from './lib.js';
import { check, noPlatformError } from './errors.js';
import { CL_DEVICE_NOT_FOUND, CL_PLATFORM_NOT_FOUND_KHR } from './status.js';
import { deviceSizeT, deviceString, deviceUint, deviceUlong, platformString } from './info.js';
import * as C from './constants.js';

export type DeviceType = 'GPU' | 'CPU' | 'ACCELERATOR' | 'OTHER';

/** What `edgecl devices` shows, and what a Session reports it runs on. */
export interface DeviceInfo {
  /** Position in `listDevices()` order (platform order, then device order). */
  index: number;
  platform: string;
  platformVersion: string;
  name: string;
  vendor: string;
  type: DeviceType;
  /** CL_DEVICE_VERSION, e.g. "OpenCL 2.0 Adreno(TM) 530". */
  version: string;
  driverVersion: string;
  computeUnits: number;
  globalMemBytes: number;
  maxMemAllocBytes: number;
  maxWorkGroupSize: number;
  /** The device supports cl_khr_fp16 (half arithmetic in kernels). */
  fp16: boolean;
}

/** A device together with the handles needed to use it (kept out of DeviceInfo, which is plain data). */
export interface DeviceHandle {
  info: DeviceInfo;
  platform: ClPlatformId;
  device: ClDeviceId;
}

export function listDevices(): DeviceInfo[] {
  return enumerateDevices().map((d) => d.info);
}

export function enumerateDevices(): DeviceHandle[] {
  const out: DeviceHandle[] = [];
  for (const platform of platformIds()) {
    const platformName = platformString(platform, C.CL_PLATFORM_NAME);
    const platformVersion = platformString(platform, C.CL_PLATFORM_VERSION);
    for (const device of deviceIds(platform)) {
      out.push({ platform, device, info: describe(out.length, platformName, platformVersion, device) });
    }
  }
  if (out.length === 0) throw noPlatformError('the OpenCL platforms installed report no devices');
  return out;
}

function platformIds(): ClPlatformId[] {
  const api = cl();
  const count: OutBox<number> = [0];
  const status = api.clGetPlatformIDs(0, null, count);
  // The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR when no vendor .icd file is installed.
  if (status === CL_PLATFORM_NOT_FOUND_KHR || (status === 0 && count[0] === 0)) {
    throw noPlatformError('the ICD loader lists no platform in /etc/OpenCL/vendors');
  }
  check('clGetPlatformIDs', status);
  const ids: (ClPlatformId | null)[] = new Array<ClPlatformId | null>(count[0]).fill(null);
  check('clGetPlatformIDs', api.clGetPlatformIDs(ids.length, ids, null));
  return ids.filter((p): p is ClPlatformId => p !== null);
}

function deviceIds(platform: ClPlatformId): ClDeviceId[] {
  const api = cl();
  const count: OutBox<number> = [0];
  const status = api.clGetDeviceIDs(platform, C.CL_DEVICE_TYPE_ALL, 0, null, count);
  if (status === CL_DEVICE_NOT_FOUND) return []; // a platform may have no device right now
  check('clGetDeviceIDs', status);
  const ids: (ClDeviceId | null)[] = new Array<ClDeviceId | null>(count[0]).fill(null);
  check('clGetDeviceIDs', api.clGetDeviceIDs(platform, C.CL_DEVICE_TYPE_ALL, ids.length, ids, null));
  return ids.filter((d): d is ClDeviceId => d !== null);
}

function describe(index: number, platform: string, platformVersion: string, d: ClDeviceId): DeviceInfo {
  const typeBits = deviceUlong(d, C.CL_DEVICE_TYPE);
  const type: DeviceType =
    typeBits & C.CL_DEVICE_TYPE_GPU ? 'GPU' : typeBits & C.CL_DEVICE_TYPE_CPU ? 'CPU' : typeBits & C.CL_DEVICE_TYPE_ACCELERATOR ? 'ACCELERATOR' : 'OTHER';
  const extensions = deviceString(d, C.CL_DEVICE_EXTENSIONS).split(/\s+/);
  return {
    index,
    platform,
    platformVersion,
    name: deviceString(d, C.CL_DEVICE_NAME),
    vendor: deviceString(d, C.CL_DEVICE_VENDOR),
    type,
    version: deviceString(d, C.CL_DEVICE_VERSION),
    driverVersion: deviceString(d, C.CL_DRIVER_VERSION),
    computeUnits: deviceUint(d, C.CL_DEVICE_MAX_COMPUTE_UNITS),
    globalMemBytes: deviceUlong(d, C.CL_DEVICE_GLOBAL_MEM_SIZE),
    maxMemAllocBytes: deviceUlong(d, C.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
    maxWorkGroupSize: deviceSizeT(d, C.CL_DEVICE_MAX_WORK_GROUP_SIZE),
    fp16: extensions.includes('cl_khr_fp16'),
  };
}

/** One line per device, for error messages and `edgecl devices`. */
export function describeDevice(d: DeviceInfo): string {
  return `[${d.index}] ${d.platform} / ${d.name} (${d.type}, ${d.version})`;
}

/** Parses `substring[:index]`; the index is the last `:<digits>` suffix, so names containing ':' still work. */
export function parseSelector(selector: string): { pattern: string; index: number | undefined } {
  const m = /^(.*):(\d+)$/s.exec(selector);
  return m ? { pattern: m[1]!.trim(), index: Number(m[2]) } : { pattern: selector.trim(), index: undefined };
}

/**
 * Picks the device for `selector` (undefined or empty → the default choice).
 * A selector that matches nothing is a user error listing what is available.
 */
export function selectDevice(selector: string | undefined, devices: DeviceHandle[] = enumerateDevices()): DeviceHandle {
  if (selector === undefined || selector.trim() === '') {
    const chosen = devices.find((d) => d.info.type === 'GPU') ?? devices.find((d) => d.info.type === 'CPU') ?? devices[0]!;
    return chosen;
  }
  const { pattern, index } = parseSelector(selector);
  const needle = pattern.toLowerCase();
  const matches = devices.filter(
    (d) => d.info.platform.toLowerCase().includes(needle) || d.info.name.toLowerCase().includes(needle),
  );
  const listing = devices.map((d) => describeDevice(d.info)).join('; ');
  if (matches.length === 0) {
    throw new RuntimeUserError(
      `no OpenCL device matches the device selector "${selector}" (a case-insensitive substring of the platform or device name, optionally suffixed :index). Available devices: ${listing}.`,
    );
  }
  const i = index ?? 0;
  if (i >= matches.length) {
    throw new RuntimeUserError(
      `the device selector "${selector}" asks for match #${i}, but "${pattern}" matches only ${matches.length} device(s) (indices 0..${matches.length - 1}): ${matches.map((d) => describeDevice(d.info)).join('; ')}.`,
    );
  }
  return matches[i]!;
}

/** The device a selector picks (default: EDGECL_DEVICE, then first GPU, then first CPU), as plain data. */
export function findDevice(selector?: string): DeviceInfo {
  return selectDevice(selector ?? process.env.EDGECL_DEVICE).info;
}
