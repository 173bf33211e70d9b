import type { Dtype } from './dtype.js';

/** A self-attention layer (GQA when kvHeads < heads). Head counts are for the whole model (TP = 1). */
export interface AttentionLayerSpec {
  kind: 'attention';
  heads: number;
  kvHeads: number;
  headDim: number;
  /** KV-cache element type. */
  dtype: Dtype;
}

/** An mLSTM layer (xLSTM matrix memory): per head a dqk x dv matrix C, a dqk vector n and a scalar m. */
export interface MlstmLayerSpec {
  kind: 'mlstm';
  heads: number;
  dqk: number;
  dv: number;
  stateDtype: Dtype;
  /** Causal conv kernel width of the block's pre-conv, 0 when the block has none (xLSTM-7B has none). */
  convKernel: number;
  /** Channels the conv runs over (its state holds convKernel-1 past inputs per channel). */
  convChannels: number;
}

/** An sLSTM layer (xLSTM scalar memory): per head c, n, m, h vectors of headDim. */
export interface SlstmLayerSpec {
  kind: 'slstm';
  heads: number;
  headDim: number;
  stateDtype: Dtype;
  convKernel: number;
  convChannels: number;
}

export type LayerSpec = AttentionLayerSpec | MlstmLayerSpec | SlstmLayerSpec;
export type LayerKind = LayerSpec['kind'];

/**
 * A model as the memory policies and the cost model see it: an ordered list of layers plus the dense
 * sizes that set GEMM work and weight bytes.
 */
export interface ModelSpec {
  /** Preset or config name, e.g. `llama-3-8b`. */
  name: string;
  hiddenSize: number;
  /** Intermediate size of the gated MLP (3 matrices: gate, up, down). */
  ffnSize: number;
  vocabSize: number;
  layers: LayerSpec[];
  /** Weight element type. */
  weightDtype: Dtype;
  /** Total parameter count when known from the checkpoint; else derived from the shapes. */
  paramCount?: number;
  /** Whether the input embedding and the LM head share one matrix. */
  tiedEmbeddings: boolean;
  /** The largest context the model supports, in tokens. */
  maxContextTokens: number;
}
