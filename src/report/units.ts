const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** A binary byte unit that keeps axis numbers readable for values up to `maxBytes`. */
export function byteUnit(maxBytes: number): { divisor: number; label: string } {
  if (maxBytes >= GiB) return { divisor: GiB, label: 'GiB' };
  if (maxBytes >= MiB) return { divisor: MiB, label: 'MiB' };
  if (maxBytes >= KiB) return { divisor: KiB, label: 'KiB' };
  return { divisor: 1, label: 'B' };
}

/** `2 MiB`, `64 KiB`, `16 B`: exact binary sizes as people write page sizes. */
export function formatBytesExact(bytes: number): string {
  for (const [unit, size] of [['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} B`;
}

/** A byte count with 3 significant digits in the largest sensible binary unit, e.g. `12.3 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const { divisor, label } = byteUnit(Math.abs(bytes));
  return `${Number((bytes / divisor).toPrecision(3))} ${label}`;
}
