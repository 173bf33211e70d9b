import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { MODEL_PRESET_NAMES } from '../sim/model/presets.js';
import { resolveModel } from '../sim/model/resolveModel.js';

/**
 * Hugging Face repository ids of the checkpoints the presets describe (their config.json values are the
 * presets'), lower-cased. The Instruct/chat variants share the base model's shapes.
 */
const HF_IDS: Record<string, string> = {
  'meta-llama/meta-llama-3-8b': 'llama-3-8b',
  'meta-llama/meta-llama-3-8b-instruct': 'llama-3-8b',
  'meta-llama/llama-3.1-8b': 'llama-3-8b',
  'meta-llama/llama-3.1-8b-instruct': 'llama-3-8b',
  'meta-llama/meta-llama-3-70b': 'llama-3-70b',
  'meta-llama/meta-llama-3-70b-instruct': 'llama-3-70b',
  'meta-llama/llama-2-7b-hf': 'llama-2-7b',
  'meta-llama/llama-2-7b-chat-hf': 'llama-2-7b',
  '01-ai/yi-6b': 'yi-6b',
  '01-ai/yi-6b-chat': 'yi-6b',
  '01-ai/yi-34b': 'yi-34b',
  '01-ai/yi-34b-chat': 'yi-34b',
  'mistralai/mistral-7b-v0.1': 'mistral-7b',
  'mistralai/mistral-7b-instruct-v0.2': 'mistral-7b',
  'nx-ai/xlstm-7b': 'xlstm-7b',
};

/** The Hugging Face ids `--model` maps to presets (for help texts and the README). */
export const HF_MODEL_IDS: readonly string[] = Object.keys(HF_IDS);

/** `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub` (huggingface_hub's own order). */
function hubCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface', 'hub');
}

/** A config.json of `org/name` in the local Hugging Face cache (models--org--name/snapshots/<rev>/config.json). */
function cachedHfConfig(id: string, env: NodeJS.ProcessEnv): string | undefined {
  const repo = join(hubCacheDir(env), `models--${id.replace('/', '--')}`);
  const snapshots = join(repo, 'snapshots');
  if (!existsSync(snapshots)) return undefined;
  // refs/main names the snapshot the hub client would load; else the only (or last, sorted) snapshot.
  let rev: string | undefined;
  try {
    const ref = join(repo, 'refs', 'main');
    if (existsSync(ref)) rev = readFileSync(ref, 'utf8').trim();
  } catch {
    rev = undefined;
  }
  const candidates = rev ? [rev] : readdirSync(snapshots).sort().reverse();
  for (const c of candidates) {
    const file = join(snapshots, c, 'config.json');
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * What `--model` accepts in every command: a preset (`llama-3-8b`), a Hugging Face config.json or a
 * directory holding one, or a Hugging Face id (`meta-llama/Meta-Llama-3-8B`) — mapped to its preset when
 * kvsim has one, else read from the local Hugging Face cache when the config is there. Anything else is
 * a one-line error that lists what would work.
 */
export function resolveModelArg(text: string, option = '--model', env: NodeJS.ProcessEnv = process.env): ModelSpec {
  const name = String(text).trim();
  if (name.length === 0) throw new UserError('UNKNOWN_MODEL', `${option} needs a model: a preset (${MODEL_PRESET_NAMES.join(', ')}), a config.json path or a Hugging Face id`);
  if (existsSync(name)) return resolveModel(name);
  const preset = HF_IDS[name.toLowerCase()];
  if (preset !== undefined) return resolveModel(preset);
  if (/^[\w.-]+\/[\w.-]+$/.test(name) && !name.endsWith('.json')) {
    const cached = cachedHfConfig(name, env);
    if (cached !== undefined) return resolveModel(cached);
    throw new UserError(
      'UNKNOWN_MODEL',
      `${option} ${name}: not a file, not a Hugging Face id kvsim maps to a preset (e.g. meta-llama/Meta-Llama-3-8B), and no config.json for it in the Hugging Face cache (${hubCacheDir(env)}); pass a preset (${MODEL_PRESET_NAMES.join(', ')}) or the path of its config.json`,
    );
  }
  return resolveModel(name);
}
