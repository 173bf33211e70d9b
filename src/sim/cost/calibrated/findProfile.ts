import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { profilesDir } from '../../hardware/profilesDir.js';
import type { CalibrationProfile } from './CalibrationProfile.js';
import { shapeKey, type ModelShape } from './ModelShape.js';
import { readProfile } from './readProfile.js';

export { profilesDir } from '../../hardware/profilesDir.js';

/**
 * The committed profile measured for this GPU preset and model at this TP, if one exists:
 * profiles/<gpu>/<model>[-tp<N>].json. Returns undefined when none does (the roofline model is used),
 * or when the file there is a predicted profile (`kvsim calibrate scale`).
 */
export function findProfile(gpu: string, model: string, tp = 1, dir = profilesDir()): string | undefined {
  const name = tp === 1 ? `${model}.json` : `${model}-tp${tp}.json`;
  const path = join(dir, gpu, name);
  // A predicted profile (kvsim calibrate scale) saved under this name is not a measurement of the card.
  return existsSync(path) && !readProfile(path).derivedFrom ? path : undefined;
}

/**
 * The committed profiles measured on this GPU preset whose recorded shape equals `shape`
 * (profiles/<gpu>/*.json with schema kvsim.profile/1), by file name order; the first is used.
 * Predicted profiles (with `derivedFrom`, from `kvsim calibrate scale`) are skipped: they are used only
 * when named explicitly.
 * Profiles are matched by card and shape, never by the model's name.
 */
export function findMatchingProfiles(gpu: string, shape: ModelShape, dir = profilesDir()): { path: string; profile: CalibrationProfile }[] {
  const folder = join(dir, gpu);
  if (!existsSync(folder)) return [];
  const want = shapeKey(shape);
  const out: { path: string; profile: CalibrationProfile }[] = [];
  for (const name of readdirSync(folder).filter((n) => n.endsWith('.json')).sort()) {
    const path = join(folder, name);
    const text = readFileSync(path, 'utf8');
    // Cheap filter before parsing: vmm.json, kernels.json, claims.json share the folder.
    if (!text.includes('"kvsim.profile/1"')) continue;
    const profile = readProfile(path);
    // A predicted profile (kvsim calibrate scale) is never taken for a measurement of this card.
    if (profile.derivedFrom) continue;
    if (profile.gpu === gpu && profile.shape && shapeKey(profile.shape) === want) out.push({ path, profile });
  }
  return out;
}
