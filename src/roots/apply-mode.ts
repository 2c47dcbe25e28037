import { createsRole } from '../atlas/index.js';
import { BufferedLog, isStopping, log, settle, type Settled } from '../core/index.js';
import { decideApproval, decideGate, holdSummary, planPrint, type GateDecision } from '../review/index.js';
import { attempt, failed, preflightStep } from './attempt.js';
import { runner, type PipelineContext, type PipelineResult, type PreflightOutcome, type RolesDecision } from './context.js';
import { planRoot } from './plan-mode.js';
import { emptyResult, mergedWarnings, withPlan, notRunReason, stopsLaterRoots, type RootSpec } from './root-result.js';
import { initOrder } from './init-order.js';
import { applyStep, checkAfterFailure, initStep, verifyStep, type RootRunner, type StepOutput, type VerifiedRoot } from './steps.js';
import type { StepResult } from './attempt.js';
import { predictedFailures } from './impact-phase.js';
import type { RootImpact, RootResult } from './types.js';

// Apply mode: strictly roles → schema. Each root: init → [preflight] → plan → gate → apply →
// verify, each step's value building the next result; a root that fails, is held or does not
// converge stops the roots after it. Only the schema root's `init` depends on nothing of the
// roles root (it installs providers and reads the backend, it changes no database), so it runs
// beside the roles root's steps (at once, or after the roles init when they would race on a
// shared plugin cache, see init-order.ts); its log is printed when the schema root's turn comes.
// The schema root's IAM-token preflight only logs in (read-only); it starts as soon as the roles
// apply has succeeded (the apply may have created the user it logs in as), beside the roles
// root's verify plan, and its result is used only when the schema root's turn comes. Nothing
// else of the schema root starts before the roles root has converged.

/**
 * Whether a root runs the IAM-token preflight before its plan (the schema root does, after the
 * roles root), and whether the roles root created its login user in this run.
 */
export type PreflightRequest =
  { kind: 'none' } | { kind: 'before-plan'; userCreatedInThisRun: boolean; started?: Promise<Settled<PreflightOutcome>> | undefined };

interface RootRun {
  result: RootResult;
  notices: string[];
}

/** The schema root's init, started early; undefined when it did not start (a cancellation). */
interface EarlyInit {
  done: Promise<StepResult<StepOutput> | undefined>;
  log: BufferedLog;
}

/** Starts the schema root's init beside the roles root: at once, or once `rolesInit` is done. */
function startEarlyInit(ctx: PipelineContext, roles: RootSpec, schema: RootSpec, rolesInit: Promise<void>): EarlyInit {
  const buffer = new BufferedLog();
  const r = runner(ctx, schema, buffer);
  const done = (async () => {
    const order = await initOrder([runner(ctx, roles, buffer), r]);
    buffer.info(`schema: terraform init beside the roles root, ${order.concurrent ? 'at once: ' : ''}${order.reason}`);
    if (!order.concurrent) await rolesInit;
    return isStopping() ? undefined : attempt(() => initStep(r));
  })();
  return { done, log: buffer };
}

/** Both roots applied in order; returns their results and the preflight's notice, if any. */
export async function applyRoots(
  ctx: PipelineContext,
  roles: RootSpec,
  schema: RootSpec,
  decision: RolesDecision,
): Promise<PipelineResult> {
  let rolesInitDone = (): void => undefined;
  const rolesInit = new Promise<void>((resolve) => (rolesInitDone = resolve));
  const early = decision.runs ? startEarlyInit(ctx, roles, schema, rolesInit) : undefined;
  // The schema root's preflight, started once the roles apply has succeeded (see the top).
  let preflight: { created: boolean; started: Promise<Settled<PreflightOutcome>> | undefined } | undefined;
  const afterApply = (applied: RootResult): void => {
    const created = createsRole(applied.appliedStatements, ctx.inputs.dbUser);
    preflight = { created, started: ctx.preflight && !isStopping() ? settle(ctx.preflight(created)) : undefined };
  };
  const rolesRun: RootRun = decision.runs
    ? await applyRoot(ctx, roles, { kind: 'none' }, { afterInit: rolesInitDone, afterApply }).finally(rolesInitDone)
    : { result: emptyResult(roles, 'skipped', decision.skipReason), notices: [] };
  if (!decision.runs) log.info(`roles: not run. ${decision.skipReason}`);
  if (stopsLaterRoots(rolesRun.result)) {
    // The early init only installed providers, the preflight only logged in; both are waited
    // for (the init's log printed), so nothing outlives the run.
    await Promise.all([earlyInit(early), preflight?.started]);
    return { roots: [rolesRun.result, emptyResult(schema, 'not-run', notRunReason(rolesRun.result))], notices: rolesRun.notices };
  }
  const created = preflight?.created ?? false;
  const request: PreflightRequest = { kind: 'before-plan', userCreatedInThisRun: created, started: preflight?.started };
  const schemaRun = await applyRoot(ctx, schema, request, { early });
  return { roots: [rolesRun.result, schemaRun.result], notices: [...rolesRun.notices, ...schemaRun.notices] };
}

/** One root in apply mode: init → [preflight] → plan → gate → apply → verify. */
async function applyRoot(
  ctx: PipelineContext,
  spec: RootSpec,
  request: PreflightRequest,
  hooks: { afterInit?: () => void; afterApply?: (applied: RootResult) => void; early?: EarlyInit | undefined },
): Promise<RootRun> {
  const started = Date.now();
  const r = runner(ctx, spec, log);
  const finish = (result: RootResult, notices: string[] = []): RootRun => ({
    result: { ...result, durationMs: Date.now() - started },
    notices,
  });
  // The schema root's preflight (after the roles apply, which may have just created its user):
  // started beside the roles verify plan, or here, beside its init.
  const preflight =
    request.kind === 'before-plan' && ctx.preflight ? (request.started ?? settle(ctx.preflight(request.userCreatedInThisRun))) : undefined;
  const empty = emptyResult(spec, 'planned');
  const init = (await earlyInit(hooks.early)) ?? (await attempt(() => group(r, 'terraform init', () => initStep(r))));
  hooks.afterInit?.();
  if (!init.ok) return finish(failed(r, empty, init.failure));
  const checked =
    request.kind === 'before-plan'
      ? await attempt(() => group(r, 'IAM authentication preflight', () => preflightStep(preflight, log)))
      : ({ ok: true, value: undefined } as const);
  if (!checked.ok) return finish(failed(r, empty, checked.failure));
  const notices = checked.value ? [checked.value] : [];
  const planned = await attempt(() => group(r, 'terraform plan', () => planRoot(ctx, r)));
  if (!planned.ok) return finish(failed(r, empty, planned.failure), notices);
  return finish(await gateAndApply(ctx, r, withPlan(empty, planned.value), hooks.afterApply), notices);
}

/** The early init's result, its log printed as the root's init group; undefined if it did not run. */
async function earlyInit(early: EarlyInit | undefined): Promise<StepResult<StepOutput> | undefined> {
  if (!early) return undefined;
  const result = await early.done;
  early.log.flush('schema: terraform init (run beside the roles root)');
  return result;
}

/** The gate's decision on a planned root, then its apply and verify when the gate lets it through. */
async function gateAndApply(
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
function group<T>(r: RootRunner, name: string, fn: () => Promise<T>): Promise<T> {
  return log.group(`${r.spec.root}: ${name}`, fn);
}
