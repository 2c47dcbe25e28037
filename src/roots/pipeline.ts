import type { RootSpec } from './root-result.js';
import type { PipelineContext, PipelineResult, RolesDecision } from './context.js';
import { planRoots } from './plan-mode.js';
import { applyRoots } from './apply-mode.js';

export type { PipelineContext, PipelineResult, PreflightOutcome, RolesDecision } from './context.js';

// The roots of one run. Plan mode (plan-mode.ts): both roots' `init` at once unless they would
// race on a shared plugin cache (init-order.ts), then both plans side by side, each root logging
// into its own buffer that is printed as one whole group. Apply mode (apply-mode.ts): strictly
// roles → schema, each plan passed through the gate before it is applied, and a root that fails,
// is held or does not converge stops the roots after it. Each mode returns its results; nothing
// is written back.

/** Runs both roots in the run's mode and returns their results. */
export function runRoots(ctx: PipelineContext, roles: RootSpec, schema: RootSpec, decision: RolesDecision): Promise<PipelineResult> {
  return ctx.mode === 'plan' ? planRoots(ctx, roles, schema, decision) : applyRoots(ctx, roles, schema, decision);
}
