import type { MemoryOp, MemoryPolicy } from '../../../src/sim/memory/MemoryPolicy.js';

/** A request as the replay driver needs it. */
export interface ReplayRequest {
  id: number;
  promptTokens: number;
  outputTokens: number;
}

/** What one iteration did, handed to the caller before the next one starts. */
export interface ReplayIteration {
  iteration: number;
  ops: MemoryOp[];
  /** Tokens each running request holds now (id -> tokens). */
  running: ReadonlyMap<number, number>;
}

export interface ReplayStats {
  iterations: number;
  admitted: number;
  finished: number;
  preempted: number;
  ops: number;
}

/**
 * A minimal continuous-batching loop (vLLM-like: whole-prompt prefill at admission, one decode token
 * per running request per iteration, preempt-newest-by-recompute when a request cannot grow) that
 * drives a memory policy built with `recordOps: true`. All requests are queued at time 0: the check
 * is about memory operations, not timing. Lengths are clipped so prompt + output <= maxContext.
 */
export function driveReplay(
  policy: MemoryPolicy,
  requests: readonly ReplayRequest[],
  maxBatch: number,
  onIteration: (it: ReplayIteration) => void,
): ReplayStats {
  const maxCtx = policy.maxTokensPerRequest;
  const queue = requests.map((r) => {
    const out = Math.min(r.outputTokens, Math.floor(maxCtx / 2));
    return { id: r.id, prompt: Math.max(1, Math.min(r.promptTokens, maxCtx - out)), out };
  });
  const running: { id: number; prompt: number; out: number; generated: number }[] = [];
  const tokens = new Map<number, number>();
  const stats: ReplayStats = { iterations: 0, admitted: 0, finished: 0, preempted: 0, ops: 0 };
  while (queue.length > 0 || running.length > 0) {
    // Decode: every running request grows by one token; preempt the newest while one cannot.
    for (let i = 0; i < running.length; i++) {
      const r = running[i];
      const want = r.prompt + r.generated + 1;
      while (!policy.grow(r.id, want)) {
        const victim = running.pop()!;
        policy.release(victim.id);
        tokens.delete(victim.id);
        queue.unshift({ id: victim.id, prompt: victim.prompt, out: victim.out });
        stats.preempted++;
        if (victim === r) break;
      }
      if (running[i] !== r) break;
      r.generated++;
      tokens.set(r.id, want);
    }
    for (let i = running.length - 1; i >= 0; i--) {
      if (running[i].generated >= running[i].out) {
        policy.release(running[i].id);
        tokens.delete(running[i].id);
        running.splice(i, 1);
        stats.finished++;
      }
    }
    // Admit in arrival order while there is a batch slot and memory.
    while (queue.length > 0 && running.length < maxBatch && policy.canAdmit(queue[0].prompt)) {
      const q = queue.shift()!;
      if (!policy.admit(q.id, q.prompt)) throw new Error(`admit(${q.id}) refused after canAdmit said yes`);
      running.push({ ...q, generated: 0 });
      tokens.set(q.id, q.prompt);
      stats.admitted++;
    }
    if (running.length === 0 && queue.length > 0) throw new Error(`request ${queue[0].id} (${queue[0].prompt} tokens) can never be admitted`);
    const ops = policy.takeOps();
    stats.ops += ops.length;
    onIteration({ iteration: stats.iterations, ops, running: tokens });
    stats.iterations++;
  }
  return stats;
}
