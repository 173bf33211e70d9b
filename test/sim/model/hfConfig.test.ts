import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kvBytesPerToken, paramCount, recurrentStateBytesPerRequest } from '../../../src/sim/model/derived.js';
import { modelFromHfConfig, readHfConfig } from '../../../src/sim/model/hfConfig.js';
import { modelPreset } from '../../../src/sim/model/presets.js';
import { resolveModel } from '../../../src/sim/model/resolveModel.js';

// Field values as published in each checkpoint's config.json on the Hugging Face hub.
const LLAMA_3_8B = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 4096,
  intermediate_size: 14336,
  max_position_embeddings: 8192,
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 8,
  rope_theta: 500000.0,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  vocab_size: 128256,
};
const MISTRAL_7B = { model_type: 'mistral', hidden_size: 4096, intermediate_size: 14336, max_position_embeddings: 32768, num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, sliding_window: 4096, tie_word_embeddings: false, torch_dtype: 'bfloat16', vocab_size: 32000 };
const QWEN2_7B = { model_type: 'qwen2', hidden_size: 3584, intermediate_size: 18944, max_position_embeddings: 131072, num_attention_heads: 28, num_hidden_layers: 28, num_key_value_heads: 4, tie_word_embeddings: false, torch_dtype: 'bfloat16', vocab_size: 152064 };
const XLSTM_7B = {
  architectures: ['xLSTMForCausalLM'],
  model_type: 'xlstm',
  embedding_dim: 4096,
  num_heads: 8,
  num_blocks: 32,
  vocab_size: 50304,
  qk_dim_factor: 0.5,
  v_dim_factor: 1.0,
  ffn_proj_factor: 2.667,
  ffn_round_up_to_multiple_of: 64,
  inference_state_dtype: 'float32',
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
};
const MIXTRAL = { ...MISTRAL_7B, model_type: 'mixtral', num_local_experts: 8 };

const dir = mkdtempSync(join(tmpdir(), 'kvsim-hf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Hugging Face config.json reader', () => {
  it('Llama-3-8B: the preset’s shapes, 128 KiB of KV per token, 8,030,261,248 parameters from shapes alone', () => {
    const m = modelFromHfConfig(LLAMA_3_8B, 'Meta-Llama-3-8B');
    const preset = modelPreset('llama-3-8b');
    expect(m.layers).toEqual(preset.layers);
    expect([m.hiddenSize, m.ffnSize, m.vocabSize, m.maxContextTokens, m.tiedEmbeddings]).toEqual([4096, 14336, 128256, 8192, false]);
    expect(kvBytesPerToken(m)).toBe(131072);
    expect(m.paramCount).toBeUndefined();
    expect(paramCount(m)).toBe(8_030_261_248);
  });

  it('Mistral-7B and Qwen2-7B (GQA 7:1)', () => {
    expect(modelFromHfConfig(MISTRAL_7B, 'm').layers).toEqual(modelPreset('mistral-7b').layers);
    const q = modelFromHfConfig(QWEN2_7B, 'Qwen2-7B');
    expect(q.layers).toHaveLength(28);
    expect(q.layers[0]).toEqual({ kind: 'attention', heads: 28, kvHeads: 4, headDim: 128, dtype: 'bf16' });
    expect(kvBytesPerToken(q)).toBe(2 * 28 * 4 * 128 * 2);
  });

  it('xLSTM-7B: the preset’s mLSTM layers, FFN rounded up to 10944, 128.25 MiB of fp32 state', () => {
    const m = modelFromHfConfig(XLSTM_7B, 'xLSTM-7b');
    const preset = modelPreset('xlstm-7b');
    expect(m.layers).toEqual(preset.layers);
    expect(m.ffnSize).toBe(10944);
    expect(m.vocabSize).toBe(50304);
    expect(recurrentStateBytesPerRequest(m)).toBe(134_480_896);
    expect(kvBytesPerToken(m)).toBe(0);
  });

  it('reads a file or a directory; the name comes from the directory', () => {
    const modelDir = join(dir, 'Meta-Llama-3-8B');
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'config.json'), JSON.stringify(LLAMA_3_8B));
    expect(readHfConfig(modelDir).name).toBe('Meta-Llama-3-8B');
    expect(readHfConfig(join(modelDir, 'config.json')).name).toBe('Meta-Llama-3-8B');
    writeFileSync(join(dir, 'qwen.json'), JSON.stringify(QWEN2_7B));
    expect(readHfConfig(join(dir, 'qwen.json')).name).toBe('qwen');
  });

  it('errors name the file and the field', () => {
    const bad = (over: Record<string, unknown>) => () => modelFromHfConfig({ ...LLAMA_3_8B, ...over }, 'x', 'cfg.json');
    expect(bad({ num_hidden_layers: '32' })).toThrow('cfg.json: num_hidden_layers: expected a positive integer but found "32"');
    expect(bad({ intermediate_size: undefined })).toThrow('cfg.json: intermediate_size: expected a positive integer but found nothing (field missing)');
    expect(bad({ num_key_value_heads: 5 })).toThrow('cfg.json: num_key_value_heads: expected a divisor of num_attention_heads (32) but found 5');
    expect(bad({ torch_dtype: 'int4' })).toThrow(/cfg\.json: torch_dtype: expected one of bfloat16, float16, float32/);
    expect(bad({ hidden_size: 4001 })).toThrow('cfg.json: hidden_size: gives a per-head size of 4001/32, which is not a positive integer');
    expect(() => modelFromHfConfig(MIXTRAL, 'x', 'cfg.json')).toThrow('cfg.json: num_local_experts: mixture-of-experts models (mixtral) are not supported');
    expect(() => modelFromHfConfig({ model_type: 'bert', hidden_size: 768 }, 'x', 'cfg.json')).toThrow(/cfg\.json: unsupported config \(model_type "bert"\)/);
    expect(() => modelFromHfConfig([], 'x', 'cfg.json')).toThrow('cfg.json: expected a JSON object');
    writeFileSync(join(dir, 'broken.json'), '{"num_hidden_layers": ');
    expect(() => readHfConfig(join(dir, 'broken.json'))).toThrow(/broken\.json: invalid JSON/);
    for (const f of [bad({ vocab_size: -1 }), () => readHfConfig(join(dir, 'broken.json'))]) {
      expect(f).toThrow(expect.objectContaining({ code: 'MODEL_CONFIG' }));
    }
  });
});

describe('resolveModel', () => {
  it('takes preset names (any case) and config paths', () => {
    expect(resolveModel('Llama-3-8B').name).toBe('llama-3-8b');
    expect(resolveModel(join(dir, 'Meta-Llama-3-8B')).layers).toHaveLength(32);
  });

  it('says what it accepts when the name is neither', () => {
    expect(() => resolveModel('gpt-5')).toThrow(/Unknown model "gpt-5": expected one of llama-3-8b, .* or a path to a Hugging Face config.json/);
    expect(() => resolveModel('./models/missing/config.json')).toThrow('No model config at ./models/missing/config.json');
  });
});
