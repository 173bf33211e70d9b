import type { CommandModule } from 'yargs';
import { checkInt } from '../errors.js';
import type { NativeBinding } from '../gpu/NativeBinding.js';
import type { NativeCublasStatus } from '../gpu/NativeGpuModel.js';

interface GpuInfoArgs {
  device: number;
  json: boolean;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** `kvsim gpu info`: the device, its memory, SMs, driver/runtime and VMM granularity; or why there is none. */
export const gpuInfoCommand: CommandModule<object, GpuInfoArgs> = {
  command: 'info',
  describe: 'Show the GPU the backend would use (or, in one line, why there is none and how to fix it)',
  builder: (y) =>
    y
      .option('device', { type: 'number', default: 0, describe: 'CUDA device ordinal' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON ({ok:false, reason, fix} when unavailable; exit 2 either way)' }),
  handler: async (args) => {
    const device = checkInt('--device', args.device, 0, 1023);
    // GPU modules load only when this command runs: every other command (replay) starts faster.
    const [{ formatCudaVersion, gpuAvailability }, { GpuUnavailableError }] = await Promise.all([import('../gpu/gpuAvailability.js'), import('../gpu/GpuUnavailableError.js')]);
    const a = gpuAvailability(device);
    if (!a.ok) {
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ ok: false, stage: a.stage, reason: a.reason, fix: a.fix })}\n`);
        process.exitCode = 2;
        return;
      }
      throw new GpuUnavailableError(a.stage, a.reason, a.fix);
    }
    const i = a.info;
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ ok: true, ...i, hasCublas: a.binding.hasCublas, cublas: cublasStatus(a.binding), modules: a.binding.modules, addonPath: a.addonPath })}\n`);
      return;
    }
    const lines = [
      `device ${i.device}: ${i.name} (compute ${i.computeCapability}, ${i.smCount} SMs, L2 ${(i.l2CacheBytes / MiB).toFixed(0)} MiB, PCI ${i.pciBusId})`,
      `memory: ${(i.totalMemoryBytes / GiB).toFixed(1)} GiB total, ${(i.freeMemoryBytes / GiB).toFixed(1)} GiB free`,
      `driver: CUDA ${formatCudaVersion(i.driverVersion)}; runtime (linked into the addon): CUDA ${formatCudaVersion(i.runtimeVersion)}`,
      `VMM: ${i.vmmSupported ? 'supported' : 'unsupported'}, granularity ${i.vmmGranularityBytes / MiB} MiB (recommended ${i.vmmRecommendedGranularityBytes / MiB} MiB)`,
      `addon: ${a.addonPath} (modules ${a.binding.modules.join(', ')}; cuBLAS ${cublasLine(a.binding)})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};

/** cuBLAS as the GPU executor will find it: opened at run time (dlopen), so a build without it still works. */
function cublasStatus(binding: NativeBinding): NativeCublasStatus | undefined {
  return binding.cublasStatus?.();
}

function cublasLine(binding: NativeBinding): string {
  const s = cublasStatus(binding);
  if (!s) return 'unknown (addon without the GPU model)';
  return s.ok ? `${s.library} (opened at run time)` : `not available: ${s.reason}`;
}
