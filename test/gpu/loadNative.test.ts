import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuAvailability } from '../../src/gpu/gpuAvailability.js';
import { loadNative, NATIVE_PATH_ENV, nativeCandidates } from '../../src/gpu/loadNative.js';

describe('loadNative', () => {
  it('names every place it looked and says how to build when no addon exists', () => {
    const r = loadNative(['/nonexistent/a.node', '/nonexistent/b.node']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toContain('not built');
    expect(r.reason).toContain('/nonexistent/a.node');
    expect(r.fix).toContain('npm run build:native');
    expect(r.reason + r.fix).not.toContain('\n');
  });

  it('reports a file that is not an addon as a load failure, not a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvsim-native-'));
    const bogus = join(dir, 'kvsim_native.node');
    writeFileSync(bogus, 'not an ELF file');
    const r = loadNative([bogus]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(/failed to load/);
    expect(r.fix).toContain('build:native');
  });

  it('tries $KVSIM_NATIVE_PATH first, then the Release and Debug builds', () => {
    const c = nativeCandidates({ [NATIVE_PATH_ENV]: '/x/y.node' });
    expect(c[0]).toBe('/x/y.node');
    expect(c[1]).toMatch(/build\/Release\/kvsim_native\.node$/);
    expect(c[2]).toMatch(/build\/Debug\/kvsim_native\.node$/);
    expect(nativeCandidates({})).toHaveLength(2);
  });
});

describe('gpuAvailability', () => {
  it('is either usable (with device info) or gives a one-line reason and fix naming the missing piece', () => {
    const a = gpuAvailability(0);
    if (a.ok) {
      expect(a.info.name.length).toBeGreaterThan(0);
      expect(a.info.vmmGranularityBytes).toBeGreaterThan(0);
      return;
    }
    expect(['addon', 'driver', 'device']).toContain(a.stage);
    expect(a.reason.length).toBeGreaterThan(10);
    expect(a.fix.length).toBeGreaterThan(10);
    expect(a.reason + a.fix).not.toContain('\n');
    const loaded = loadNative();
    // The stage tells which piece is missing: no build -> addon; a build but no driver -> driver.
    expect(a.stage === 'addon').toBe(!loaded.ok);
  });

  it('loads the addon without a driver when it is built (no libcuda link)', () => {
    const loaded = loadNative();
    if (!loaded.ok) return; // CI without cmake/nvcc: nothing to load
    const p = loaded.binding.probe();
    expect(p.runtimeVersion).toBeGreaterThan(0);
    if (p.driverVersion === 0) {
      expect(p.deviceCount).toBe(0);
      expect(p.error?.codeName).toMatch(/InsufficientDriver|NoDevice/);
    }
    expect(typeof loaded.binding.hasCublas).toBe('boolean');
  });

  it('rejects a device index beyond the visible devices when a driver is present', () => {
    const a = gpuAvailability(1023);
    expect(a.ok).toBe(false);
  });
});
