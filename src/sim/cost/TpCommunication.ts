import { UserError } from '../../errors.js';
import type { HardwareSpec, InterconnectSpec } from '../hardware/HardwareSpec.js';
import type { ModelSpec } from '../model/ModelSpec.js';
import { NCCL_RING_MODEL_SOURCE, ncclRingTime, type CollectiveEstimate } from './ncclRingTime.js';

/** Bytes of one of a pass's all-reduces over `tokens` tokens: tokens x hidden x activation bytes. */
export function allReduceBytes(model: ModelSpec, tokens: number, activationBytes: number): number {
  return tokens * model.hiddenSize * activationBytes;
}

/**
 * The communication a tensor-parallel forward pass does, Megatron-style as vLLM shards Llama
 * (vllm/model_executor/models/llama.py; vllm/model_executor/layers/linear.py,
 * vocab_parallel_embedding.py, logits_processor.py):
 * - one all-reduce of tokens x hidden after every row-parallel projection: the attention output
 *   projection (o_proj) and the MLP down projection, two per layer (RowParallelLinear.forward
 *   all-reduces its partial sums);
 * - one more of tokens x hidden after the vocabulary-parallel input embedding
 *   (VocabParallelEmbedding.forward);
 * - the sampled rows' logits gathered from the vocabulary shards (LogitsProcessor._gather_logits:
 *   a gather to rank 0 or an all-gather; priced as a ring all-gather of rows x vocab, which moves the
 *   same (p-1)/p of the data through the receiving GPU).
 * Recurrent layers (mLSTM, sLSTM) are assumed sharded the same way (heads split, the block's output
 * projection and its MLP down projection row-parallel), so they too cost two all-reduces per layer;
 * no serving system we know of shards xLSTM, so this is an assumption, stated in the label.
 * Nothing overlaps compute: vLLM's default path calls the all-reduce inline on the compute stream
 * and the next operation consumes its result (RowParallelLinear.forward), so the time adds.
 */
export class TpCommunication {
  /** All-reduces of tokens x hidden per forward pass. */
  readonly allReducesPerPass: number;
  /** Provenance of the priced time, for the cost sources. */
  readonly label: string;
  private readonly est: CollectiveEstimate = { timeS: 0, protocol: 'Simple' };
  private readonly link: InterconnectSpec | undefined;

  constructor(
    private readonly model: ModelSpec,
    private readonly tp: number,
    hardware: HardwareSpec,
    private readonly activationBytes: number,
  ) {
    this.allReducesPerPass = 2 * model.layers.length + 1;
    this.link = hardware.interconnect;
    if (tp > 1 && !this.link) {
      throw new UserError('NO_INTERCONNECT', `hardware ${hardware.name} has no interconnect: tensor parallelism (tp=${tp}) needs HardwareSpec.interconnect (e.g. INTERCONNECTS.nvlink4()) to price its all-reduces`);
    }
    const recurrent = model.layers.some((l) => l.kind !== 'attention') ? ', recurrent layers sharded like attention (assumed)' : '';
    this.label = tp > 1 && this.link
      ? `${NCCL_RING_MODEL_SOURCE} over ${this.link.name} at ${this.link.bandwidthBytesPerS / 1e9} GB/s per direction (published peak), ${this.allReducesPerPass} all-reduces + 1 logits gather per pass, not overlapped (vLLM RowParallelLinear)${recurrent}`
      : 'no communication (tp=1)';
  }

  /** Seconds of communication in an iteration over `tokens` tokens that samples `rows` rows (0 at TP 1). */
  iterationS(tokens: number, rows: number): number {
    if (this.tp === 1 || tokens === 0 || !this.link) return 0;
    return this.allReducesPerPass * ncclRingTime('allReduce', this.allReduceBytes(tokens), this.tp, this.link, this.est).timeS + this.gatherS(rows);
  }

  /** Bytes of each of the pass's all-reduces: tokens x hidden activations. */
  allReduceBytes(tokens: number): number {
    return allReduceBytes(this.model, tokens, this.activationBytes);
  }

  /** The logits gather of `rows` sampled rows (0 at TP 1). */
  gatherS(rows: number): number {
    if (this.tp === 1 || rows === 0 || !this.link) return 0;
    return ncclRingTime('allGather', rows * this.model.vocabSize * this.activationBytes, this.tp, this.link, this.est).timeS;
  }
}
