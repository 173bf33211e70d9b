/** 16-bit floating-point element types the GPU kernels read and write. */
export type HalfDtype = 'f16' | 'bf16';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The bits of `x` rounded to `dtype` (round to nearest, ties to even), as the GPU's
 * `__float2half_rn` / `__float2bfloat16_rn` would store it. NaN stays NaN, overflow becomes ±Inf.
 */
export function toHalfBits(x: number, dtype: HalfDtype): number {
  f32[0] = x;
  const b = u32[0];
  if (dtype === 'bf16') {
    if ((b & 0x7fffffff) > 0x7f800000) return 0x7fc0; // NaN
    return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
  }
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit-one mantissa right, rounding to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  let h = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // a carry into the exponent is still right
  return h;
}

/** The value of 16-bit `bits` of `dtype`. */
export function fromHalfBits(bits: number, dtype: HalfDtype): number {
  if (dtype === 'bf16') {
    u32[0] = (bits & 0xffff) << 16;
    return f32[0];
  }
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
