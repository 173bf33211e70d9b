import type { InterconnectSpec } from '../hardware/HardwareSpec.js';

/** The collectives tensor parallelism issues in a forward pass. */
export type Collective = 'allReduce' | 'allGather';
/** NCCL's protocols: LL (8-byte flag+data stores, lowest latency), LL128, Simple (highest bandwidth). */
export type NcclProtocol = 'LL' | 'LL128' | 'Simple';

const PROTOCOLS: readonly NcclProtocol[] = ['LL', 'LL128', 'Simple'];

// NCCL's analytic tuning model for the ring algorithm on one node, in microseconds, from
// src/graph/tuning.cc of NVIDIA/nccl at 5067397 (ncclTunerConstantsDefaults: baseLatencies and
// hwLatencies, Ring row; NVLINK and PCI rows). NCCL itself uses these to choose a protocol.
const BASE_LATENCY_US: Record<NcclProtocol, number> = { LL: 6.6, LL128: 14.0, Simple: 8.4 };
const HW_LATENCY_US: Record<InterconnectSpec['kind'], Record<NcclProtocol, number>> = {
  nvlink: { LL: 0.6, LL128: 1.9, Simple: 3.4 },
  pcie: { LL: 1.0, LL128: 2.5, Simple: 5.7 },
};
/** The model's source, for labels. */
export const NCCL_RING_MODEL_SOURCE = "NCCL's ring tuning model (src/graph/tuning.cc, NVIDIA/nccl 5067397)";

/** One priced collective: its time and the protocol NCCL's model picks for it. */
export interface CollectiveEstimate {
  timeS: number;
  protocol: NcclProtocol;
}

/**
 * Time of one ring collective of `bytes` over `ranks` GPUs of one host, the way NCCL's tuner predicts
 * it (ncclTopoTuneModel + ncclTopoGetAlgoTime in src/graph/tuning.cc), taking the fastest protocol:
 *
 *   time = latency + bytes / algBw,   latency = base[p] + nsteps * hw[link][p],
 *   algBw = busBw[p] * ranks / nsteps,   nsteps = 2(ranks-1) for all-reduce, ranks-1 for all-gather,
 *
 * so an all-reduce moves 2(ranks-1)/ranks * bytes over each GPU's link, which is how nccl-tests
 * defines bus bandwidth (doc/PERFORMANCE.md: busBw = algBw * 2(n-1)/n for all-reduce, (n-1)/n for
 * all-gather, where `bytes` is the whole gathered output). busBw[Simple] is the link's published
 * per-direction bandwidth (an upper bound: NCCL reaches less); LL halves it, capped at NCCL's
 * per-generation LL maximum; LL128 takes 92% of it and, as in NCCL, only over NVLink. NCCL's NVLS
 * (NVLink SHARP) and tree algorithms, and vLLM's own custom all-reduce (which vLLM tries before NCCL
 * for small tensors on NVLink, vllm/distributed/device_communicators/cuda_communicator.py
 * CudaCommunicator.all_reduce), are not modelled.
 */
export function ncclRingTime(collective: Collective, bytes: number, ranks: number, link: InterconnectSpec, out: CollectiveEstimate): CollectiveEstimate {
  out.timeS = 0;
  out.protocol = 'Simple';
  if (ranks <= 1 || bytes <= 0) return out;
  const nsteps = collective === 'allReduce' ? 2 * (ranks - 1) : ranks - 1;
  let best = Number.POSITIVE_INFINITY;
  for (const p of PROTOCOLS) {
    if (p === 'LL128' && link.kind !== 'nvlink') continue;
    const busBw = p === 'LL' ? Math.min(link.ncclLlMaxBusBytesPerS, 0.5 * link.bandwidthBytesPerS) : p === 'LL128' ? 0.92 * link.bandwidthBytesPerS : link.bandwidthBytesPerS;
    const algBw = (busBw * ranks) / nsteps;
    const t = (BASE_LATENCY_US[p] + nsteps * HW_LATENCY_US[link.kind][p]) * 1e-6 + bytes / algBw;
    if (t < best) {
      best = t;
      out.protocol = p;
    }
  }
  out.timeS = best;
  return out;
}
