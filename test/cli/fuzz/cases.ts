import { int, pick, type Rng } from './mutate.js';

/** Small base traces in each format kvsim reads (the mutations start from these). */
export function baseTraces(rng: Rng): Record<string, string> {
  const rows = Array.from({ length: 30 }, (_, i) => ({ t: i * 0.37, p: int(rng, 1, 3000), o: int(rng, 1, 400) }));
  const ts = (t: number) => `2023-11-16 18:${String(15 + Math.floor(t / 60)).padStart(2, '0')}:${(t % 60).toFixed(7).padStart(10, '0')}`;
  return {
    'kvsim.jsonl': rows.map((r) => JSON.stringify({ arrivalS: r.t, promptTokens: r.p, outputTokens: r.o })).join('\n') + '\n',
    'azure.csv': `TIMESTAMP,ContextTokens,GeneratedTokens\n${rows.map((r) => `${ts(r.t)},${r.p},${r.o}`).join('\n')}\n`,
    'vidur.csv': `arrived_at,num_prefill_tokens,num_decode_tokens\n${rows.map((r) => `${r.t},${r.p},${r.o}`).join('\n')}\n`,
    'mooncake.jsonl': rows.map((r) => JSON.stringify({ timestamp: Math.round(r.t * 1000), input_length: r.p, output_length: r.o, hash_ids: [0, 1, 2].slice(0, 1 + (r.p % 3)) })).join('\n') + '\n',
  };
}

/** Replay options: valid values, edge values and wrong ones. */
const REPLAY_OPTIONS: ReadonlyArray<[string, readonly string[]]> = [
  ['--model', ['llama-3-8b', 'xlstm-7b', 'hybrid-7b', 'mistral-7b', 'yi-6b', 'meta-llama/Meta-Llama-3-8B', 'nope', 'a/b', 'llama-3-8b,xlstm-7b']],
  ['--policy', ['paged', 'static', 'vattention', 'recurrent', 'hybrid', 'paged,vattention', 'static,paged,vattention', 'bogus']],
  ['--scheduler', ['vllm', 'vllm-v0', 'sarathi', 'orca', 'fifo']],
  ['--block-size', ['1', '16', '256', '0', '257', 'x', '-3']],
  ['--page-size', ['2M', '4M', '3M', 'x', '0']],
  ['--max-num-seqs', ['1', '4', '256', '0', '-1', '1.5']],
  ['--max-batched-tokens', ['1', '64', '8192', '0']],
  ['--max-num-batched-tokens', ['16', '4096']],
  ['--token-budget', ['1', '512', '0']],
  ['--chunk-size', ['1', '256', '0']],
  ['--kv-memory', ['32M', '512M', '8G', '0', 'x']],
  ['--rate', ['0.05', '1', '100', '0', '-1', 'x']],
  ['--request-rate', ['2', '50']],
  ['--num-prompts', ['1', '5', '0']],
  ['--max-model-len', ['16', '4096', '0']],
  ['--gpu-memory-utilization', ['0.5', '1', '0', '2']],
  ['--kv-cache-dtype', ['fp8', 'auto', 'bf16', 'int4']],
  ['--goodput', ['ttft:100', 'tpot:x', 'e2el:1000']],
  ['--tp', ['1', '2', '3', '0']],
  ['--tensor-parallel-size', ['1', '2']],
  ['--mapping', ['sync', 'overlapped', 'x']],
  ['--gpu', ['h100', 'h200', 'a100', 'tpu']],
  ['--seed', ['0', '7', '-1']],
  ['--first', ['1', '5', '0']],
  ['--max-context', ['2', '100', '1']],
  ['--long-prefill-token-threshold', ['0', '64', '-5']],
  ['--time-scale', ['0.5', '2', '0']],
  ['--backend', ['sim', 'tpu']],
];
const REPLAY_FLAGS = ['--enable-chunked-prefill', '--no-enable-chunked-prefill', '--enable-prefix-caching', '--no-enable-prefix-caching', '--single-step'];
const BROKEN = [['--json'], ['--trace'], ['--rate'], ['--bogus-flag', '1'], ['--request-rat', '2'], ['--policy'], ['extra-positional']];

/** A replay command line with a random subset of options (some wrong, some missing their value). */
export function replayOptionsCase(rng: Rng): string[] {
  const args = ['replay', '--trace', `synthetic:${pick(rng, ['conv', 'code'])}:count=${int(rng, 1, 15)}`, '--cost-model', 'roofline', '--no-progress'];
  const n = int(rng, 1, 5);
  for (let k = 0; k < n; k++) {
    const [flag, values] = pick(rng, REPLAY_OPTIONS);
    args.push(flag, pick(rng, values));
  }
  if (rng() < 0.3) args.push(pick(rng, REPLAY_FLAGS));
  if (rng() < 0.15) args.push(...pick(rng, BROKEN));
  return args;
}

/** memory, gen (to stdout) and trace stats with random options. */
export function otherOptionsCase(rng: Rng): string[] {
  switch (int(rng, 0, 2)) {
    case 0:
      return ['memory', '--model', pick(rng, ['llama-3-8b', 'xlstm-7b', 'hybrid-7b', 'nope', 'meta-llama/Meta-Llama-3-70B']), ...pick(rng, [[], ['--tp', pick(rng, ['1', '2', '0', 'x'])], ['--context', pick(rng, ['1000', '0', 'x,1', ''])], ['--page-sizes', pick(rng, ['2M', '64K', 'x'])], ['--util', pick(rng, ['0.9', '0', '5'])], ['--json'], ['--gpu', pick(rng, ['h200', 'x'])]])];
    case 1:
      return ['gen', '--count', pick(rng, ['1', '20', '0', '-1', 'x']), ...pick(rng, [[], ['--preset', pick(rng, ['conv', 'code', 'x'])], ['--out-format', pick(rng, ['jsonl', 'vidur', 'azure', 'x'])], ['--prompt', pick(rng, ['fixed:10', 'uniform:min=1,max=5', 'zipf:min=1,max=9,s=1.1', 'lognormal:median=5', 'x:1', 'fixed:0'])], ['--rate', pick(rng, ['1', '0', 'x'])], ['--arrival', pick(rng, ['poisson', 'gamma:cv=2', 'constant:rate=3', 'x'])]])];
    default:
      return ['trace', 'stats', pick(rng, ['synthetic:conv', 'synthetic:code:count=50', 'synthetic:x', 'azure-conv-2023x']), ...pick(rng, [[], ['--first', pick(rng, ['3', '0'])], ['--sample', pick(rng, ['3', '0'])], ['--window-start', pick(rng, ['1', '-1'])], ['--format', pick(rng, ['jsonl', 'x'])], ['--json']])];
  }
}
