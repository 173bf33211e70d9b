import seedrandom from 'seedrandom';

/** A uniform source in [0, 1). */
export type Rng = () => number;

/**
 * A seeded uniform generator for one named stream of one trace. Arrivals, prompt lengths, output
 * lengths and sampling each draw from their own stream, so changing one (say, the arrival process)
 * leaves the others' draws unchanged. Alea: fast and identical on every platform.
 */
export function createRng(seed: number, stream: string): Rng {
  return seedrandom.alea(`kvsim:${seed}:${stream}`);
}

/** Exponential with rate 1. `1 - u` keeps the log argument in (0, 1]. */
export function exponential(rng: Rng): number {
  return -Math.log(1 - rng());
}

/** Standard normal by Box–Muller (one of the pair; simplicity beats the saved draw here). */
export function standardNormal(rng: Rng): number {
  const u1 = 1 - rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Gamma(shape, 1) by Marsaglia–Tsang; shapes below 1 use the U^(1/shape) boost. */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(1 - rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
