import { expected } from '../errors.js';

/** Which slice of a sweep this process runs: runs whose index mod `count` is `index`. */
export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/**
 * `I/N` (0 <= I < N), or `env`: the array task's index and size from Slurm (SLURM_ARRAY_TASK_ID minus
 * SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with
 * the size in KVSIM_SHARDS, which the emitted manifest sets: Kubernetes exports no count).
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  if (text === 'env') {
    if (env.SLURM_ARRAY_TASK_ID !== undefined) {
      const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
      return check(`${Number(env.SLURM_ARRAY_TASK_ID) - min}/${env.SLURM_ARRAY_TASK_COUNT}`, '--shard env (SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT)');
    }
    if (env.JOB_COMPLETION_INDEX !== undefined) return check(`${env.JOB_COMPLETION_INDEX}/${env.KVSIM_SHARDS}`, '--shard env (JOB_COMPLETION_INDEX/KVSIM_SHARDS)');
    throw expected('SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX in the environment', '--shard env', 'neither set');
  }
  return check(text, '--shard');
}

function check(text: string, name: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw expected('I/N with 0 <= I < N, e.g. 0/4', name, text);
  return { index, count };
}

/** Whether the run at `index` (its place in the expanded sweep) belongs to the shard. Round robin keeps slices even. */
export function inShard(runIndex: number, shard: Shard): boolean {
  return runIndex % shard.count === shard.index;
}
