// Shared between the two prefill implementations (prefill.cu: mma.sync, any sm_80+;
// prefillHopper.cu: wgmma, sm_90a only).
#pragma once

#include <cuda_runtime.h>
#include <stdint.h>

#include "attention.h"

namespace kvsim {

struct PrefillParams {
  const void* q;
  void* out;
  const int32_t* cuSeqlensQ;
  const int32_t* contextLens;
  int numQHeads;
  int group;
  float scaleLog2;
  int order; // PrefillOrder (prefillGrid.cuh) of the Hopper kernels
};

// Whether this build carries the wgmma kernel (compiled for sm_90a) and the device can run it.
bool prefillHopperAvailable();

// The Hopper prefill kernels, and the one KVSIM_ATTN_PREFILL picks (unset or unknown: the default, tma):
// the single rule both the launch and kvsim_attn_prefill_kernel follow.
enum class HopperPrefill : int { kWs = 0, kWsl = 1, kWs2 = 2, kWgmma64 = 3, kWgmma128 = 4, kTma = 5, kTmaEarly = 6, kTmaAhead = 7 };
HopperPrefill hopperPrefillFromEnv();
// Its name; blocksOrder: as launched in the blocks-fastest grid order (prefillGrid.cuh), "<name>/blocks".
const char* hopperPrefillName(HopperPrefill k, bool blocksOrder);

// Launches the wgmma prefill; returns a cudaError_t (0 = launched).
int launchPrefillHopper(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
                        int maxQueryLen, bool causal, cudaStream_t stream);

// Launches the warp-specialised wgmma prefill (prefillHopperWs.cu; sm_90a only, same contract);
// variant 0 = the default (3 stages, the producer waits for its copies), 1 = 3 stages, the copies
// arrive on landing, 2 = 2 stages, the producer waits.
int launchPrefillHopperWs(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv,
                          int batch, int maxQueryLen, bool causal, int variant, cudaStream_t stream);

// Launches the persistent TMA prefill (prefillHopperTma.cu; sm_90a only, same contract; loads that TMA
// cannot describe go through cp.async in the same kernel). early (KVSIM_ATTN_PREFILL=tmae, not the default
// until measured): each work tile's first K tile issued before the wait for Q's buffer, and the next work
// tile's Q prefetched into L2 (prefillHopperTma.cu); the consumers' code is the same. ahead
// (KVSIM_ATTN_PREFILL=tmal, not the default until measured): the producer looks up a tile's block numbers
// one tile before it issues the tile's copies, and K and V of a tile share them (paged only).
int launchPrefillHopperTma(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
                           int maxQueryLen, bool causal, bool early, bool ahead, cudaStream_t stream);

} // namespace kvsim
