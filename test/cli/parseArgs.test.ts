import { describe, expect, it } from 'vitest';
import { parseList, parseMemorySize, parseSize } from '../../src/cli/parseArgs.js';

describe('CLI value parsers', () => {
  it('parseList trims, drops empty items and refuses an empty list by option name', () => {
    expect(parseList('--policy', ' paged, vattention,,')).toEqual(['paged', 'vattention']);
    expect(() => parseList('--policy', ' , ')).toThrow(/--policy/);
  });

  it('parseSize takes binary units; parseMemorySize refuses zero bytes', () => {
    expect(parseSize('8G', '--kv-memory')).toBe(8 * 2 ** 30);
    expect(parseSize('512 MiB', '--kv-memory')).toBe(512 * 2 ** 20);
    expect(parseMemorySize('8GiB', '--kv-memory')).toBe(8 * 2 ** 30);
    expect(() => parseMemorySize('0', '--kv-memory')).toThrow(/--kv-memory/);
    expect(() => parseSize('1.5G', '--kv-memory')).toThrow(/sizes like 64K/);
  });
});
