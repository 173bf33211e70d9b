#!/usr/bin/env python3
"""Measures the attention kernels installed in this Python on this GPU and writes kvsim's
bring-your-own timings format (kvsim.attention-timings/1; see bench/kernels/ATTENTION_FORMAT.md),
one file per kernel family, for `kvsim replay --attention-kernels FILE`.

Kernel families (each skipped with a message when its package does not import or its call fails):
  sdpa        PyTorch scaled_dot_product_attention, contiguous KV (always, when torch has CUDA)
  flash-attn  flash_attn.flash_attn_with_kvcache, contiguous and paged (block table) KV
  flashinfer  flashinfer paged decode / paged prefill wrappers, and single-request prefill
  vllm        vLLM's paged decode kernel (vllm._custom_ops.paged_attention_v1)

Every point: random data (never zeros), paged block tables shuffled, 3 warm-up calls, then the median
of --reps calls timed with CUDA events. Times are seconds for ONE layer.

  python3 bench/kernels/measure_attention.py --out 'profiles/h100-sxm-80gb/attention-{kernel}.json'
"""

import argparse
import datetime
import json
import os
import subprocess
import sys

from cuda_timing import median_ms


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kernels", default="sdpa,flash-attn,flashinfer,vllm", help="comma-separated families to try")
    p.add_argument("--q-heads", type=int, default=32, help="query heads per GPU (Llama-3-8B TP1: 32)")
    p.add_argument("--kv-heads", type=int, default=8, help="KV heads per GPU (Llama-3-8B TP1: 8)")
    p.add_argument("--head-dim", type=int, default=128)
    p.add_argument("--dtype", default="bf16", choices=["bf16", "fp16"])
    p.add_argument("--batches", default="1,2,4,8,16,32,64,128,256")
    p.add_argument("--contexts", default="128,256,512,1024,2048,4096,8192,16384", help="decode: tokens of KV per request")
    p.add_argument("--chunks", default="16,64,256,1024,4096,8192", help="prefill: new tokens of one request")
    p.add_argument("--prefill-contexts", default="0,1024,4096,8192", help="prefill: tokens cached before the chunk")
    p.add_argument("--block-sizes", default="8,16,32,64,128,256", help="paged layouts (a kernel that rejects one is skipped there)")
    p.add_argument("--max-kv-gib", type=float, default=40.0, help="skip decode points whose KV exceeds this")
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--out", default="attention-{kernel}.json", help="output path; {kernel} is replaced; .csv writes CSV")
    return p.parse_args()


def ints(s):
    return [int(x) for x in s.split(",") if x.strip()]


class Bench:
    def __init__(self, torch, args):
        self.torch = torch
        self.args = args
        self.dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float16
        self.dev = torch.device("cuda")

    def rand(self, *shape):
        # Uniform in [0.5, 1.5): never zero, so a kernel that skips work on zeros cannot look fast.
        return (self.torch.rand(*shape, device=self.dev, dtype=self.dtype) + 0.5)

    def time_s(self, fn):
        return median_ms(self.torch, fn, 3, self.args.reps) / 1e3

    def block_table(self, batch, blocks_per_seq):
        # A shuffled pool: consecutive logical blocks land far apart, as in a long-running server.
        perm = self.torch.randperm(batch * blocks_per_seq, device=self.dev, dtype=self.torch.int32)
        return perm.view(batch, blocks_per_seq)

    def kv_bytes(self, batch, ctx):
        return 2 * batch * ctx * self.args.kv_heads * self.args.head_dim * 2

    def decode_points(self):
        for b in ints(self.args.batches):
            for c in ints(self.args.contexts):
                if self.kv_bytes(b, c) <= self.args.max_kv_gib * 2**30:
                    yield b, c

    def prefill_points(self):
        for q in ints(self.args.chunks):
            for c in ints(self.args.prefill_contexts):
                yield q, c


def row(args, kind, layout, batch, q, ctx, block, t):
    return {"kind": kind, "layout": layout, "batch": batch, "queryTokens": q, "contextTokens": ctx, "blockSize": block,
            "numQHeads": args.q_heads, "numKvHeads": args.kv_heads, "headDim": args.head_dim, "dtype": args.dtype, "timeS": t}


def measure_sdpa(bx):
    torch, a = bx.torch, bx.args
    import torch.nn.functional as F
    gqa = a.q_heads // a.kv_heads
    rows = []

    def kv(batch, n):
        k, v = bx.rand(batch, a.kv_heads, n, a.head_dim), bx.rand(batch, a.kv_heads, n, a.head_dim)
        return k, v

    # torch >= 2.5 reads grouped KV heads directly (enable_gqa); older torch needs the heads expanded,
    # which reads gqa times the bytes: the software line of the output says which.
    try:
        t = bx.rand(1, a.q_heads, 1, a.head_dim)
        F.scaled_dot_product_attention(t, bx.rand(1, a.kv_heads, 4, a.head_dim), bx.rand(1, a.kv_heads, 4, a.head_dim), enable_gqa=True)
        native_gqa = True
    except TypeError:
        native_gqa = False
        skip_once(f"sdpa: this torch has no enable_gqa; KV heads are expanded {gqa}x before timing (more bytes read than a GQA kernel)")

    def call(q, k, v, **kw):
        if native_gqa:
            return lambda: F.scaled_dot_product_attention(q, k, v, enable_gqa=True, **kw)
        k2, v2 = k.repeat_interleave(gqa, 1), v.repeat_interleave(gqa, 1)
        return lambda: F.scaled_dot_product_attention(q, k2, v2, **kw)

    for b, c in bx.decode_points():
        q = bx.rand(b, a.q_heads, 1, a.head_dim)
        k, v = kv(b, c + 1)
        rows.append(row(a, "decode", "contiguous", b, 1, c, 0, bx.time_s(call(q, k, v))))
        del q, k, v
    for n, c in bx.prefill_points():
        q = bx.rand(1, a.q_heads, n, a.head_dim)
        k, v = kv(1, c + n)
        if c == 0:
            fn = call(q, k, v, is_causal=True)
        else:
            # Chunk over a cached context: query i sees keys 0..c+i (bottom-right causal), an explicit mask.
            i = torch.arange(n, device=bx.dev).view(n, 1)
            j = torch.arange(c + n, device=bx.dev).view(1, c + n)
            fn = call(q, k, v, attn_mask=(j <= c + i))
        rows.append(row(a, "prefill", "contiguous", 1, n, c, 0, bx.time_s(fn)))
        del q, k, v
    return rows


def measure_flash_attn(bx):
    from flash_attn import flash_attn_with_kvcache  # noqa: raises ImportError when absent
    torch, a = bx.torch, bx.args
    rows = []
    for b, c in bx.decode_points():
        q = bx.rand(b, 1, a.q_heads, a.head_dim)
        k, v = bx.rand(b, c + 1, a.kv_heads, a.head_dim), bx.rand(b, c + 1, a.kv_heads, a.head_dim)
        lens = torch.full((b,), c + 1, dtype=torch.int32, device=bx.dev)
        rows.append(row(a, "decode", "contiguous", b, 1, c, 0, bx.time_s(lambda: flash_attn_with_kvcache(q, k, v, cache_seqlens=lens))))
        del k, v
        for bs in ints(a.block_sizes):
            nb = -(-(c + 1) // bs)
            kp, vp = bx.rand(b * nb, bs, a.kv_heads, a.head_dim), bx.rand(b * nb, bs, a.kv_heads, a.head_dim)
            table = bx.block_table(b, nb)
            try:
                t = bx.time_s(lambda: flash_attn_with_kvcache(q, kp, vp, cache_seqlens=lens, block_table=table))
                rows.append(row(a, "decode", "paged", b, 1, c, bs, t))
            except Exception as e:  # FlashAttention 2.5 needs blocks that are multiples of 256
                skip_once(f"flash-attn paged decode at block {bs}: {str(e).splitlines()[0]}")
            del kp, vp
    for n, c in bx.prefill_points():
        q = bx.rand(1, n, a.q_heads, a.head_dim)
        k, v = bx.rand(1, c + n, a.kv_heads, a.head_dim), bx.rand(1, c + n, a.kv_heads, a.head_dim)
        lens = torch.full((1,), c + n, dtype=torch.int32, device=bx.dev)
        rows.append(row(a, "prefill", "contiguous", 1, n, c, 0, bx.time_s(lambda: flash_attn_with_kvcache(q, k, v, cache_seqlens=lens, causal=True))))
        for bs in ints(a.block_sizes):
            nb = -(-(c + n) // bs)
            kp, vp = bx.rand(nb, bs, a.kv_heads, a.head_dim), bx.rand(nb, bs, a.kv_heads, a.head_dim)
            table = bx.block_table(1, nb)
            try:
                t = bx.time_s(lambda: flash_attn_with_kvcache(q, kp, vp, cache_seqlens=lens, block_table=table, causal=True))
                rows.append(row(a, "prefill", "paged", 1, n, c, bs, t))
            except Exception as e:
                skip_once(f"flash-attn paged prefill at block {bs}: {str(e).splitlines()[0]}")
    return rows


def measure_flashinfer(bx):
    import flashinfer  # noqa: raises ImportError when absent
    torch, a = bx.torch, bx.args
    rows = []
    ws = torch.empty(256 * 2**20, dtype=torch.uint8, device=bx.dev)
    for bs in ints(a.block_sizes):
        for b, c in bx.decode_points():
            nb = -(-(c + 1) // bs)
            cache = bx.rand(b * nb, 2, bs, a.kv_heads, a.head_dim)
            indptr = torch.arange(0, b * nb + 1, nb, dtype=torch.int32, device=bx.dev)
            indices = bx.block_table(b, nb).flatten()
            last = torch.full((b,), (c + 1) - (nb - 1) * bs, dtype=torch.int32, device=bx.dev)
            q = bx.rand(b, a.q_heads, a.head_dim)
            w = flashinfer.BatchDecodeWithPagedKVCacheWrapper(ws, "NHD")
            try:
                w.plan(indptr, indices, last, a.q_heads, a.kv_heads, a.head_dim, bs, data_type=bx.dtype)
                fn = lambda: w.run(q, cache)
            except AttributeError:  # flashinfer < 0.2: begin_forward / forward
                w.begin_forward(indptr, indices, last, a.q_heads, a.kv_heads, a.head_dim, bs, data_type=bx.dtype)
                fn = lambda: w.forward(q, cache)
            try:
                rows.append(row(a, "decode", "paged", b, 1, c, bs, bx.time_s(fn)))
            except Exception as e:
                skip_once(f"flashinfer paged decode at block {bs}: {str(e).splitlines()[0]}")
            del cache
    for n, c in bx.prefill_points():
        q = bx.rand(n, a.q_heads, a.head_dim)
        k, v = bx.rand(c + n, a.kv_heads, a.head_dim), bx.rand(c + n, a.kv_heads, a.head_dim)
        rows.append(row(a, "prefill", "contiguous", 1, n, c, 0, bx.time_s(lambda: flashinfer.single_prefill_with_kv_cache(q, k, v, causal=True))))
        for bs in ints(a.block_sizes):
            nb = -(-(c + n) // bs)
            cache = bx.rand(nb, 2, bs, a.kv_heads, a.head_dim)
            qo = torch.tensor([0, n], dtype=torch.int32, device=bx.dev)
            indptr = torch.tensor([0, nb], dtype=torch.int32, device=bx.dev)
            indices = bx.block_table(1, nb).flatten()
            last = torch.tensor([(c + n) - (nb - 1) * bs], dtype=torch.int32, device=bx.dev)
            w = flashinfer.BatchPrefillWithPagedKVCacheWrapper(ws, "NHD")
            try:
                try:
                    w.plan(qo, indptr, indices, last, a.q_heads, a.kv_heads, a.head_dim, bs, causal=True)
                    fn = lambda: w.run(q, cache)
                except AttributeError:
                    w.begin_forward(qo, indptr, indices, last, a.q_heads, a.kv_heads, a.head_dim)
                    fn = lambda: w.forward(q, cache, causal=True)
                rows.append(row(a, "prefill", "paged", 1, n, c, bs, bx.time_s(fn)))
            except Exception as e:
                skip_once(f"flashinfer paged prefill at block {bs}: {str(e).splitlines()[0]}")
    return rows


def measure_vllm(bx):
    from vllm import _custom_ops as ops  # noqa: raises ImportError when absent
    torch, a = bx.torch, bx.args
    rows = []
    scale = a.head_dim ** -0.5
    x = 16 // 2  # vLLM's key cache splits the head dim into chunks of 16 bytes
    for bs in ints(a.block_sizes):
        for b, c in bx.decode_points():
            nb = -(-(c + 1) // bs)
            q = bx.rand(b, a.q_heads, a.head_dim)
            kc = bx.rand(b * nb, a.kv_heads, a.head_dim // x, bs, x)
            vc = bx.rand(b * nb, a.kv_heads, a.head_dim, bs)
            out = torch.empty_like(q)
            table = bx.block_table(b, nb)
            lens = torch.full((b,), c + 1, dtype=torch.int32, device=bx.dev)
            one = torch.tensor(1.0, device=bx.dev)
            try:
                fn = lambda: ops.paged_attention_v1(out, q, kc, vc, a.kv_heads, scale, table, lens, bs, c + 1, None, "auto", one, one)
                rows.append(row(a, "decode", "paged", b, 1, c, bs, bx.time_s(fn)))
            except Exception as e:  # the signature differs between vLLM versions
                skip_once(f"vllm paged decode at block {bs}: {str(e).splitlines()[0]}")
            del kc, vc
    return rows


_SKIPPED = set()


def skip_once(msg):
    if msg not in _SKIPPED:
        _SKIPPED.add(msg)
        print(f"measure_attention: skipped {msg}", file=sys.stderr)


def driver_version():
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True, check=True).stdout.strip().splitlines()[0]
    except Exception:
        return "unknown (nvidia-smi not found)"


def full_grids(kernel, rows):
    """kvsim interpolates on full grids: a (kind, layout, block) table with a hole is left out, with a message."""
    groups = {}
    for r in rows:
        groups.setdefault((r["kind"], r["layout"], r["blockSize"]), []).append(r)
    kept = []
    for (kind, layout, bs), g in groups.items():
        a = {r["batch"] if kind == "decode" else r["queryTokens"] for r in g}
        b = {r["contextTokens"] for r in g}
        if len(g) == len(a) * len(b):
            kept.extend(g)
        else:
            skip_once(f"{kernel} {kind} {layout} block {bs}: {len(a) * len(b) - len(g)} grid points could not be measured, table left out")
    return kept


def write(path, kernel, prov, rows):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if path.endswith(".csv"):
        cols = ["kind", "layout", "batch", "query_tokens", "context_tokens", "block_size", "num_q_heads", "num_kv_heads", "head_dim", "dtype", "time_s"]
        keys = ["kind", "layout", "batch", "queryTokens", "contextTokens", "blockSize", "numQHeads", "numKvHeads", "headDim", "dtype", "timeS"]
        with open(path, "w") as f:
            f.write(f"# kernel: {kernel}\n")
            for k in ["card", "driver", "date", "command", "software"]:
                f.write(f"# {k}: {prov[k]}\n")
            f.write(",".join(cols) + "\n")
            for r in rows:
                f.write(",".join(repr(r[k]) if isinstance(r[k], float) else str(r[k]) for k in keys) + "\n")
    else:
        with open(path, "w") as f:
            json.dump({"schema": "kvsim.attention-timings/1", "kernel": kernel, "provenance": prov, "rows": rows}, f, indent=1)
            f.write("\n")


def main():
    args = parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("measure_attention: PyTorch is not installed in this Python; nothing can be measured")
    if not torch.cuda.is_available():
        sys.exit("measure_attention: torch.cuda.is_available() is False: no GPU to measure on")
    bx = Bench(torch, args)
    families = {"sdpa": (measure_sdpa, lambda: f"torch {torch.__version__}"),
                "flash-attn": (measure_flash_attn, lambda: f"flash_attn {__import__('flash_attn').__version__}"),
                "flashinfer": (measure_flashinfer, lambda: f"flashinfer {__import__('flashinfer').__version__}"),
                "vllm": (measure_vllm, lambda: f"vllm {__import__('vllm').__version__}")}
    for kernel in [k.strip() for k in args.kernels.split(",") if k.strip()]:
        if kernel not in families:
            sys.exit(f"measure_attention: --kernels: expected some of {', '.join(families)} but received {kernel!r}")
        fn, version = families[kernel]
        try:
            rows = fn(bx)
            software = version()
        except ImportError as e:
            print(f"measure_attention: skipped {kernel}: not importable here ({e})", file=sys.stderr)
            continue
        rows = full_grids(kernel, rows)
        if not rows:
            print(f"measure_attention: skipped {kernel}: no point could be measured", file=sys.stderr)
            continue
        prov = {"kind": "measured", "card": torch.cuda.get_device_name(), "driver": driver_version(),
                "date": datetime.date.today().isoformat(), "command": "python3 " + " ".join(sys.argv), "software": f"{software}, CUDA {torch.version.cuda}"}
        path = args.out.replace("{kernel}", kernel)
        write(path, kernel, prov, rows)
        print(f"measure_attention: {kernel}: {len(rows)} timings -> {path}")


if __name__ == "__main__":
    main()
