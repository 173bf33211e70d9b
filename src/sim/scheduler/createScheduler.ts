import { OrcaScheduler } from './OrcaScheduler.js';
import { SarathiScheduler } from './SarathiScheduler.js';
import type { Scheduler, SchedulerKind } from './Scheduler.js';
import { checkSchedulerKind, type SchedulerDefaultsContext, type SchedulerOptions } from './SchedulerOptions.js';
import { VllmScheduler } from './VllmScheduler.js';
import { VllmV0Scheduler } from './VllmV0Scheduler.js';

/**
 * A scheduler by name: 'vllm' (vLLM V1, the default), 'vllm-v0', 'sarathi' or 'orca'. `ctx` (the GPU)
 * picks vLLM V1's per-GPU batch defaults.
 */
export function createScheduler(kind: SchedulerKind | string = 'vllm', options: SchedulerOptions = {}, ctx: SchedulerDefaultsContext = {}): Scheduler {
  switch (checkSchedulerKind(kind)) {
    case 'vllm':
      return new VllmScheduler(options, ctx);
    case 'vllm-v0':
      return new VllmV0Scheduler(options);
    case 'sarathi':
      return new SarathiScheduler(options);
    case 'orca':
      return new OrcaScheduler(options);
  }
}
