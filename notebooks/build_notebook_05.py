#!/usr/bin/env python3
"""Writes notebooks/05-paper-claims.ipynb (no outputs) from the cells below, with the setup and cell
conventions of build_notebooks.py. Run it after editing, then execute the notebook (notebooks/README.md)."""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from build_notebooks import SETUP, cell  # noqa: E402

NAME = "05-paper-claims.ipynb"

CELLS = [
    ("md", """# vAttention's headline claims, and what kvsim's measured kernels say

The vAttention paper (Prabhu et al., arXiv:2405.04437) states in its abstract that vAttention
**decodes up to 1.97x faster than vLLM** and **prefills up to 3.92x and 1.45x faster than the paged
variants of FlashAttention-2 and FlashInfer**. All three compare the same contiguous kernels
(FlashAttention-2 / FlashInfer over vAttention's contiguous virtual buffers) with paged kernels.

This notebook recomputes those ratios from **kernel-level published figures** and kvsim's cost
model — it does not copy the ratios in:

* `profiles/published/vllm-0.2.7.json`: vLLM v0.2.7's paged decode kernel is up to **2.85x** slower
  than FlashAttention-2's contiguous kernel (section 7.2, Figure 9: Yi-6B, batch 16, 16K context,
  block 16);
* `profiles/published/fa2-paged.json`, `flashinfer-paged.json`: paged prefill kernels up to
  **37% / 42%** slower than their contiguous versions (section 3.3.1).

Every profile names its paper, figure, setup and the range where it holds; the figures' data
points could not be retrieved, so each profile holds only the stated maximum, and estimates
outside its stated conditions are counted as out of range. Beside each reproduction: what kvsim's
**own measured H100 kernels** (profiles/h100-sxm-80gb/, `kvsim calibrate`) give for the same setup."""),
    ("code", SETUP),
    ("code", """// The published kernel profiles: name, figure, conditions, range.
const rows: Record<string, Record<string, unknown>> = {};
for (const name of ['vllm-0.2.7', 'fa2-paged', 'flashinfer-paged']) {
  const p = kvsim.readAttentionKernels(`${kvsim.profilesDir()}/published/${name}.json`);
  for (const r of p.ratios ?? []) {
    rows[`${name} ${r.kind} block ${r.blockSize}`] = {
      'paged / contiguous': `x${r.pagedOverContiguous}`,
      'holds for': r.holds ? `batch ${r.holds.batch.join('-')}, context ${r.holds.contextTokens.join('-')}` : 'not stated',
      source: r.cite,
    };
  }
}
await say(table(rows, 'published kernel figure'));"""),
    ("md", """## The three claims, recomputed

Each claim's setup as the paper states it: decode at Yi-6B, batch 16, 16K tokens of context per
request (the point of Figure 9's largest gap); prefill of one prompt in chunks of 2048 tokens, the
largest ratio over prompts of 16K to 192K tokens ("up to"). Two bases price everything that is not
the paged kernel: kvsim's measured H100 profile, and the analytic model on the A100 preset (its
rates are assumptions, stated in the preset)."""),
    ("code", """const reps = kvsim.reproduceClaims();
const claimRows: Record<string, Record<string, unknown>> = {};
for (const r of reps) {
  const err = (r.withPublished / r.claim.ratio - 1) * 100;
  claimRows[`${r.claim.id} (${r.basis.split(',')[0]})`] = {
    claimed: `${r.claim.ratio}x`,
    'from published kernels': `${r.withPublished.toFixed(2)}x (${err >= 0 ? '+' : ''}${err.toFixed(1)}%)`,
    "kvsim's measured kernels": Number.isNaN(r.withKvsimKernels) ? 'no measured table for this setup' : `${r.withKvsimKernels.toFixed(2)}x`,
    at: r.at,
  };
  const key = `${r.claim.id} ${r.basis.startsWith('H100') ? 'h100' : 'a100'}`;
  result(`published ${key}`, r.withPublished.toFixed(4));
  if (!Number.isNaN(r.withKvsimKernels)) result(`kvsim ${key}`, r.withKvsimKernels.toFixed(4));
}
await say(table(claimRows, 'claim (basis)'));
await flushResults();"""),
    ("md", """**What this shows.**

* **Decode, 1.97x over vLLM: reproduced.** With vLLM v0.2.7's kernel at the published x2.85, the
  whole decode iteration (GEMMs, LM head and overhead unchanged) comes out about 2.0x slower than
  with the contiguous kernel — within a few percent of the claim on both bases. The gap is
  vLLM v0.2.7's *kernel*, not paging as such: kvsim's own paged kernel, measured on the H100, is
  within a few percent of its contiguous one, so today's measured answer for the same setup is ≈1.0x.
* **Prefill, 1.45x over FlashInfer paged: close** (≈1.36–1.37x at 192K tokens, 5–6% short): the kernel
  figure (up to 42% slower) bounds the end-to-end ratio, which approaches it as attention dominates
  long prompts.
* **Prefill, 3.92x over FlashAttention-2 paged: not reproduced.** A kernel that is at most 37%
  slower cannot make a prefill 3.92x slower; the end-to-end figure must come from conditions the
  available text does not give (the figure's data points). kvsim says so rather than fitting a
  number to the claim."""),
    ("md", """## How much faster is vAttention than paged for one workload?

The question users bring, for Llama-3-8B on an H100 at batch 32 with 16K tokens of context per
request, answered with every available attention-kernel profile — each named. Where a profile has
no figure for the operation, it says so instead of borrowing another's."""),
    ("code", """const model = kvsim.modelPreset('llama-3-8b');
const h100 = kvsim.hardwarePreset('h100');
const cases: [string, string, Record<string, unknown>, number][] = [
  ["kvsim's paged kernel, measured on H100 (block 16)", 'kvsim', { profile: 'auto' }, 16],
  ['vLLM v0.2.7 paged kernel, published (x2.85 stated at batch 16 x 16K, held here: out of its range), on the measured profile', 'vllm-0.2.7', { profile: 'auto' }, 16],
  ['FlashAttention-2 paged, published (block 256)', 'fa2-paged', { profile: 'auto' }, 256],
  ['FlashInfer paged, published (block 16)', 'flashinfer-paged', { profile: 'auto' }, 16],
  ['roofline with the literature upper bound (x2.8 decode, x1.37 prefill; no profile)', 'kvsim', { profile: 'roofline' }, 16],
];
const range: Record<string, Record<string, unknown>> = {};
const decodes: number[] = [];
const prefills: number[] = [];
const fmt = (x: number) => (Number.isNaN(x) ? 'no figure for this operation' : `${x.toFixed(2)}x`);
for (const [label, kernels, cost, block] of cases) {
  const s = kvsim.vattentionOverPaged({ model, hardware: h100, cost, pagedKernels: kernels, blockSizeTokens: block });
  const d = s.decode(32, 16384);
  const p = s.prefill(16384, 2048);
  if (!Number.isNaN(d)) decodes.push(d);
  if (!Number.isNaN(p)) prefills.push(p);
  range[label] = { 'decode 32 x 16K': fmt(d), 'prefill 16K in 2048 chunks': fmt(p) };
  result(`range decode ${kernels} ${cost.profile}`, Number.isNaN(d) ? 'NaN' : d.toFixed(4));
}
let sdpa = 'SDPA: no measured profile yet for h100-sxm-80gb (run bench/kernels/measure_attention.py on the GPU)';
try {
  kvsim.resolveCostModel({ model, hardware: h100, tp: 1, policy: kvsim.createPolicy('vattention', { model, hardware: h100, tp: 1 }, {} as never) }, { attentionKernels: 'sdpa' });
  // Which layouts the SDPA profile timed, read from the file rather than assumed.
  const rows = (JSON.parse(await Deno.readTextFile(`${kvsim.profilesDir()}/h100-sxm-80gb/attention-sdpa.json`)) as { rows: { layout: string }[] }).rows;
  const layouts = [...new Set(rows.map((r) => r.layout))];
  sdpa = `SDPA: a measured profile is present (profiles/h100-sxm-80gb/attention-sdpa.json, layouts timed: ${layouts.join(', ')})` +
    (layouts.includes('paged') ? '.' : '; it has no paged figure, so it is not a row of this table.');
} catch (e) {
  sdpa = `SDPA: ${(e as Error).message}`;
}
await say(table(range, 'vAttention over paged, Llama-3-8B on H100'));
await say(`**Range across the available profiles:** decode ${Math.min(...decodes).toFixed(2)}x – ${Math.max(...decodes).toFixed(2)}x; prefill ${Math.min(...prefills).toFixed(2)}x – ${Math.max(...prefills).toFixed(2)}x. ${sdpa}`);
result('range decode min', Math.min(...decodes).toFixed(4));
result('range decode max', Math.max(...decodes).toFixed(4));
await flushResults();"""),
    ("md", """The spread is the answer: the speed-up is a property of the paged kernel compared, not of paging.
With kernels as good as kvsim's own (or today's FlashAttention/FlashInfer paged kernels, which
`bench/kernels/measure_attention.py` measures where installed), the decode advantage of a
contiguous layout is small; against vLLM v0.2.7's kernel it is about 2x. `kvsim replay
--attention-kernels NAME|FILE` runs whole traces with any of these profiles, and its footer names
the source of every term."""),
]


def main() -> None:
    nb = {
        "cells": [cell(k, s, NAME, i) for i, (k, s) in enumerate(CELLS)],
        "metadata": {
            "kernelspec": {"display_name": "Deno (kvsim)", "language": "typescript", "name": "deno"},
            "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/x.typescript"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (HERE / NAME).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
