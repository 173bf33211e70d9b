import type { HybridOptions } from './HybridOptions.js';
import type { PagedOptions } from './PagedOptions.js';
import type { RecurrentOptions } from './RecurrentOptions.js';
import type { StaticOptions } from './StaticOptions.js';
import type { VAttentionOptions } from './VAttentionOptions.js';

/** Each policy kind's options. */
export interface PolicyOptionsByKind {
  static: StaticOptions;
  paged: PagedOptions;
  vattention: VAttentionOptions;
  recurrent: RecurrentOptions;
  hybrid: HybridOptions;
}

/** Options of any policy. */
export type PolicyOptions = PolicyOptionsByKind[keyof PolicyOptionsByKind];
