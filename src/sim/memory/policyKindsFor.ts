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

/**
 * The policies a user may name for a model: those of {@link policyKindsFor}, and on a model with both
 * attention and recurrent layers also static, paged and vattention, which createPolicy builds as the
 * hybrid with that policy for the attention layers (`replay`, `validate` and `sweep` take them alike).
 */
export function acceptedPolicyKinds(model: ModelSpec): PolicyKind[] {
  const kinds = policyKindsFor(model);
  return kinds.includes('hybrid') ? [...kinds, 'static', 'paged', 'vattention'] : kinds;
}

/** How a model's accepted policies are described in a refusal ("its layers call for ..."). */
export function describeAcceptedPolicies(model: ModelSpec): string {
  const kinds = policyKindsFor(model);
  return kinds.includes('hybrid') ? 'hybrid, or static, paged or vattention for its attention layers' : kinds.join(', ');
}
