import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ncclRingTime, type CollectiveEstimate } from '../../../src/sim/cost/ncclRingTime.js';
import { INTERCONNECTS } from '../../../src/sim/hardware/interconnects.js';

const est = (): CollectiveEstimate => ({ timeS: 0, protocol: 'Simple' });
const us = (s: number) => s * 1e6;
const nvlink = INTERCONNECTS.nvlink4();

describe('ncclRingTime: NCCL ring model (tuning.cc) over a published link', () => {
  it('is zero on one GPU and for nothing to send', () => {
    expect(ncclRingTime('allReduce', 1 << 20, 1, nvlink, est()).timeS).toBe(0);
    expect(ncclRingTime('allReduce', 0, 8, nvlink, est()).timeS).toBe(0);
  });

  // Hand-computed (NVLink 4: 450 GB/s per direction, LL capped at 141 GB/s, LL128 at 92%):
  // 512 KiB (32 decode tokens x 8192 x 2 B), time = base + nsteps*hw + bytes / (busBw * n / nsteps).
  it('512 KiB all-reduce at TP 2: LL wins (7.8 us + 524288 B / 141 GB/s)', () => {
    // LL 6.6 + 2*0.6 = 7.8 us, algBw 141*2/2 = 141 GB/s -> 3.718 us; LL128 17.8 + 1.266; Simple 15.2 + 1.165.
    const e = ncclRingTime('allReduce', 524288, 2, nvlink, est());
    expect(e.protocol).toBe('LL');
    expect(us(e.timeS)).toBeCloseTo(7.8 + 524288 / 141e3, 6);
    expect(us(e.timeS)).toBeCloseTo(11.5183, 3);
  });

  it('512 KiB all-reduce at TP 4 and 8: LL, latency growing with 2(n-1) steps', () => {
    // TP4: 6.6 + 6*0.6 = 10.2 us, algBw 141*4/6 = 94 GB/s -> 5.5775 us (LL128 25.4+1.90, Simple 28.8+1.75).
    const e4 = ncclRingTime('allReduce', 524288, 4, nvlink, est());
    expect(e4.protocol).toBe('LL');
    expect(us(e4.timeS)).toBeCloseTo(15.7775, 3);
    // TP8: 6.6 + 14*0.6 = 15.0 us, algBw 141*8/14 = 80.571 GB/s -> 6.5071 us.
    const e8 = ncclRingTime('allReduce', 524288, 8, nvlink, est());
    expect(e8.protocol).toBe('LL');
    expect(us(e8.timeS)).toBeCloseTo(21.5071, 3);
  });

  it('large messages go Simple at the link bandwidth: 256 MiB at TP 8 ~ 2*7/8 * bytes / 450 GB/s', () => {
    const bytes = 256 * 2 ** 20;
    const e = ncclRingTime('allReduce', bytes, 8, nvlink, est());
    expect(e.protocol).toBe('Simple');
    expect(us(e.timeS)).toBeCloseTo(8.4 + 14 * 3.4 + (bytes * 14) / 8 / 450e3, 6);
  });

  it('all-gather of 8208384 B (32 rows x 128256 x 2 B) at TP 8: LL128, 7 steps', () => {
    // LL 10.8 + 50.94; LL128 14 + 7*1.9 = 27.3 us + bytes / (414*8/7 GB/s) = 17.35 us; Simple 32.2 + 15.96.
    const e = ncclRingTime('allGather', 8208384, 8, nvlink, est());
    expect(e.protocol).toBe('LL128');
    expect(us(e.timeS)).toBeCloseTo(27.3 + (8208384 * 7) / (414e3 * 8), 6);
  });

  it('PCIe: no LL128 (NCCL enables it only over NVLink) and the PCI latencies', () => {
    const pcie = INTERCONNECTS.pcie5();
    // 64 MiB at TP 2: Simple 8.4 + 2*5.7 = 19.8 us + bytes / 64 GB/s.
    const e = ncclRingTime('allReduce', 64 * 2 ** 20, 2, pcie, est());
    expect(e.protocol).toBe('Simple');
    expect(us(e.timeS)).toBeCloseTo(19.8 + (64 * 2 ** 20) / 64e3, 6);
    for (const b of [1, 1 << 12, 1 << 16, 1 << 20, 1 << 24]) expect(ncclRingTime('allReduce', b, 4, pcie, est()).protocol).not.toBe('LL128');
    expect(ncclRingTime('allReduce', 1 << 20, 4, pcie, est()).timeS).toBeGreaterThan(ncclRingTime('allReduce', 1 << 20, 4, nvlink, est()).timeS);
  });

  it('is monotone: more bytes or more ranks never take less time (seeded)', () => {
    const links = [INTERCONNECTS.nvlink4(), INTERCONNECTS.nvlink3(), INTERCONNECTS.pcie5(), INTERCONNECTS.pcie4()];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom('allReduce' as const, 'allGather' as const),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 16 }),
        (li, coll, bytes, more, ranks) => {
          const l = links[li];
          const t = ncclRingTime(coll, bytes, ranks, l, est()).timeS;
          expect(t).toBeGreaterThan(0);
          expect(ncclRingTime(coll, bytes + more, ranks, l, est()).timeS).toBeGreaterThanOrEqual(t);
          expect(ncclRingTime(coll, bytes, ranks + 1, l, est()).timeS).toBeGreaterThanOrEqual(t);
        },
      ),
      { seed: 20, numRuns: 300 },
    );
  });
});
