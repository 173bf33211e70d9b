#!/usr/bin/env python3
"""PyTorch scaled_dot_product_attention on the shapes of one `kvsim gpu bench kernels` report, for
its --sdpa column (src/gpu/sdpaSideBySide.ts runs this and reads the answer).

Input (stdin, or the first argument): one JSON object
  {"device": 0, "dtype": "f16"|"bf16", "numQHeads": 32, "numKvHeads": 8, "headDim": 128,
   "warmup": 5, "reps": 30, "decode": [{"batch", "contextLen"}],
   "prefill": [{"batch", "queryLen", "contextLen"}], "probe": false}
Output (stdout): one JSON object {"torch", "cuda", "device", "dateUtc", "decode": [...], "prefill": [...]},
rows in the order asked. With "probe": true only torch, cuda and device (a check before kvsim measures).
On failure: {"error": "<one line>"} on stdout and exit status 2.

Same shapes and work as the kvsim kernels (native/attentionBinding.cc, AttentionBench):
  decode:  one query per request over contextLen cached tokens; bytes = 2 * B * ctx * Hkv * D * 2 (K and V once)
  prefill: causal; query row i sits at absolute position contextLen - queryLen + i and sees keys 0..that
           position (attention.h); flops = 4 * B * pairs * Hq * D with
           pairs = queryLen * (contextLen - queryLen) + queryLen * (queryLen + 1) / 2
K/V are stored token-major ([B][ctx][Hkv][D], like a kvsim arena slot) and viewed as [B][Hkv][ctx][D];
GQA through enable_gqa (torch >= 2.5), as in sdpa_reference.py. A chunked prefill (queryLen < contextLen)
uses torch.nn.attention.bias.causal_lower_right, which is exactly that mask and runs on the flash kernel
where it can; it is first checked against an explicit boolean mask on a small shape, and when the check
fails (or the bias is missing) those rows are null with a note, never measured with another mask.
Timing: CUDA events around each call, `warmup` untimed calls, median of `reps`.
"""

import datetime
import json
import sys

from cuda_timing import median_ms


class Refusal(Exception):
    """A failure to report as the one-line {"error": ...} answer."""


def fail(message):
    print(json.dumps({"error": message}), flush=True)
    return 2


def read_spec(argv):
    text = argv[1] if len(argv) > 1 else sys.stdin.read()
    try:
        spec = json.loads(text)
    except ValueError as e:
        raise Refusal(f"the spec is not JSON ({e})")
    if not isinstance(spec, dict):
        raise Refusal("the spec is not a JSON object")
    for key in ("dtype", "numQHeads", "numKvHeads", "headDim"):
        if key not in spec:
            raise Refusal(f"the spec has no {key}")
    if spec["dtype"] not in ("f16", "bf16"):
        raise Refusal(f"the spec's dtype is {spec['dtype']!r}, not 'f16' or 'bf16'")
    return spec


def import_torch():
    # Imported here, not at the top: without torch the answer is still one JSON line.
    try:
        import torch  # noqa: PLC0415
        import torch.nn.functional as F  # noqa: PLC0415
    except Exception as e:  # ImportError, or a broken install raising something else
        raise Refusal(f"cannot import torch ({type(e).__name__}: {e}); --sdpa needs python3 with PyTorch (CUDA); set KVSIM_PYTHON")
    torch.manual_seed(0)  # the same inputs every run
    if not torch.cuda.is_available():
        raise Refusal(f"torch {torch.__version__} sees no CUDA device (torch.cuda.is_available() is False; torch.version.cuda {torch.version.cuda})")
    return torch, F


def time_ms(torch, fn, warmup, reps):
    return median_ms(torch, fn, warmup, reps)


class Runner:
    def __init__(self, torch, F, spec):
        self.torch, self.F = torch, F
        self.hq, self.hkv, self.d = int(spec["numQHeads"]), int(spec["numKvHeads"]), int(spec["headDim"])
        self.dtype = torch.bfloat16 if spec["dtype"] == "bf16" else torch.float16
        self.dev = torch.device("cuda", int(spec.get("device", 0)))
        self.warmup, self.reps = int(spec.get("warmup", 5)), int(spec.get("reps", 30))
        self.gqa = self.hq != self.hkv

    def rand(self, *shape):
        return self.torch.randn(*shape, device=self.dev, dtype=self.dtype)

    def kv(self, batch, ctx):
        # Token-major like the arena slot, viewed head-major for SDPA (no copy).
        return self.rand(batch, ctx, self.hkv, self.d).transpose(1, 2), self.rand(batch, ctx, self.hkv, self.d).transpose(1, 2)

    def sdpa(self, q, k, v, **kw):
        return self.F.scaled_dot_product_attention(q, k, v, enable_gqa=self.gqa, **kw)

    def lower_right(self):
        """causal_lower_right when it exists and matches the kvsim mask on a small shape; else (None, why)."""
        try:
            from torch.nn.attention.bias import causal_lower_right  # noqa: PLC0415
        except ImportError as e:
            return None, f"this torch has no torch.nn.attention.bias.causal_lower_right ({e})"
        torch = self.torch
        n, c = 64, 192
        q = self.rand(1, n, self.hq, self.d).transpose(1, 2)
        k, v = self.kv(1, c)
        i = torch.arange(n, device=self.dev).view(n, 1)
        j = torch.arange(c, device=self.dev).view(1, c)
        want = self.sdpa(q, k, v, attn_mask=(j <= c - n + i))  # kvsim: row i at position c - n + i
        try:
            got = self.sdpa(q, k, v, attn_mask=causal_lower_right(n, c))
        except Exception as e:
            return None, f"causal_lower_right failed here ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
        diff = (got.float() - want.float()).abs().max().item()
        if not diff <= 2e-2:
            return None, f"causal_lower_right differs from the kvsim mask (max |diff| {diff:.3g} on a 64x192 check)"
        return causal_lower_right, None

    def decode(self, batch, ctx):
        q = self.rand(batch, self.hq, 1, self.d)
        k, v = self.kv(batch, ctx)
        ms = time_ms(self.torch, lambda: self.sdpa(q, k, v), self.warmup, self.reps)
        del q, k, v
        nbytes = 2.0 * batch * ctx * self.hkv * self.d * 2
        return {"batch": batch, "contextLen": ctx, "medianMs": ms, "bytes": nbytes, "kvTBs": nbytes / (ms * 1e-3) / 1e12}

    def prefill(self, batch, n, ctx, bias):
        prefix = ctx - n
        row = {"batch": batch, "queryLen": n, "contextLen": ctx}
        pairs = n * prefix + 0.5 * n * (n + 1.0)
        flops = 4.0 * batch * pairs * self.hq * self.d
        if prefix == 0:
            kw, row["mask"] = {"is_causal": True}, "is_causal"
        elif bias[0] is not None:
            kw, row["mask"] = {"attn_mask": bias[0](n, ctx)}, "causal_lower_right"
        else:
            return {**row, "medianMs": None, "flops": flops, "tflops": None, "note": bias[1]}
        q = self.rand(batch, n, self.hq, self.d).transpose(1, 2)
        k, v = self.kv(batch, ctx)
        ms = time_ms(self.torch, lambda: self.sdpa(q, k, v, **kw), self.warmup, self.reps)
        del q, k, v
        return {**row, "medianMs": ms, "flops": flops, "tflops": flops / (ms * 1e-3) / 1e12}


def run(spec):
    torch, F = import_torch()
    device = int(spec.get("device", 0))
    if device >= torch.cuda.device_count():
        raise Refusal(f"torch sees {torch.cuda.device_count()} CUDA device(s); there is no device {device}")
    torch.cuda.set_device(device)
    out = {"torch": torch.__version__, "cuda": torch.version.cuda, "device": torch.cuda.get_device_name(device)}
    if spec.get("probe"):
        return out
    r = Runner(torch, F, spec)
    try:
        r.sdpa(r.rand(1, r.hq, 1, r.d), r.rand(1, r.hkv, 4, r.d), r.rand(1, r.hkv, 4, r.d))
    except TypeError as e:
        raise Refusal(f"torch {torch.__version__} has no enable_gqa in scaled_dot_product_attention (needs torch >= 2.5): {e}")
    decode_shapes = [(int(s["batch"]), int(s["contextLen"])) for s in spec.get("decode", [])]
    prefill_shapes = [(int(s["batch"]), int(s["queryLen"]), int(s["contextLen"])) for s in spec.get("prefill", [])]
    # An untimed pass first so clocks are up before the first row, as kvsim's bench does.
    if decode_shapes:
        b, c = decode_shapes[0]
        q, (k, v) = r.rand(b, r.hq, 1, r.d), r.kv(b, c)
        time_ms(torch, lambda: r.sdpa(q, k, v), 0, r.reps * 3)
        del q, k, v
    decode = []
    for b, c in decode_shapes:
        decode.append(r.decode(b, c))
        torch.cuda.empty_cache()
    bias = r.lower_right() if any(n < c for _, n, c in prefill_shapes) else (None, None)
    prefill = []
    for b, n, c in prefill_shapes:
        prefill.append(r.prefill(b, n, c, bias))
        torch.cuda.empty_cache()
    out["dateUtc"] = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
    out["decode"], out["prefill"] = decode, prefill
    return out


def main(argv):
    try:
        out = run(read_spec(argv))
    except Refusal as e:
        return fail(str(e))
    except Exception as e:  # a CUDA error, out of memory: still one line the caller can show
        first = str(e).splitlines()[0] if str(e) else ""
        return fail(f"{type(e).__name__}: {first}")
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
