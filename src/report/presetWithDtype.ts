import { expected } from '../errors.js';
import { DTYPES, type Dtype } from '../sim/model/dtype.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { modelPreset } from '../sim/model/presets.js';
import type { LabelledModel } from './charts/stateVsKvChart.js';

/**
 * A model preset by `name` or `name@dtype`, where the dtype replaces the per-request memory element
 * type (KV of attention layers, state of recurrent layers), and a legend label naming what is held.
 */
export function presetWithDtype(spec: string): LabelledModel {
  const [name, dtypeText] = spec.split('@');
  if (dtypeText !== undefined && !(DTYPES as readonly string[]).includes(dtypeText)) {
    throw expected(`a dtype suffix (one of ${DTYPES.join(', ')})`, `model "${spec}"`, dtypeText);
  }
  const model: ModelSpec = modelPreset(name);
  const dtype = dtypeText as Dtype | undefined;
  for (const layer of model.layers) {
    if (!dtype) continue;
    if (layer.kind === 'attention') layer.dtype = dtype;
    else layer.stateDtype = dtype;
  }
  const parts: string[] = [];
  for (const layer of model.layers) {
    const part = layer.kind === 'attention' ? `KV ${layer.dtype}` : `state ${layer.stateDtype}`;
    if (!parts.includes(part)) parts.push(part);
  }
  return { label: `${model.name} (${parts.join(' + ')})`, model };
}
