import type { Dtype } from '../model/dtype.js';
import { recurrentStateBytesPerRequest } from '../model/derived.js';
import type { ModelSpec } from '../model/ModelSpec.js';

/** Recurrent state of one request on one GPU, optionally with every layer's state dtype overridden. */
export function recurrentStateBytes(model: ModelSpec, tp: number, stateDtype?: Dtype): number {
  if (stateDtype === undefined) return recurrentStateBytesPerRequest(model, tp);
  const layers = model.layers.map((l) => (l.kind === 'attention' ? l : { ...l, stateDtype }));
  return recurrentStateBytesPerRequest({ ...model, layers }, tp);
}
