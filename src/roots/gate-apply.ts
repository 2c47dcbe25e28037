import { decideApproval, decideGate, holdSummary, planPrint, type GateDecision } from '../review/index.js';
import { isStopping, log } from '../core/index.js';
import { attempt, failed } from './attempt.js';
import type { PipelineContext } from './context.js';
import { predictedFailures } from './impact-phase.js';
import { mergedWarnings } from './root-result.js';
import { applyStep, checkAfterFailure, verifyStep, type RootRunner, type VerifiedRoot } from './steps.js';
import type { RootImpact, RootResult } from './types.js';

// A planned root in apply mode, after its plan: the gate (after the read-only impact re-check),
// the apply of exactly the plan file the gate saw, and the verify plan that proves convergence.

/** The gate's decision on a planned root, then its apply and verify when the gate lets it through. */
export async function gateAndApply(
  ctx: PipelineContext,
  r: RootRunner,
  planned: RootResult,
  afterApply?: (applied: RootResult) => void,
): Promise<RootResult> {
  const gated = await attempt(() => gateFor(ctx, r, planned));
  if (!gated.ok) return failed(r, planned, gated.failure);
  const { gate, fingerprint, impact } = gated.value;
  const result: RootResult = { ...planned, gate, ...(impact ? { impact } : {}) };
  // An empty plan proves convergence itself; applying it would only add a run.
  if (gate.decision === 'nothing') return { ...result, outcome: 'converged' };
  if (gate.decision === 'hold') {
    log.info(`${r.spec.root}: not applied: ${gate.reasons.map(holdSummary).join('; ')}.`);
    return { ...result, outcome: 'held' };
  }
  const applied = await applyAndCompare(r, result, fingerprint);
  if (applied.outcome === 'failed') return applied;
  afterApply?.(applied);
  const verified = await attempt(() => group(r, 'terraform plan (verify)', () => verifyStep(r)));
  return verified.ok ? convergence(applied, verified.value) : failed(r, applied, verified.failure);
}

/** The gate's decision on the plan, after the read-only re-check of what today's rows would make fail. */
async function gateFor(
  ctx: PipelineContext,
  r: RootRunner,
  result: RootResult,
): Promise<{ gate: GateDecision; fingerprint: string; impact?: RootImpact }> {
  const review = await ctx.review?.();
  const planned = await planPrint(result.plannedStatements);
  const hook = ctx.impact;
  const impact =
    hook && result.plannedStatements.length > 0
      ? await group(r, 'impact re-check (read-only)', () => hook.recheck(r.spec.root, result.plannedStatements))
      : undefined;
  const gate = decideGate({
    predictedFailures: predictedFailures(impact),
    statements: result.plannedStatements,
    planned,
    classifications: result.classifications,
    destroys: result.destroys,
    terraformChanged: result.terraformChanged,
    reviewed: review?.reviewed?.roots[r.spec.root],
    recordLost: review?.recordLost,
    approval: decideApproval({
      lookup: review?.approval,
      approvers: ctx.inputs.approvers,
      reviewedCommit: review?.reviewed?.commit ?? '',
      reviewedAt: review?.reviewed?.at ?? '',
    }),
    labels: review?.labels ?? [],
    labelsUnknown: review?.labelsUnknown,
    destructiveLabel: ctx.inputs.destructiveLabel,
    gatedClasses: ctx.inputs.gatedClasses,
    requireReviewedPlan: ctx.inputs.requireReviewedPlan,
  });
  return { gate, fingerprint: planned.fingerprint, ...(impact ? { impact } : {}) };
}

/** `terraform apply`; after a failure, what the database still needs; after success, whether it ran what was approved. */
async function applyAndCompare(r: RootRunner, result: RootResult, approved: string): Promise<RootResult> {
  const applied = await attempt(() => group(r, 'terraform apply', () => applyStep(r)));
  if (!applied.ok) {
    // Nothing more may start after a cancellation; otherwise ask the database what stuck.
    const pending = isStopping() ? undefined : await group(r, 'terraform plan (after the failed apply)', () => checkAfterFailure(r));
    return failed(r, pending === undefined ? result : { ...result, pendingAfterFailure: pending }, applied.failure);
  }
  const ran = applied.value.statements;
  const after: RootResult = {
    ...result,
    applied: true,
    warnings: mergedWarnings(result.warnings, applied.value.warnings),
    appliedStatements: ran.length > 0 ? ran : result.plannedStatements,
  };
  // The provider plans again inside apply; if the database moved in between, what ran is not
  // what the gate approved. It already ran: say so loudly.
  const compared = await attempt(async () => ran.length > 0 && (await planPrint(ran)).fingerprint !== approved);
  if (!compared.ok) return failed(r, after, compared.failure);
  return compared.value ? { ...after, appliedDiffers: true } : after;
}

/** The outcome from the verify plan after an apply. */
function convergence(result: RootResult, verified: VerifiedRoot): RootResult {
  const base: RootResult = {
    ...result,
    warnings: mergedWarnings(result.warnings, verified.warnings),
    residualStatements: verified.residual,
  };
  if (verified.residual.length > 0) return { ...base, outcome: 'not-converged' };
  if (verified.terraformChanged) {
    const hint =
      'Terraform still reports a change although Atlas has no SQL to run: the database converged, only the stored HCL text differs (formatting). The next apply refreshes the state.';
    return { ...base, outcome: 'state-differs', hints: [...base.hints, hint] };
  }
  if (result.plannedStatements.length === 0) {
    // A Terraform-only change (HCL text normalisation): Atlas ran nothing and the apply only
    // stored the new text. Reported, as the design says, as a warning.
    const hint =
      'Atlas had no SQL to run: only the HCL text stored in Terraform state differed (formatting). The apply updated the state without touching the database, so the next run reports plain converged.';
    return { ...base, outcome: 'state-differs', hints: [...base.hints, hint] };
  }
  return { ...base, outcome: 'converged' };
}

/** One step of a root in apply mode, as its own log group. */
export function group<T>(r: RootRunner, name: string, fn: () => Promise<T>): Promise<T> {
  return log.group(`${r.spec.root}: ${name}`, fn);
}
