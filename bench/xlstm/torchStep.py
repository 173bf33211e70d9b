"""Side-by-side reference: a naive PyTorch mLSTM decode step (the way xLSTM's native
step is written: out-of-place, fp32 state), timed with CUDA events at the shapes the CUDA
harness times. Prints one markdown row per size, bytes counted as in the harness (state read
and written once, inputs and outputs once), plus the device copy measured through torch."""
import statistics
import sys

import torch
import torch.nn.functional as F


def soft_cap(x, cap=15.0):
    return cap * torch.tanh(x / cap)


def step(C, n, m, q, k, v, i_pre, f_pre):
    dqk = q.shape[-1]
    i_pre = soft_cap(i_pre)
    logf = F.logsigmoid(soft_cap(f_pre))
    m_new = torch.maximum(logf + m, i_pre)
    fa = torch.exp(logf + m - m_new)
    ia = torch.exp(i_pre - m_new)
    qs = q.float() * dqk ** -0.5
    kf, vf = k.float(), v.float()
    C_new = fa[..., None, None] * C + ia[..., None, None] * (kf[..., :, None] * vf[..., None, :])
    n_new = fa[..., None] * n + ia[..., None] * kf
    num = (qs[..., None, :] @ C_new).squeeze(-2)
    qn = (qs * n_new).sum(-1)
    den = torch.maximum(qn.abs(), torch.exp(-m_new)) + 1e-6
    return (num / den[..., None]).to(q.dtype), C_new, n_new, m_new


def median_ms(fn, warm=3, reps=20):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times)


def main():
    if not torch.cuda.is_available():
        print("torchStep: no CUDA device; skipped")
        return 0
    dev = torch.device("cuda")
    src = torch.randn(1 << 28, device=dev)
    dst = torch.empty_like(src)
    copy_ms = median_ms(lambda: dst.copy_(src))
    copy_gbs = 2 * src.numel() * 4 / (copy_ms * 1e-3) / 1e9
    del src, dst
    H, dqk, dv = 8, 256, 512
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}: copy {copy_gbs:.0f} GB/s")
    print("| torch naive mLSTM step | shape | time us | GB/s | % of copy |")
    print("|---|---|---|---|---|")
    for B in (16, 64, 128):
        g = torch.Generator(device=dev).manual_seed(B)
        C = torch.randn(B, H, dqk, dv, device=dev, generator=g) * 0.5
        n = torch.randn(B, H, dqk, device=dev, generator=g)
        m = torch.rand(B, H, device=dev, generator=g)
        q = torch.randn(B, H, dqk, device=dev, generator=g).bfloat16()
        k = torch.randn(B, H, dqk, device=dev, generator=g).bfloat16()
        v = torch.randn(B, H, dv, device=dev, generator=g).bfloat16()
        ig = torch.randn(B, H, device=dev, generator=g) * 3
        fg = torch.randn(B, H, device=dev, generator=g) * 3
        ms = median_ms(lambda: step(C, n, m, q, k, v, ig, fg))
        state = H * (dqk * dv * 4 + dqk * 4 + 4)
        nbytes = 2 * B * state + B * H * ((2 * dqk + 2 * dv) * 2 + 8)
        gbs = nbytes / (ms * 1e-3) / 1e9
        print(f"| torch naive step state=f32 | B={B} H=8 256x512 | {ms * 1e3:.1f} | {gbs:.0f} | {100 * gbs / copy_gbs:.1f} |")
        del C, n, m
        torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
