import type { LayerSpec, ModelSpec } from '../model/ModelSpec.js';

/** One (fused) dense matrix multiply of a layer: `inFeatures` x `outFeatures` weights, whole model (TP 1). */
export interface GemmShape {
  inFeatures: number;
  outFeatures: number;
}

/**
 * The dense GEMMs of one layer as inference engines fuse them: the mixer's input projections in one
 * GEMM (QKV for attention; q, k, v, output gate and i/f gates for mLSTM; z, i, f, o for sLSTM), its
 * output projection, the MLP's gate+up, and its down projection.
 */
export function layerGemms(model: ModelSpec, layer: LayerSpec): GemmShape[] {
  const d = model.hiddenSize;
  const mlp: GemmShape[] = [
    { inFeatures: d, outFeatures: 2 * model.ffnSize },
    { inFeatures: model.ffnSize, outFeatures: d },
  ];
  switch (layer.kind) {
    case 'attention':
      return [
        { inFeatures: d, outFeatures: (layer.heads + 2 * layer.kvHeads) * layer.headDim },
        { inFeatures: layer.heads * layer.headDim, outFeatures: d },
        ...mlp,
      ];
    case 'mlstm':
      return [
        { inFeatures: d, outFeatures: layer.heads * (2 * layer.dqk + 2 * layer.dv + 2) },
        { inFeatures: layer.heads * layer.dv, outFeatures: d },
        ...mlp,
      ];
    case 'slstm':
      return [
        { inFeatures: d, outFeatures: 4 * layer.heads * layer.headDim },
        { inFeatures: layer.heads * layer.headDim, outFeatures: d },
        ...mlp,
      ];
  }
}
