import fc from 'fast-check';
import { expect } from 'vitest';
import { AdmitCommand } from './commands/AdmitCommand.js';
import { EndPlanCommand } from './commands/EndPlanCommand.js';
import { GrowCommand } from './commands/GrowCommand.js';
import { ReleaseCommand } from './commands/ReleaseCommand.js';
import { checkAll, PolicyModel, RealPolicy } from './PolicyModel.js';
import type { Spec } from './specs.js';

/** Runs per property: at least 1000 (CI), more with KVSIM_PROPERTY_RUNS for soak runs. */
export const PROPERTY_RUNS = Math.max(1000, Number(process.env.KVSIM_PROPERTY_RUNS ?? 0) || 0);

function commandsFor(spec: Spec) {
  const tokens = fc.oneof(
    fc.integer({ min: 0, max: spec.maxTokens + 2 }),
    fc.integer({ min: 1, max: Math.max(1, spec.step * 2) }),
  );
  const delta = fc.oneof(fc.constant(1), fc.integer({ min: 0, max: spec.step * 3 }));
  return fc.commands(
    [
      fc.tuple(tokens, fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5000 }))).map(([t, gap]) => new AdmitCommand(t, gap)),
      fc.tuple(fc.nat(), delta).map(([pick, d]) => new GrowCommand(pick, d)),
      fc.tuple(fc.nat(), delta).map(([pick, d]) => new GrowCommand(pick, d)),
      fc.nat().map((pick) => new ReleaseCommand(pick)),
      fc.constant(new EndPlanCommand()),
    ],
    { maxCommands: 50 },
  );
}

/**
 * Model-based test of a policy family: random policy parameters, then random admit/grow/release
 * sequences checked against the reference model after every command, then everything released.
 */
export function assertPolicyModel<P>(params: fc.Arbitrary<P>, build: (p: P) => Spec): void {
  const scenario = params.chain((p) => {
    const spec = build(p);
    return fc.tuple(fc.constant(p), commandsFor(spec));
  });
  fc.assert(
    fc.property(scenario, ([p, cmds]) => {
      const spec = build(p);
      const model = new PolicyModel(spec.rule, spec.liveBytes, spec.checkPart);
      const real = new RealPolicy(spec.policy);
      checkAll(model, real);
      fc.modelRun(() => ({ model, real }), cmds);
      // Release everything: nothing may stay allocated but cached pages of free slots.
      for (const id of [...model.tokens.keys()]) {
        spec.policy.release(id);
        model.tokens.delete(id);
        checkAll(model, real);
      }
      const s = spec.policy.snapshot();
      expect(s.requests).toBe(0);
      expect(s.liveBytes).toBe(0);
      expect(s.fragmentationBytes).toBe(0);
      expect(s.eagerBytes).toBe(0);
      expect(s.allocatedBytes).toBe(s.cachedBytes);
      expect(real.mirror.slotOwner.size).toBe(0);
      expect(real.mirror.blockOwner.size).toBe(0);
    }),
    { numRuns: PROPERTY_RUNS },
  );
}
