"""Prints the side-by-side summary of one device run: kvsim kernels (kernels_check bench) against
SDPA (sdpa_reference.py) and the ceilings. Usage: python3 table.py kernels.log sdpa.log gemm.log"""

import re
import sys


def fields(line):
    return dict(re.findall(r"(\S+?)=(\S+)", line))


def main(paths):
    lines = []
    for p in paths:
        try:
            lines += [l.strip() for l in open(p) if l.startswith("BENCH") or l.startswith("DEVICE")]
        except OSError:
            pass
    dev = next((l for l in lines if l.startswith("DEVICE")), "DEVICE ?")
    print(dev)
    for l in lines:
        if " copy " in l or "torch-copy" in l or " gemm " in l or "torch-matmul" in l:
            print("ceiling:", l[6:])
    sdpa_dec, sdpa_pre = {}, {}
    for l in lines:
        f = fields(l)
        if l.startswith("BENCH sdpa-decode"):
            dt = l.split()[2]
            sdpa_dec[(dt, f["B"], f["ctx"], f["Hkv"])] = float(f["TB/s"])
        if l.startswith("BENCH sdpa-prefill"):
            kind, dt = l.split()[2], l.split()[3]
            sdpa_pre[(kind, dt, f["B"], f["q"], f["prefix"], f["D"])] = float(f["TFLOP/s"])
    print(f"{'decode':<12}{'dtype':<6}{'B':>5}{'ctx':>7}{'Hkv':>4}{'splits':>7}{'ms':>9}{'TB/s':>7}{'/copy':>7}{'/SDPA':>7}{'paged/contig':>13}")
    for l in lines:
        if not l.startswith("BENCH decode"):
            continue
        f, w = fields(l), l.split()
        sd = sdpa_dec.get((w[3], f["B"], f["ctx"], f["Hkv"]))
        ratio = f"{float(f['TB/s']) / sd:.3f}" if sd else "-"
        print(f"{w[2]:<12}{w[3]:<6}{f['B']:>5}{f['ctx']:>7}{f['Hkv']:>4}{f['splits']:>7}{float(f['ms']):>9.4f}"
              f"{float(f['TB/s']):>7.2f}{float(f['of_copy']):>7.3f}{ratio:>7}{f.get('paged/contig_time', '-'):>13}")
    for k, v in sdpa_dec.items():
        print(f"{'sdpa':<12}{k[0]:<6}{k[1]:>5}{k[2]:>7}{k[3]:>4}{'':>7}{'':>9}{v:>7.2f}")
    print(f"{'prefill':<22}{'kind':<7}{'dtype':<6}{'D':>4}{'B':>4}{'q':>7}{'prefix':>7}{'ms':>9}{'TFLOP/s':>9}{'/SDPA':>7}{'paged/contig':>13}")
    for l in lines:
        if not l.startswith("BENCH prefill"):
            continue
        f, w = fields(l), l.split()
        sd = sdpa_pre.get((w[3], w[4], f["B"], f["q"], f["prefix"], f["D"]))
        ratio = f"{float(f['TFLOP/s']) / sd:.3f}" if sd else "-"
        print(f"{w[2]:<22}{w[3]:<7}{w[4]:<6}{f['D']:>4}{f['B']:>4}{f['q']:>7}{f['prefix']:>7}{float(f['ms']):>9.3f}"
              f"{float(f['TFLOP/s']):>9.1f}{ratio:>7}{f.get('paged/contig_time', '-'):>13}")
    for k, v in sdpa_pre.items():
        print(f"{'sdpa':<22}{k[0]:<7}{k[1]:<6}{k[5]:>4}{k[2]:>4}{k[3]:>7}{k[4]:>7}{'':>9}{v:>9.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
