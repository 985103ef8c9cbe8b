import { Command } from 'commander';
import { GPU_PACKAGE, GPU_PACKAGE_VERSION, installProviders, locateGpuPackage, ORT_VERSION, ortBinaryDir, probeCuda, providerFilesIn } from '../nightly';

export function registerGpuSetup(program: Command): void {
  program
    .command('gpu-setup')
    .description(`installs ONNX Runtime ${ORT_VERSION}'s CUDA provider (${GPU_PACKAGE}@${GPU_PACKAGE_VERSION}) into onnxruntime-node and checks that a CUDA session can be created (needs CUDA 13 and cuDNN 9)`)
    .option('--from <path>', 'the package as an unpacked folder or a .tgz (default: node_modules, else `npm pack`)')
    .option('--check-only', 'only check that a CUDA session can be created')
    .option('--no-check', 'install only (an image build has no GPU); check later with --check-only')
    .action(async (f: { from?: string; checkOnly?: boolean; check: boolean }) => {
      const binDir = ortBinaryDir();
      if (!f.checkOnly) {
        const files = providerFilesIn(locateGpuPackage(f.from));
        for (const target of installProviders(files, binDir)) console.log(`installed ${target}`);
      }
      if (!f.check) return;
      await probeCuda(binDir);
      console.log(`CUDA session created: onnxruntime-node ${ORT_VERSION} can train with TRAIN_DEVICE=cuda`);
    });
}
