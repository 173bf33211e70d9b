import { expected } from '../../errors.js';
import { dtypeBytes } from './dtype.js';
import type { AttentionLayerSpec, LayerSpec, MlstmLayerSpec, ModelSpec, SlstmLayerSpec } from './ModelSpec.js';

/** Checks a tensor-parallel degree against the model: query heads must divide evenly. */
export function checkTensorParallel(model: ModelSpec, tp: number): number {
  if (!Number.isInteger(tp) || tp < 1) throw expected('an integer >= 1', 'tp', tp);
  for (const layer of model.layers) {
    if (layer.heads % tp !== 0) {
      throw expected(`a tensor-parallel degree dividing ${layer.heads} heads of ${model.name}`, 'tp', tp);
    }
  }
  return tp;
}

/** KV heads held by one GPU: split across TP ranks, replicated when there are fewer than ranks. */
export function kvHeadsPerGpu(layer: AttentionLayerSpec, tp: number): number {
  return Math.max(1, Math.ceil(layer.kvHeads / tp));
}

export function attentionLayers(model: ModelSpec): AttentionLayerSpec[] {
  return model.layers.filter((l): l is AttentionLayerSpec => l.kind === 'attention');
}

export function recurrentLayers(model: ModelSpec): (MlstmLayerSpec | SlstmLayerSpec)[] {
  return model.layers.filter((l): l is MlstmLayerSpec | SlstmLayerSpec => l.kind !== 'attention');
}

/** Bytes of K (or of V) for one token in one attention layer on one GPU: Hkv*D*b. */
export function kvBytesPerTokenPerLayer(layer: AttentionLayerSpec, tp = 1): number {
  return kvHeadsPerGpu(layer, tp) * layer.headDim * dtypeBytes(layer.dtype);
}

/** Bytes of the whole KV of one token on one GPU, all attention layers, K and V: 2*L*Hkv*D*b. */
export function kvBytesPerToken(model: ModelSpec, tp = 1): number {
  let sum = 0;
  for (const layer of attentionLayers(model)) sum += 2 * kvBytesPerTokenPerLayer(layer, tp);
  return sum;
}

/** Recurrent state bytes of one layer for one request on one GPU (heads split across TP ranks). */
export function recurrentStateBytesPerLayer(layer: MlstmLayerSpec | SlstmLayerSpec, tp = 1): number {
  const b = dtypeBytes(layer.stateDtype);
  const heads = layer.heads / tp;
  const conv = layer.convKernel > 1 ? (layer.convKernel - 1) * (layer.convChannels / tp) * b : 0;
  if (layer.kind === 'mlstm') return heads * (layer.dqk * layer.dv + layer.dqk + 1) * b + conv;
  // h, c, n in the state dtype and the stabilizer m in fp32 (an exponent: kernels/xlstm/xlstm.h's
  // sLSTM pool), per head per unit.
  return heads * layer.headDim * (3 * b + 4) + conv;
}

/** Recurrent state of one request, all recurrent layers, on one GPU. */
export function recurrentStateBytesPerRequest(model: ModelSpec, tp = 1): number {
  let sum = 0;
  for (const layer of recurrentLayers(model)) sum += recurrentStateBytesPerLayer(layer, tp);
  return sum;
}

/** Parameters of one layer's mixer (attention or recurrent cell) plus its MLP and norms. */
export function layerParamCount(model: ModelSpec, layer: LayerSpec): number {
  const d = model.hiddenSize;
  const mlp = 3 * d * model.ffnSize + 2 * d;
  switch (layer.kind) {
    case 'attention': {
      const q = d * layer.heads * layer.headDim;
      const kv = 2 * d * layer.kvHeads * layer.headDim;
      const o = layer.heads * layer.headDim * d;
      return q + kv + o + mlp;
    }
    case 'mlstm': {
      const qk = 2 * d * layer.heads * layer.dqk;
      const v = d * layer.heads * layer.dv;
      const gates = 2 * (d * layer.heads + layer.heads); // input and forget gate pre-activations
      const ogate = d * layer.heads * layer.dv;
      const out = layer.heads * layer.dv * d;
      const conv = layer.convKernel * layer.convChannels;
      return qk + v + gates + ogate + out + conv + mlp;
    }
    case 'slstm': {
      const hd = layer.heads * layer.headDim;
      const input = 4 * d * hd; // z, i, f, o from the input
      const recurrent = 4 * layer.heads * layer.headDim * layer.headDim; // block-diagonal per head
      const out = hd * d;
      const conv = layer.convKernel * layer.convChannels;
      return input + recurrent + out + conv + mlp;
    }
  }
}

/** Total parameters: the checkpoint's count when known, else the sum over shapes. */
export function paramCount(model: ModelSpec): number {
  if (model.paramCount !== undefined) return model.paramCount;
  const embeddings = model.vocabSize * model.hiddenSize * (model.tiedEmbeddings ? 1 : 2);
  let sum = embeddings + model.hiddenSize; // final norm
  for (const layer of model.layers) sum += layerParamCount(model, layer);
  return sum;
}

/** Weight bytes one GPU holds under tensor parallelism (every matrix sharded TP ways). */
export function weightBytesPerGpu(model: ModelSpec, tp = 1): number {
  return Math.ceil((paramCount(model) * dtypeBytes(model.weightDtype)) / tp);
}
