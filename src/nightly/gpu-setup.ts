import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { exportOnnx, ExecutionProvider, Graph, ops, tensor } from '../engine';

/** ONNX Runtime 1.29.0's CUDA provider, built for CUDA 13 / cuDNN 9 (see DESIGN.md, "Engine"). */
export const GPU_PACKAGE = 'com.github.asus4.onnxruntime.linux-x64-gpu';
export const GPU_PACKAGE_VERSION = '0.4.9';
export const ORT_VERSION = '1.29.0';
export const PROVIDER_FILES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'] as const;

export type GpuSetupErrorCode = 'unsupported_platform' | 'ort_version_mismatch' | 'package_not_found' | 'package_version_mismatch' | 'provider_files_missing' | 'providers_not_installed' | 'no_gpu' | 'cuda_libraries_missing' | 'cudnn_missing' | 'cuda_session_failed';

export class GpuSetupError extends Error {
  constructor(
    readonly code: GpuSetupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GpuSetupError';
  }
}

/** onnxruntime-node's native folder, where its loader looks for provider libraries; checks the core is 1.29.0. */
export function ortBinaryDir(platform = `${process.platform}/${process.arch}`): string {
  if (platform !== 'linux/x64') throw new GpuSetupError('unsupported_platform', `the CUDA provider package is for linux/x64; this is ${platform}`);
  const manifest = require.resolve('onnxruntime-node/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  if (version !== ORT_VERSION) throw new GpuSetupError('ort_version_mismatch', `onnxruntime-node is ${version}; the CUDA provider needs exactly ${ORT_VERSION} (provider and core must match)`);
  return join(dirname(manifest), 'bin', 'napi-v6', 'linux', 'x64');
}

/** The provider libraries inside an unpacked package folder (found by name: the layout is the package's business). */
export function providerFilesIn(packageDir: string): Record<(typeof PROVIDER_FILES)[number], string> {
  const manifest = join(packageDir, 'package.json');
  if (!existsSync(manifest)) throw new GpuSetupError('package_not_found', `${packageDir} is not an npm package folder (no package.json)`);
  const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
  if (name !== GPU_PACKAGE || version !== GPU_PACKAGE_VERSION) {
    throw new GpuSetupError('package_version_mismatch', `${packageDir} holds ${name}@${version}; expected ${GPU_PACKAGE}@${GPU_PACKAGE_VERSION} (ORT ${ORT_VERSION})`);
  }
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if ((PROVIDER_FILES as readonly string[]).includes(entry.name) && !found.has(entry.name)) found.set(entry.name, path);
    }
  };
  walk(packageDir);
  const missing = PROVIDER_FILES.filter((f) => !found.has(f));
  if (missing.length) throw new GpuSetupError('provider_files_missing', `${GPU_PACKAGE}@${GPU_PACKAGE_VERSION} in ${packageDir} lacks ${missing.join(', ')}`);
  return Object.fromEntries(found) as Record<(typeof PROVIDER_FILES)[number], string>;
}

/**
 * Where the package comes from: `from` (an unpacked folder or a .tgz), else an installed copy
 * in node_modules, else `npm pack` through the npm client (the registry must be reachable).
 */
export function locateGpuPackage(from?: string, run: typeof execFileSync = execFileSync): string {
  if (from) return from.endsWith('.tgz') ? unpack(from, run) : from;
  try {
    return dirname(require.resolve(`${GPU_PACKAGE}/package.json`, { paths: [process.cwd()] }));
  } catch {
    const dest = mkdtempSync(join(tmpdir(), 'closer-gpu-'));
    try {
      const file = run('npm', ['pack', `${GPU_PACKAGE}@${GPU_PACKAGE_VERSION}`, '--pack-destination', dest, '--silent'], { encoding: 'utf8' }).toString().trim().split('\n').pop()!;
      return unpack(join(dest, file), run);
    } catch (err) {
      throw new GpuSetupError('package_not_found', `could not fetch ${GPU_PACKAGE}@${GPU_PACKAGE_VERSION} with npm pack (${(err as Error).message.split('\n')[0]}); pass --from <folder|.tgz>`);
    }
  }
}

function unpack(tgz: string, run: typeof execFileSync): string {
  const dest = mkdtempSync(join(tmpdir(), 'closer-gpu-pkg-'));
  run('tar', ['-xzf', tgz, '-C', dest]);
  return join(dest, 'package');
}

/** Copies the provider libraries next to onnxruntime-node's core (through a temporary name, so a reader never sees half a file). */
export function installProviders(files: Record<string, string>, binDir: string): string[] {
  return Object.entries(files).map(([name, source]) => {
    const target = join(binDir, name);
    if (existsSync(target) && statSync(target).size === statSync(source).size) return target;
    copyFileSync(source, `${target}.partial`);
    renameSync(`${target}.partial`, target);
    return target;
  });
}

export function providersInstalled(binDir: string): boolean {
  return PROVIDER_FILES.every((f) => existsSync(join(binDir, f)));
}

/** Turns ORT's load failure (or the shared libraries the dynamic loader cannot find) into what is missing on this host. */
export function diagnoseCudaFailure(message: string): GpuSetupError {
  const first = message.split('\n')[0];
  if (/libcudnn/i.test(message)) return new GpuSetupError('cudnn_missing', `cuDNN 9 for CUDA 13 is not installed or not on the library path (${first})`);
  if (/lib(cudart|cublas|cublasLt|curand|cufft)\b/i.test(message)) return new GpuSetupError('cuda_libraries_missing', `the CUDA 13 runtime libraries (cudart, cuBLAS, cuRAND) are not installed or not on the library path (${first})`);
  if (/libonnxruntime_providers_(cuda|shared)/i.test(message)) return new GpuSetupError('providers_not_installed', `ONNX Runtime's CUDA provider libraries are not installed: run \`closer gpu-setup\` (${first})`);
  if (/no CUDA-capable device|cudaErrorNoDevice|CUDA driver version is insufficient|cudaErrorInsufficientDriver/i.test(message)) {
    return new GpuSetupError('no_gpu', `no usable NVIDIA GPU: the CUDA driver found no device or is older than CUDA 13 needs (${first})`);
  }
  return new GpuSetupError('cuda_session_failed', `a CUDA session could not be created: ${first}`);
}

/**
 * Libraries the CUDA provider links against that the dynamic loader cannot find (`ldd`): ORT
 * itself only reports "Failed to load shared library", so this is how cuDNN 9 or CUDA 13 being
 * absent is told apart.
 */
export function missingSharedLibraries(file: string, run: typeof execFileSync = execFileSync): string[] {
  let out: string;
  try {
    out = run('ldd', [file], { encoding: 'utf8' }).toString();
  } catch {
    return [];
  }
  return out
    .split('\n')
    .map((l) => /^\s*(\S+)\s+=>\s+not found/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
}

/** Whether the host exposes an NVIDIA GPU driver at all (cheap check before loading CUDA). */
export function nvidiaDriverPresent(root = '/'): boolean {
  return existsSync(join(root, 'proc/driver/nvidia/version')) || existsSync(join(root, 'dev/nvidiactl'));
}

/** Creates and runs a one-op session on the CUDA provider; throws a GpuSetupError naming what is missing. */
export async function probeCuda(binDir = ortBinaryDir(), hasDriver = nvidiaDriverPresent()): Promise<void> {
  if (!providersInstalled(binDir)) {
    throw new GpuSetupError('providers_not_installed', `ONNX Runtime's CUDA provider libraries are not in ${binDir}: run \`closer gpu-setup\``);
  }
  if (!hasDriver) throw new GpuSetupError('no_gpu', 'no NVIDIA GPU driver on this host (/proc/driver/nvidia/version and /dev/nvidiactl are absent)');
  const missing = missingSharedLibraries(join(binDir, PROVIDER_FILES[0]));
  if (missing.length) throw diagnoseCudaFailure(`missing shared libraries: ${missing.join(', ')}`);
  const g = new Graph();
  const x = g.input('x', [2]);
  const model = exportOnnx(g, { outputs: { y: ops.add(x, x) } });
  try {
    const session = await ort.InferenceSession.create(model, { executionProviders: ['cuda'] });
    await session.run({ x: tensor('float32', Float32Array.of(1, 2), [2]) });
    await session.release();
  } catch (err) {
    throw diagnoseCudaFailure(String((err as Error).message));
  }
}

export type DeviceSetting = 'cpu' | 'cuda' | 'auto';

/** The device a run trains on: `cuda` must work (else a clear error); `auto` falls back to cpu and says why. */
export async function resolveDevice(setting: DeviceSetting, probe: () => Promise<void> = () => probeCuda()): Promise<{ device: ExecutionProvider; note?: string }> {
  if (setting === 'cpu') return { device: 'cpu' };
  try {
    await probe();
    return { device: 'cuda' };
  } catch (err) {
    if (setting === 'cuda') throw err;
    return { device: 'cpu', note: `cuda unavailable: ${(err as Error).message}` };
  }
}
