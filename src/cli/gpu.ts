import type { CommandModule } from 'yargs';
import { gpuBenchCommand } from './gpuBench.js';
import { gpuInfoCommand } from './gpuInfo.js';

/** `kvsim gpu <info|bench>`: the GPU backend's own commands. Without a GPU they say why, in one line (exit 2). */
export const gpuCommand: CommandModule = {
  command: 'gpu <command>',
  describe: 'GPU backend: device info and benchmarks (needs the native addon and an NVIDIA GPU)',
  builder: (y) => y.command(gpuInfoCommand).command(gpuBenchCommand).demandCommand(1, 'Name a gpu command: info, bench'),
  handler: () => {},
};
