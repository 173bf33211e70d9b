import { existsSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { readHfConfig } from './hfConfig.js';
import type { ModelSpec } from './ModelSpec.js';
import { MODEL_PRESET_NAMES, modelPreset } from './presets.js';

/**
 * A model by what the user typed: a preset name (`llama-3-8b`, case-insensitive) or a path to a
 * Hugging Face config.json (or the directory holding it). Synchronous: a config is a few hundred bytes.
 */
export function resolveModel(nameOrPath: string): ModelSpec {
  if (typeof nameOrPath !== 'string' || nameOrPath.length === 0) {
    throw new UserError('UNKNOWN_MODEL', `Expected a model preset (${MODEL_PRESET_NAMES.join(', ')}) or a path to a Hugging Face config.json`);
  }
  if (MODEL_PRESET_NAMES.includes(nameOrPath.toLowerCase())) return modelPreset(nameOrPath);
  if (existsSync(nameOrPath)) return readHfConfig(nameOrPath);
  if (nameOrPath.includes('/') || nameOrPath.endsWith('.json')) throw new UserError('MODEL_NOT_FOUND', `No model config at ${nameOrPath}`);
  return modelPreset(nameOrPath); // throws UNKNOWN_MODEL listing the presets
}
