import { stringify } from 'yaml';
import { expected } from '../errors.js';

/** What an emitted array job runs. */
export interface JobOptions {
  /** The spec path as the job's tasks will see it. */
  spec: string;
  /** Directory the shards write under (shard-I each) and the merge reads. */
  outDir: string;
  shards: number;
  /** Cores per task, passed on as --jobs. @defaultValue 4 */
  cpus?: number;
  name: string;
  /** Kubernetes: the image with kvsim on its PATH. @defaultValue 'kvsim:latest' */
  image?: string;
  /** Kubernetes: the PersistentVolumeClaim mounted at outDir. @defaultValue 'kvsim-results' */
  claim?: string;
}

/** An sbatch script for a Slurm job array: task I runs `kvsim sweep SPEC --shard I/N` into OUT/shard-I. */
export function slurmScript(o: JobOptions): string {
  const cpus = o.cpus ?? 4;
  const q = shellQuote;
  return `#!/bin/bash
# kvsim sweep ${o.name}: ${o.shards} array tasks, one shard each. Submit with \`sbatch THIS_FILE\`; once
# every task has finished, merge (checks every run is present exactly once):
#   kvsim sweep --merge ${q(o.outDir)}/shard-* --out ${q(o.outDir)}/merged
# or chain it: sbatch --dependency=afterok:JOBID --wrap "kvsim sweep --merge ${o.outDir}/shard-* --out ${o.outDir}/merged"
# A task that is killed can be resubmitted (sbatch --array=I THIS_FILE): it resumes from its journal.
#SBATCH --job-name=kvsim-${slug(o.name)}
#SBATCH --array=0-${o.shards - 1}
#SBATCH --cpus-per-task=${cpus}
#SBATCH --output=${o.outDir}/slurm-%A_%a.log
set -euo pipefail
mkdir -p ${q(o.outDir)}
exec kvsim sweep ${q(o.spec)} --shard "\${SLURM_ARRAY_TASK_ID}/${o.shards}" --out ${q(o.outDir)}/shard-"\${SLURM_ARRAY_TASK_ID}" --jobs "\${SLURM_CPUS_PER_TASK:-${cpus}}"
`;
}

/**
 * A Kubernetes Indexed Job: completion index I runs shard I/N into OUT/shard-I on a shared volume (the
 * spec is read from the same volume). Merge afterwards with `kvsim sweep --merge`.
 */
export function k8sIndexedJob(o: JobOptions): string {
  const cpus = o.cpus ?? 4;
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `kvsim-${slug(o.name)}` },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      // A failed pod is retried per index; it resumes from its shard's journal on the volume.
      backoffLimitPerIndex: 2,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'kvsim',
              image: o.image ?? 'kvsim:latest',
              command: ['sh', '-c', `exec kvsim sweep ${shellQuote(o.spec)} --shard "$JOB_COMPLETION_INDEX/${o.shards}" --out ${shellQuote(o.outDir)}/shard-"$JOB_COMPLETION_INDEX" --jobs ${cpus}`],
              env: [{ name: 'KVSIM_SHARDS', value: String(o.shards) }],
              resources: { requests: { cpu: String(cpus) }, limits: { cpu: String(cpus) } },
              volumeMounts: [{ name: 'results', mountPath: o.outDir }],
            },
          ],
          volumes: [{ name: 'results', persistentVolumeClaim: { claimName: o.claim ?? 'kvsim-results' } }],
        },
      },
    },
  };
  return `# kvsim sweep ${o.name}: ${o.shards} indexed completions, one shard each. kubectl apply -f THIS_FILE;\n# then merge: kvsim sweep --merge ${o.outDir}/shard-* --out ${o.outDir}/merged\n${stringify(job)}`;
}

/** The job text for `--emit`. */
export function emitJob(kind: string, o: JobOptions): string {
  if (kind === 'slurm') return slurmScript(o);
  if (kind === 'k8s') return k8sIndexedJob(o);
  throw expected('"slurm" or "k8s"', '--emit', kind);
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'sweep';
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
