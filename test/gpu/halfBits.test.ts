import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHalfBits, toHalfBits } from '../../src/gpu/halfBits.js';

describe('toHalfBits / fromHalfBits', () => {
  it('encodes known fp16 and bf16 values', () => {
    expect(toHalfBits(1, 'f16')).toBe(0x3c00);
    expect(toHalfBits(-2, 'f16')).toBe(0xc000);
    expect(toHalfBits(65504, 'f16')).toBe(0x7bff);
    expect(toHalfBits(1e6, 'f16')).toBe(0x7c00); // overflow -> +Inf
    expect(toHalfBits(2 ** -24, 'f16')).toBe(0x0001); // smallest subnormal
    expect(toHalfBits(1, 'bf16')).toBe(0x3f80);
    expect(toHalfBits(-0.5, 'bf16')).toBe(0xbf00);
    expect(Number.isNaN(fromHalfBits(0xffff, 'f16'))).toBe(true);
    expect(Number.isNaN(fromHalfBits(0xffff, 'bf16'))).toBe(true);
  });

  it('rounds ties to even', () => {
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 in fp16: even mantissa (1) wins.
    expect(toHalfBits(1 + 2 ** -11, 'f16')).toBe(0x3c00);
    expect(toHalfBits(1 + 3 * 2 ** -11, 'f16')).toBe(0x3c02);
    expect(toHalfBits(1 + 2 ** -8, 'bf16')).toBe(0x3f80);
    expect(toHalfBits(1 + 3 * 2 ** -8, 'bf16')).toBe(0x3f82);
  });

  it('round-trips every finite 16-bit pattern', () => {
    const wrong: string[] = [];
    for (const dtype of ['f16', 'bf16'] as const) {
      for (let b = 0; b < 0x10000; b++) {
        const x = fromHalfBits(b, dtype);
        if (!Number.isFinite(x)) continue;
        const back = toHalfBits(x, dtype);
        // Both zeros must stay zeros (sign kept); everything else must come back bit-exact.
        if (back !== b) wrong.push(`${dtype} 0x${b.toString(16)} -> 0x${back.toString(16)}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('rounds to the nearest representable value', () => {
    fc.assert(
      fc.property(fc.double({ min: -60000, max: 60000, noNaN: true }), (x) => {
        for (const [dtype, rel] of [['f16', 2 ** -11], ['bf16', 2 ** -8]] as const) {
          const y = fromHalfBits(toHalfBits(x, dtype), dtype);
          const tol = Math.max(Math.abs(x) * rel, dtype === 'f16' ? 2 ** -25 : 1e-38);
          expect(Math.abs(y - x)).toBeLessThanOrEqual(tol * (1 + 1e-9));
        }
      }),
    );
  });
});
