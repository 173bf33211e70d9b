import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReplayRequest } from './driveReplay.js';

/** Environment variable naming the Azure conv 2023 CSV (the GPU machine gets a truncated copy). */
export const AZURE_CONV_ENV = 'KVSIM_AZURE_CONV_CSV';

/** Where the Azure conv CSV is: $KVSIM_AZURE_CONV_CSV, else ../shared/traces beside the checkout. */
export function azureConvPath(): string {
  const env = process.env[AZURE_CONV_ENV];
  if (env) return resolve(env);
  // test/gpu/checks -> repo root is three levels up (also from a compiled copy placed at the same depth).
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  return join(root, '..', 'shared', 'traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
}

/**
 * The first `count` requests of the Azure LLM inference trace 2023 (conversation), parsed directly
 * (TIMESTAMP,ContextTokens,GeneratedTokens): the GPU machine has no trace cache, only this file.
 */
export function azureConvHead(count: number, path = azureConvPath()): ReplayRequest[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (!/ContextTokens/.test(lines[0])) throw new Error(`${path}: not the Azure trace (header ${JSON.stringify(lines[0])})`);
  const out: ReplayRequest[] = [];
  for (let i = 1; i < lines.length && out.length < count; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const [, ctx, gen] = line.split(',');
    const promptTokens = Number(ctx);
    const outputTokens = Number(gen);
    if (!Number.isInteger(promptTokens) || !Number.isInteger(outputTokens)) throw new Error(`${path}:${i + 1}: bad row ${JSON.stringify(line)}`);
    if (promptTokens < 1 || outputTokens < 1) continue;
    out.push({ id: out.length, promptTokens, outputTokens });
  }
  return out;
}
