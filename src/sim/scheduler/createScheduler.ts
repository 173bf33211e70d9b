import { OrcaScheduler } from './OrcaScheduler.js';
import { SarathiScheduler } from './SarathiScheduler.js';
import type { Scheduler, SchedulerKind } from './Scheduler.js';
import { checkSchedulerKind, type SchedulerOptions } from './SchedulerOptions.js';
import { VllmScheduler } from './VllmScheduler.js';

/** A scheduler by name: 'vllm' (default), 'sarathi' or 'orca'. */
export function createScheduler(kind: SchedulerKind | string = 'vllm', options: SchedulerOptions = {}): Scheduler {
  switch (checkSchedulerKind(kind)) {
    case 'vllm':
      return new VllmScheduler(options);
    case 'sarathi':
      return new SarathiScheduler(options);
    case 'orca':
      return new OrcaScheduler(options);
  }
}
