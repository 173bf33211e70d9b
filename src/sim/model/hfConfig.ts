import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../../errors.js';
import type { Dtype } from './dtype.js';
import type { LayerSpec, ModelSpec } from './ModelSpec.js';

/** A Hugging Face config.json kvsim cannot turn into a ModelSpec; the message names file and field. */
export class ModelConfigError extends UserError {
  constructor(file: string, field: string | undefined, reason: string) {
    super('MODEL_CONFIG', `${file}: ${field === undefined ? '' : `${field}: `}${reason}`);
  }
}

/**
 * xLSTM has no architectural context limit (its state is constant); this is the longest context
 * kvsim lets a recurrent model config claim, matching the xlstm-7b preset.
 */
export const RECURRENT_MAX_CONTEXT_TOKENS = 131072;

const DTYPES: Record<string, Dtype> = { bfloat16: 'bf16', float16: 'fp16', float32: 'fp32', float8_e4m3fn: 'fp8', float8_e5m2: 'fp8' };

/**
 * Reads a Hugging Face config.json (a file, or a directory holding one) into a ModelSpec. The name is
 * the directory's (`Meta-Llama-3-8B/config.json` gives `Meta-Llama-3-8B`) unless `name` is given.
 */
export function readHfConfig(path: string, name?: string): ModelSpec {
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, 'config.json');
  } catch {
    throw new UserError('MODEL_NOT_FOUND', `No model config at ${path}`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError('MODEL_NOT_FOUND', `Cannot read model config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelConfigError(path, undefined, `invalid JSON (${(err as Error).message})`);
  }
  const derivedName = basename(file) === 'config.json' ? basename(dirname(file)) : basename(file).replace(/\.json$/, '');
  return modelFromHfConfig(json, name ?? derivedName, path);
}

/**
 * Turns a parsed config.json into a ModelSpec: Llama / Mistral / Qwen2-style dense decoders
 * (num_hidden_layers, hidden_size, num_attention_heads, num_key_value_heads, head_dim,
 * intermediate_size, vocab_size, max_position_embeddings) and xLSTM (`model_type: "xlstm"`, the
 * transformers / NX-AI xLSTM-7B layout). Mixture-of-experts configs are refused: one FFN size per
 * layer cannot describe them.
 */
export function modelFromHfConfig(config: unknown, name: string, file = 'config.json'): ModelSpec {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ModelConfigError(file, undefined, 'expected a JSON object');
  const c = new ConfigReader(config as Record<string, unknown>, file);
  const modelType = typeof c.raw.model_type === 'string' ? c.raw.model_type : undefined;
  if (modelType === 'xlstm') return xlstmModel(c, name);
  for (const key of ['num_local_experts', 'num_experts', 'n_routed_experts']) {
    if (typeof c.raw[key] === 'number' && (c.raw[key] as number) > 1) {
      throw new ModelConfigError(file, key, `mixture-of-experts models (${modelType ?? 'this config'}) are not supported: kvsim models one dense FFN per layer`);
    }
  }
  if (!('num_hidden_layers' in c.raw) || !('num_attention_heads' in c.raw)) {
    throw new ModelConfigError(
      file,
      undefined,
      `unsupported config${modelType ? ` (model_type "${modelType}")` : ''}: expected a Llama/Mistral/Qwen2-style decoder (num_hidden_layers, hidden_size, num_attention_heads, ...) or model_type "xlstm"`,
    );
  }
  return denseModel(c, name);
}

function denseModel(c: ConfigReader, name: string): ModelSpec {
  const layers = c.int('num_hidden_layers');
  const hidden = c.int('hidden_size');
  const heads = c.int('num_attention_heads');
  const kvHeads = c.optionalInt('num_key_value_heads') ?? heads;
  if (heads % kvHeads !== 0) throw new ModelConfigError(c.file, 'num_key_value_heads', `expected a divisor of num_attention_heads (${heads}) but found ${kvHeads}`);
  // head_dim is explicit in newer configs (Mistral-Nemo, Qwen3, Gemma) and may differ from hidden/heads.
  const headDim = c.optionalInt('head_dim') ?? exactDiv(c, 'hidden_size', hidden, heads);
  const dtype = c.dtype();
  const layer: LayerSpec = { kind: 'attention', heads, kvHeads, headDim, dtype };
  return {
    name,
    hiddenSize: hidden,
    ffnSize: c.int('intermediate_size'),
    vocabSize: c.int('vocab_size'),
    layers: Array.from({ length: layers }, () => ({ ...layer })),
    weightDtype: dtype,
    tiedEmbeddings: c.bool('tie_word_embeddings', false),
    maxContextTokens: c.int('max_position_embeddings'),
  };
}

function xlstmModel(c: ConfigReader, name: string): ModelSpec {
  const hidden = c.raw.embedding_dim !== undefined ? c.int('embedding_dim') : c.int('hidden_size');
  const heads = c.int('num_heads');
  const blocks = c.raw.num_blocks !== undefined ? c.int('num_blocks') : c.int('num_hidden_layers');
  const qkFactor = c.number('qk_dim_factor', 0.5);
  const vFactor = c.number('v_dim_factor', 1);
  const dqk = exactDiv(c, 'qk_dim_factor', hidden * qkFactor, heads);
  const dv = exactDiv(c, 'v_dim_factor', hidden * vFactor, heads);
  const ffnMultiple = c.optionalInt('ffn_round_up_to_multiple_of') ?? 64;
  // transformers' xLSTM rounds hidden * ffn_proj_factor up to a multiple (4096 * 2.667 -> 10944).
  const ffn = Math.ceil((hidden * c.number('ffn_proj_factor', 2.667)) / ffnMultiple) * ffnMultiple;
  const stateDtype = c.dtype('inference_state_dtype', 'fp32');
  const layer: LayerSpec = { kind: 'mlstm', heads, dqk, dv, stateDtype, convKernel: 0, convChannels: 0 };
  return {
    name,
    hiddenSize: hidden,
    ffnSize: ffn,
    vocabSize: c.int('vocab_size'),
    layers: Array.from({ length: blocks }, () => ({ ...layer })),
    weightDtype: c.dtype(),
    tiedEmbeddings: c.bool('tie_word_embeddings', false),
    maxContextTokens: RECURRENT_MAX_CONTEXT_TOKENS,
  };
}

function exactDiv(c: ConfigReader, field: string, a: number, b: number): number {
  const q = a / b;
  if (!Number.isInteger(q) || q < 1) throw new ModelConfigError(c.file, field, `gives a per-head size of ${a}/${b}, which is not a positive integer`);
  return q;
}

/** Typed access to config fields with file + field in every error. */
class ConfigReader {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly file: string,
  ) {}

  int(field: string): number {
    const v = this.raw[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ModelConfigError(this.file, field, `expected a positive integer but found ${show(v)}`);
    return v;
  }

  optionalInt(field: string): number | undefined {
    return this.raw[field] === undefined || this.raw[field] === null ? undefined : this.int(field);
  }

  number(field: string, fallback: number): number {
    const v = this.raw[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ModelConfigError(this.file, field, `expected a positive number but found ${show(v)}`);
    return v;
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.raw[field] ?? fallback;
    if (typeof v !== 'boolean') throw new ModelConfigError(this.file, field, `expected true or false but found ${show(v)}`);
    return v;
  }

  /** torch_dtype (or the newer `dtype`), default bf16. */
  dtype(field?: string, fallback: Dtype = 'bf16'): Dtype {
    const key = field ?? (this.raw.torch_dtype !== undefined ? 'torch_dtype' : 'dtype');
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    const d = typeof v === 'string' ? DTYPES[v] : undefined;
    if (!d) throw new ModelConfigError(this.file, key, `expected one of ${Object.keys(DTYPES).join(', ')} but found ${show(v)}`);
    return d;
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing (field missing)';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
