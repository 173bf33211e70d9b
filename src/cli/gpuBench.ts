import type { CommandModule } from 'yargs';
import { gpuBenchAllReduceCommand } from './gpuBenchAllReduce.js';
import { gpuBenchKernelsCommand } from './gpuBenchKernels.js';
import { gpuBenchVmmCommand } from './gpuBenchVmm.js';

/**
 * `kvsim gpu bench <what>`. Add a benchmark by appending its command module here (e.g. `kernels`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const GPU_BENCH_COMMANDS: CommandModule<any, any>[] = [gpuBenchVmmCommand, gpuBenchKernelsCommand, gpuBenchAllReduceCommand];

export const gpuBenchCommand: CommandModule = {
  command: 'bench <what>',
  describe: 'Measure the GPU backend: vmm (virtual-memory call latency)',
  builder: (y) => {
    let p = y;
    for (const c of GPU_BENCH_COMMANDS) p = p.command(c);
    return p.demandCommand(1, 'Name a benchmark: ' + GPU_BENCH_COMMANDS.map((c) => String(c.command).split(' ')[0]).join(', '));
  },
  handler: () => {},
};
