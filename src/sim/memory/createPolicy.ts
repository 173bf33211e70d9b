import { UserError } from '../../errors.js';
import type { MemoryPolicy, PolicyKind } from './MemoryPolicy.js';
import { HybridPolicy } from './HybridPolicy.js';
import { PagedPolicy } from './PagedPolicy.js';
import { PrefixCachingPagedPolicy } from './PrefixCachingPagedPolicy.js';
import type { PolicyContext } from './PolicyContext.js';
import { policyKindsFor } from './policyKindsFor.js';
import type { PolicyOptionsByKind } from './PolicyOptions.js';
import { RecurrentStatePolicy } from './RecurrentStatePolicy.js';
import { StaticPolicy } from './StaticPolicy.js';
import { VAttentionPolicy } from './VAttentionPolicy.js';

export const POLICY_KINDS: readonly PolicyKind[] = ['static', 'paged', 'vattention', 'recurrent', 'hybrid'];

/**
 * Builds a memory policy for one GPU of a model served at tensor-parallel degree `ctx.tp`. For a
 * model with both attention and recurrent layers, `static`, `paged` and `vattention` build the hybrid
 * with that policy for the attention layers. Throws a UserError when the kind does not apply to the model (see {@link policyKindsFor}) or an
 * option is invalid (the message names it).
 */
export function createPolicy<K extends PolicyKind>(kind: K, ctx: PolicyContext, options?: PolicyOptionsByKind[K]): MemoryPolicy {
  if (!POLICY_KINDS.includes(kind)) {
    throw new UserError('INVALID_OPTION', `Expected one of ${POLICY_KINDS.join(', ')} for policy but received ${JSON.stringify(kind)}`);
  }
  const applicable = policyKindsFor(ctx.model);
  // A KV policy named for a model with attention and recurrent layers serves its attention layers;
  // the recurrent layers get the state pool beside it (`kvsim validate --model hybrid-7b --policy
  // paged`): the hybrid composition with `kind` as its attention part and `options` as that part's.
  if (applicable.includes('hybrid') && (kind === 'static' || kind === 'paged' || kind === 'vattention')) {
    return new HybridPolicy(ctx, { attention: kind, attentionOptions: options as PolicyOptionsByKind['paged'] });
  }
  if (!applicable.includes(kind)) {
    throw new UserError(
      'POLICY_NOT_APPLICABLE',
      `Policy "${kind}" does not apply to ${ctx.model.name}: its layers call for ${applicable.join(', ')}`,
    );
  }
  switch (kind) {
    case 'static':
      return new StaticPolicy(ctx, options as PolicyOptionsByKind['static']);
    case 'paged': {
      const o = options as PolicyOptionsByKind['paged'] | undefined;
      return (o?.enablePrefixCaching ?? ctx.vllmV1Defaults ?? false) ? new PrefixCachingPagedPolicy(ctx, o) : new PagedPolicy(ctx, o);
    }
    case 'recurrent':
      return new RecurrentStatePolicy(ctx, options as PolicyOptionsByKind['recurrent']);
    case 'vattention':
      return new VAttentionPolicy(ctx, options as PolicyOptionsByKind['vattention']);
    case 'hybrid':
      return new HybridPolicy(ctx, options as PolicyOptionsByKind['hybrid']);
  }
  throw new UserError('INVALID_OPTION', `Unhandled policy kind ${String(kind)}`);
}
