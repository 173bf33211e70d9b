import type { MemorySnapshot } from '../memory/MemoryPolicy.js';
import type { IterationCost, IterationPlan } from './Executor.js';

/**
 * Sees every iteration as it is planned and priced (tests, debugging, GPU validation). Setting one
 * makes the engine step one iteration at a time. Arguments are reused: copy what you keep.
 */
export interface IterationObserver {
  onIteration(plan: IterationPlan, cost: IterationCost, memory: MemorySnapshot, endS: number): void;
  /** A request emitted `count` tokens (1, or more only never: the observer forces single-stepping) at `timeS`. */
  onToken?(requestId: number, timeS: number): void;
  onFinish?(requestId: number, timeS: number): void;
  onDrop?(requestId: number, reason: string): void;
  onPreempt?(requestId: number, timeS: number): void;
}
