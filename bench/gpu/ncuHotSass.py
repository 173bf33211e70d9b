#!/usr/bin/env python3
"""The SASS instructions where a profiled kernel's warps spent their stall samples.

Reads the CSV of `ncu -i REPORT --page source --csv --print-source sass` (Nsight Compute's source page:
one row per SASS instruction, with the PC-sampling counts of the `--set full` SourceCounters section)
and prints the N instructions with the most warp-stall samples, each with its share of all samples and
its three largest stall reasons. Why: the details page gives stall reasons averaged over every warp of
every role (producer and consumers alike); this names the instruction, so a barrier wait, an mbarrier
poll and a load can be told apart.

usage: ncuHotSass.py REPORT.ncu-rep [N]   exports the source page itself (to REPORT.sass.csv.gz, kept
       ncuHotSass.py SOURCE.csv [N]          for a later look) or reads an export already made
One table per launch in the report; prints the header instead when the columns are not recognised.
"""
import csv
import gzip
import subprocess
import sys


def number(text):
    try:
        return float(text.replace(',', ''))
    except ValueError:
        return 0.0


def main():
    if len(sys.argv) < 2:
        sys.exit('usage: ncuHotSass.py SOURCE.csv [N]')
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25
    if path.endswith('.ncu-rep'):
        export = subprocess.run(['ncu', '-i', path, '--page', 'source', '--csv', '--print-source', 'sass'],
                                capture_output=True, text=True, timeout=120)
        text = export.stdout + export.stderr
        path = path[:-len('.ncu-rep')] + '.sass.csv.gz'
        with gzip.open(path, 'wt') as f:
            f.write(text)
    else:
        with open(path, newline='') as f:
            text = f.read()
    lines = text.splitlines()
    # One table per profiled kernel launch, each from its header row (ncu may print other lines, such as
    # the kernel's name, before each).
    starts = [i for i, l in enumerate(lines) if l.startswith('"Address"')]
    if not starts:
        print(f'{path}: no source table found; first lines:')
        print('\n'.join(lines[:5]))
        return
    seen = {}
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        if len(starts) > 1:
            print(f'-- launch {k + 1} of {len(starts)}' + (f' ({lines[start - 1][:100]})' if start > 0 else ''))
        # The export can hold the same kernel's table twice, sample for sample (run 8: one profiled launch
        # each of two kernels, four tables): say so instead of printing it again.
        rows = list(csv.reader(lines[start:end]))
        key = (lines[start - 1] if start > 0 else '', tuple(tuple(r) for r in rows if len(r) == len(rows[0])))
        if key in seen:
            print(f'   identical to launch {seen[key] + 1} (the same table, sample for sample)')
            continue
        seen[key] = k
        table(path, rows, top)


def table(path, rows, top):
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    col = {name: i for i, name in enumerate(header)}
    total = next((n for n in header if n.startswith('Warp Stall Sampling (All')), None)
    if total is None or 'Source' not in col:
        print(f'{path}: columns not recognised (wanted "Warp Stall Sampling (All Samples)" and "Source"):')
        print(header)
        return
    # Per-reason sample columns: every other column that names a stall.
    reasons = [n for n in header if 'stall' in n.lower() and not n.startswith('Warp Stall Sampling')]
    allSamples = sum(number(r[col[total]]) for r in body)
    print(f'{len(body)} SASS instructions, {allSamples:.0f} stall samples; top {top}:')
    for r in sorted(body, key=lambda r: -number(r[col[total]]))[:top]:
        n = number(r[col[total]])
        if n == 0:
            break
        why = sorted(((number(r[col[x]]), x) for x in reasons), reverse=True)[:3]
        whyText = ', '.join(f'{x} {v:.0f}' for v, x in why if v > 0)
        print(f'{100 * n / max(allSamples, 1):5.1f}%  {r[col["Address"]]:>6}  {r[col["Source"]][:70]:<70}  {whyText}')


if __name__ == '__main__':
    main()
