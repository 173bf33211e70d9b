#!/usr/bin/env python3
"""The SASS instructions where a profiled kernel's warps spent their stall samples.

Reads the CSV of `ncu -i REPORT --page source --csv --print-source sass` (Nsight Compute's source page:
one row per SASS instruction, with the PC-sampling counts of the `--set full` SourceCounters section)
and prints the N instructions with the most warp-stall samples, each with its share of all samples and
its three largest stall reasons. Why: the details page gives stall reasons averaged over every warp of
every role (producer and consumers alike); this names the instruction, so a barrier wait, an mbarrier
poll and a load can be told apart.

usage: ncuHotSass.py SOURCE.csv [N]   (one table per launch in the report; prints the header instead when the columns are not recognised)
"""
import csv
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
    with open(path, newline='') as f:
        lines = f.read().splitlines()
    # One table per profiled kernel launch, each from its header row (ncu may print other lines, such as
    # the kernel's name, before each).
    starts = [i for i, l in enumerate(lines) if l.startswith('"Address"')]
    if not starts:
        print(f'{path}: no source table found; first lines:')
        print('\n'.join(lines[:5]))
        return
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        if len(starts) > 1:
            print(f'-- launch {k + 1} of {len(starts)}' + (f' ({lines[start - 1][:100]})' if start > 0 else ''))
        table(path, list(csv.reader(lines[start:end])), top)


def table(path, rows, top):
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    col = {name: i for i, name in enumerate(header)}
    total = next((n for n in header if n.startswith('Warp Stall Sampling (All')), None)
    source = next((n for n in header if n == 'Source'), None)
    if total is None or source is None:
        print(f'{path}: columns not recognised (wanted "Warp Stall Sampling (All Samples)" and "Source"):')
        print(header)
        return
    reasons = [n for n in header if n.startswith('stall_') or n.endswith('(Stall)') or 'stall' in n.lower()
               and n != total and not n.startswith('Warp Stall Sampling')]
    allSamples = sum(number(r[col[total]]) for r in body)
    print(f'{len(body)} SASS instructions, {allSamples:.0f} stall samples; top {top}:')
    for r in sorted(body, key=lambda r: -number(r[col[total]]))[:top]:
        n = number(r[col[total]])
        if n == 0:
            break
        why = sorted(((number(r[col[x]]), x) for x in reasons), reverse=True)[:3]
        whyText = ', '.join(f'{x} {v:.0f}' for v, x in why if v > 0)
        addr = r[col['Address']] if 'Address' in col else r[0]
        print(f'{100 * n / max(allSamples, 1):5.1f}%  {addr:>6}  {r[col[source]][:70]:<70}  {whyText}')


if __name__ == '__main__':
    main()
