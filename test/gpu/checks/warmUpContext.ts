import { replayOnGpu } from '../../../src/gpu/replayOnGpu.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';

let warmed: Promise<void> | undefined;

/**
 * The first GPU replay in a process allocates what the CUDA context keeps for good (module loading,
 * cuBLAS handle and workspace: ~430 MiB measured on an H100, 2026-12-06, while a VmmArena of any
 * virtual size gives back every byte — bench/gpu/arenaVaProbe.mjs). Tests that check "device memory
 * returned" run one tiny replay first so they measure their own replay, not the context's first use.
 */
export function warmUpContext(): Promise<void> {
  warmed ??= (async () => {
    const trace = await openTrace('synthetic:conv', { count: 2, seed: 1, maxContextTokens: 1024 });
    await replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'static' });
  })();
  return warmed;
}
