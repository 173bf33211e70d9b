import type { ModelSpec } from '../model/ModelSpec.js';
import type { PolicyKind } from './MemoryPolicy.js';

/**
 * The policies that apply to a model: attention-only models get the three KV policies, recurrent-only
 * models the state policy, models with both kinds of layers the hybrid (which composes the two).
 */
export function policyKindsFor(model: ModelSpec): PolicyKind[] {
  let attention = false;
  let recurrent = false;
  for (const layer of model.layers) {
    if (layer.kind === 'attention') attention = true;
    else recurrent = true;
  }
  if (attention && recurrent) return ['hybrid'];
  if (recurrent) return ['recurrent'];
  return ['static', 'paged', 'vattention'];
}
