/** Names of the built-in schedulers: vLLM V1 (`vllm`, the default), vLLM V0, Sarathi, Orca. */
export type SchedulerKind = 'vllm' | 'vllm-v0' | 'sarathi' | 'orca';
