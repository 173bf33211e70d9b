import type { LayerSpec, ModelSpec } from '../../model/ModelSpec.js';

/**
 * What a calibration profile's tables depend on, per GPU: the dense sizes (GEMM tables), each distinct
 * layer shape with its count (attention and recurrent tables), the weight type and the TP degree.
 * Profiles are matched to a model by this shape (and the card), never by the model's name, so a
 * fine-tune or a config.json with Llama-3-8B's shapes uses Llama-3-8B's measurements.
 */
export interface ModelShape {
  tp: number;
  hiddenSize: number;
  ffnSize: number;
  vocabSize: number;
  weightDtype: string;
  /** Distinct layer shapes in first-seen order, each with how many layers have it. */
  layers: { count: number; layer: LayerSpec }[];
}

/** The shape of a model at a TP degree (layer fields in a canonical key order). */
export function modelShape(model: ModelSpec, tp: number): ModelShape {
  const groups = new Map<string, { count: number; layer: LayerSpec }>();
  for (const layer of model.layers) {
    const canonical = canonicalLayer(layer);
    const key = JSON.stringify(canonical);
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { count: 1, layer: canonical });
  }
  return { tp, hiddenSize: model.hiddenSize, ffnSize: model.ffnSize, vocabSize: model.vocabSize, weightDtype: model.weightDtype, layers: [...groups.values()] };
}

/** A stable string for equality (same shape, same string). */
export function shapeKey(s: ModelShape): string {
  return JSON.stringify({ ...s, layers: s.layers.map((g) => ({ count: g.count, layer: canonicalLayer(g.layer) })) });
}

/** The first field where two shapes differ, for messages (`undefined` when equal). */
export function shapeDifference(want: ModelShape, have: ModelShape): string | undefined {
  for (const f of ['tp', 'hiddenSize', 'ffnSize', 'vocabSize', 'weightDtype'] as const) {
    if (want[f] !== have[f]) return `${f} ${String(have[f])} (model: ${String(want[f])})`;
  }
  const a = want.layers.map((g) => `${g.count}x${JSON.stringify(canonicalLayer(g.layer))}`).join(',');
  const b = have.layers.map((g) => `${g.count}x${JSON.stringify(canonicalLayer(g.layer))}`).join(',');
  return a === b ? undefined : `layers ${b} (model: ${a})`;
}

function canonicalLayer(l: LayerSpec): LayerSpec {
  switch (l.kind) {
    case 'attention':
      return { kind: 'attention', heads: l.heads, kvHeads: l.kvHeads, headDim: l.headDim, dtype: l.dtype };
    case 'mlstm':
      return { kind: 'mlstm', heads: l.heads, dqk: l.dqk, dv: l.dv, stateDtype: l.stateDtype, convKernel: l.convKernel, convChannels: l.convChannels };
    case 'slstm':
      return { kind: 'slstm', heads: l.heads, headDim: l.headDim, stateDtype: l.stateDtype, convKernel: l.convKernel, convChannels: l.convChannels };
  }
}
