import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  diagnoseCudaFailure,
  GPU_PACKAGE,
  GPU_PACKAGE_VERSION,
  GpuSetupError,
  installProviders,
  locateGpuPackage,
  missingSharedLibraries,
  ortBinaryDir,
  probeCuda,
  providerFilesIn,
  providersInstalled,
  resolveDevice,
} from './gpu-setup';

const root = mkdtempSync(join(tmpdir(), 'closer-gpu-setup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A package folder in the layout npm unpacks, with the provider libraries somewhere inside. */
function fakePackage(name: string, manifest: object, files: string[]): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'runtimes', 'linux-x64', 'native'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  for (const f of files) writeFileSync(join(dir, 'runtimes', 'linux-x64', 'native', f), `contents of ${f}`);
  return dir;
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as GpuSetupError).code;
  }
  return 'no error';
};

describe('gpu-setup', () => {
  const both = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

  it("finds onnxruntime-node 1.29.0's native folder and refuses other platforms", () => {
    expect(ortBinaryDir()).toMatch(/onnxruntime-node\/bin\/napi-v6\/linux\/x64$/);
    expect(code(() => ortBinaryDir('darwin/arm64'))).toBe('unsupported_platform');
  });

  it('finds both provider libraries in the pinned package, wherever they sit, and installs them', () => {
    const pkg = fakePackage('good', { name: GPU_PACKAGE, version: GPU_PACKAGE_VERSION }, both);
    const files = providerFilesIn(pkg);
    expect(Object.keys(files).sort()).toEqual(both);
    const bin = join(root, 'bin');
    mkdirSync(bin);
    expect(providersInstalled(bin)).toBe(false);
    expect(installProviders(files, bin)).toEqual(both.map((f) => join(bin, f)));
    expect(readFileSync(join(bin, both[0]), 'utf8')).toBe(`contents of ${both[0]}`);
    expect(providersInstalled(bin)).toBe(true);
    expect(locateGpuPackage(pkg)).toBe(pkg);
  });

  it('unpacks a package tarball as `npm pack` makes it (files under package/)', () => {
    const staged = join(root, 'staged');
    mkdirSync(staged);
    renameSync(fakePackage('tgz-src', { name: GPU_PACKAGE, version: GPU_PACKAGE_VERSION }, both), join(staged, 'package'));
    const tgz = join(root, `${GPU_PACKAGE}-${GPU_PACKAGE_VERSION}.tgz`);
    execFileSync('tar', ['-czf', tgz, '-C', staged, 'package']);
    expect(Object.keys(providerFilesIn(locateGpuPackage(tgz))).sort()).toEqual(both);
  });

  it('refuses another version of the package, a folder that is no package, and a package missing a library', () => {
    expect(code(() => providerFilesIn(fakePackage('old', { name: GPU_PACKAGE, version: '0.4.8' }, both)))).toBe('package_version_mismatch');
    expect(code(() => providerFilesIn(join(root, 'nowhere')))).toBe('package_not_found');
    const partial = fakePackage('partial', { name: GPU_PACKAGE, version: GPU_PACKAGE_VERSION }, [both[1]]);
    expect(() => providerFilesIn(partial)).toThrow(/lacks libonnxruntime_providers_cuda\.so/);
  });

  it('without the package installed and no registry, says how to provide it', () => {
    const failingNpm = (() => {
      throw new Error('npm ERR! network unreachable');
    }) as never;
    const cwd = process.cwd();
    process.chdir(root); // no node_modules copy of the package here
    try {
      expect(() => locateGpuPackage(undefined, failingNpm)).toThrow(/could not fetch com\.github\.asus4\.onnxruntime\.linux-x64-gpu@0\.4\.9 with npm pack \(npm ERR! network unreachable\); pass --from/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('names what is missing when a CUDA session fails', () => {
    expect(diagnoseCudaFailure('libcudnn.so.9: cannot open shared object file').code).toBe('cudnn_missing');
    expect(diagnoseCudaFailure('libcublasLt.so.13: cannot open shared object file').code).toBe('cuda_libraries_missing');
    expect(diagnoseCudaFailure('Failed to load libonnxruntime_providers_cuda.so').code).toBe('providers_not_installed');
    expect(diagnoseCudaFailure('CUDA failure 100: no CUDA-capable device is detected').code).toBe('no_gpu');
    expect(diagnoseCudaFailure('something else').message).toBe('a CUDA session could not be created: something else');
  });

  it("reads the libraries the loader cannot find from ldd's output", () => {
    const ldd = (() =>
      [
        '\tlinux-vdso.so.1 (0x00007ffd)',
        '\tlibcublasLt.so.13 => not found',
        '\tlibcudnn.so.9 => not found',
        '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)',
      ].join('\n')) as never;
    const missing = missingSharedLibraries('/x/libonnxruntime_providers_cuda.so', ldd);
    expect(missing).toEqual(['libcublasLt.so.13', 'libcudnn.so.9']);
    expect(diagnoseCudaFailure(`missing shared libraries: ${missing.join(', ')}`).code).toBe('cudnn_missing');
    expect(missingSharedLibraries(join(root, 'not-a-library'))).toEqual([]);
  });

  it('on a host without a GPU: a clear message, `auto` trains on cpu and says why, `cuda` refuses', async () => {
    // This host has no NVIDIA driver; the provider libraries present or not, the probe must say so plainly.
    const bin = join(root, 'bin');
    await expect(probeCuda(bin, false)).rejects.toThrow('no NVIDIA GPU driver on this host (/proc/driver/nvidia/version and /dev/nvidiactl are absent)');
    await expect(probeCuda(join(root, 'empty'), false)).rejects.toMatchObject({ code: 'providers_not_installed' });
    await expect(probeCuda()).rejects.toBeInstanceOf(GpuSetupError);
    const auto = await resolveDevice('auto', () => probeCuda(bin, false));
    expect(auto).toEqual({ device: 'cpu', note: expect.stringContaining('cuda unavailable: no NVIDIA GPU driver') });
    await expect(resolveDevice('cuda', () => probeCuda(bin, false))).rejects.toMatchObject({ code: 'no_gpu' });
    expect(await resolveDevice('cpu', () => Promise.reject(new Error('not called')))).toEqual({ device: 'cpu' });
  });
});
