"""Side-by-side reference for the kvsim attention kernels: PyTorch's scaled_dot_product_attention
on the same shapes as bench/kernels/benches.cu, plus the two ceilings measured through PyTorch
(a large device-to-device copy counting read + write, and an 8192^3 matmul).

Timing: CUDA events, warm-up, median of many runs. Prints BENCH lines in the harness's format.
Run on the GPU machine: python3 bench/kernels/sdpa_reference.py
"""

import sys

import torch
import torch.nn.functional as F
from cuda_timing import median_ms


def time_ms(fn, warm=5, reps=30):
    return median_ms(torch, fn, warm, reps)


def bench_copy():
    n = 2 << 30
    a = torch.empty(n, dtype=torch.uint8, device="cuda").fill_(1)
    b = torch.empty_like(a)
    ms = time_ms(lambda: b.copy_(a), 3, 20)
    tbs = 2 * n / (ms * 1e-3) / 1e12
    print(f"BENCH torch-copy bytes={n} ms={ms:.4f} TB/s={tbs:.3f} (read+write)", flush=True)
    del a, b
    return tbs


def bench_matmul(dtype):
    n = 8192
    a = torch.randn(n, n, device="cuda", dtype=dtype)
    b = torch.randn(n, n, device="cuda", dtype=dtype)
    ms = time_ms(lambda: a @ b, 5, 20)
    print(f"BENCH torch-matmul {name(dtype)} {n}x{n}x{n} ms={ms:.4f} TFLOP/s={2 * n**3 / (ms * 1e-3) / 1e12:.1f}", flush=True)


def name(dtype):
    return "f16" if dtype == torch.float16 else "bf16"


def bench_decode(copy_tbs, batch, ctx, hq=32, hkv=8, d=128, dtype=torch.float16):
    # K/V stored token-major like the kvsim arena slot ([B][ctx][Hkv][D]) and viewed as
    # [B][Hkv][ctx][D] for SDPA (no copy).
    q = torch.randn(batch, hq, 1, d, device="cuda", dtype=dtype)
    k = torch.randn(batch, ctx, hkv, d, device="cuda", dtype=dtype).transpose(1, 2)
    v = torch.randn(batch, ctx, hkv, d, device="cuda", dtype=dtype).transpose(1, 2)
    fn = lambda: F.scaled_dot_product_attention(q, k, v, enable_gqa=(hq != hkv))
    ms = time_ms(fn)
    kv_bytes = 2 * batch * ctx * hkv * d * 2
    tbs = kv_bytes / (ms * 1e-3) / 1e12
    print(f"BENCH sdpa-decode {name(dtype)} B={batch} ctx={ctx} Hq={hq} Hkv={hkv} D={d} ms={ms:.4f} "
          f"TB/s={tbs:.3f} of_copy={tbs / copy_tbs:.3f}", flush=True)
    del q, k, v


def bench_prefill(batch, s, hq=32, hkv=8, d=128, dtype=torch.float16, causal=True):
    q = torch.randn(batch, s, hq, d, device="cuda", dtype=dtype).transpose(1, 2)
    k = torch.randn(batch, s, hkv, d, device="cuda", dtype=dtype).transpose(1, 2)
    v = torch.randn(batch, s, hkv, d, device="cuda", dtype=dtype).transpose(1, 2)
    fn = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=(hq != hkv))
    ms = time_ms(fn, 3, 20)
    pairs = batch * (0.5 * s * (s + 1) if causal else float(s) * s)
    flops = 4.0 * hq * d * pairs
    print(f"BENCH sdpa-prefill {'causal' if causal else 'full'} {name(dtype)} B={batch} q={s} prefix=0 Hq={hq} Hkv={hkv} "
          f"D={d} ms={ms:.4f} TFLOP/s={flops / (ms * 1e-3) / 1e12:.1f}", flush=True)
    del q, k, v


def main():
    if not torch.cuda.is_available():
        print("SKIP no CUDA device")
        return 2
    p = torch.cuda.get_device_properties(0)
    print(f"DEVICE {p.name} torch {torch.__version__}", flush=True)
    copy_tbs = bench_copy()
    bench_matmul(torch.float16)
    bench_matmul(torch.bfloat16)
    # Two passes: SDPA's decode timings moved by ~7% between device runs when measured once
    # right after the matmuls; the table keeps the last pass.
    for _ in range(2):
        for b, c in [(64, 4096), (256, 1024), (8, 32768)]:
            bench_decode(copy_tbs, b, c)
    bench_decode(copy_tbs, 64, 4096, dtype=torch.bfloat16)
    bench_decode(copy_tbs, 64, 4096, hkv=32)
    bench_prefill(4, 4096)
    bench_prefill(1, 16384)
    bench_prefill(16, 1024)
    bench_prefill(4, 4096, dtype=torch.bfloat16)
    bench_prefill(4, 4096, causal=False)
    bench_prefill(4, 4096, d=64)
    return 0


if __name__ == "__main__":
    sys.exit(main())
