import { aggregatePlan } from '../cost/aggregatePlan.js';
import type { CostModel } from '../cost/CostModel.js';
import { emptyAggregate, type IterationAggregate } from '../cost/IterationAggregate.js';
import type { Executor, IterationCost, IterationPlan } from './Executor.js';

/**
 * The simulator's executor: a cost model predicts each iteration. It also prices aggregates
 * directly ({@link AggregateExecutor}), which enables the engine's decode skip-ahead.
 */
export class SimExecutor implements Executor, AggregateExecutor {
  readonly kind = 'sim' as const;
  readonly label: string;
  readonly costModel: CostModel;
  private readonly agg = emptyAggregate();

  constructor(costModel: CostModel) {
    this.costModel = costModel;
    this.label = costModel.label;
  }

  execute(plan: IterationPlan): IterationCost {
    const out: IterationCost = {
      durationS: 0,
      stallS: 0,
      terms: { gemmS: 0, prefillAttentionS: 0, decodeAttentionS: 0, recurrentS: 0, commS: 0, allocationS: 0, overheadS: 0 },
    };
    return this.costModel.iterationCost(aggregatePlan(plan, this.agg), out);
  }

  executeAggregate(agg: IterationAggregate, out: IterationCost): IterationCost {
    return this.costModel.iterationCost(agg, out);
  }
}

/**
 * An executor that can price an iteration from its sums alone (a pure function of them). The engine
 * advances runs of unchanged decode iterations only with such an executor; a GPU executor, which
 * must run every iteration, simply does not implement it.
 */
export interface AggregateExecutor {
  executeAggregate(agg: IterationAggregate, out: IterationCost): IterationCost;
}

export function isAggregateExecutor(e: Executor): e is Executor & AggregateExecutor {
  return typeof (e as Partial<AggregateExecutor>).executeAggregate === 'function';
}
