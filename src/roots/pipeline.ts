import * as path from 'node:path';
import { createsRole } from '../atlas/index.js';
import {
  isStopping,
  BufferedLog,
  errorMessage,
  log,
  type Logger,
  type Classification,
  type Inputs,
  type Mode,
  type ReviewContext,
} from '../core/index.js';
import { decideApproval, decideGate, holdSummary, planPrint } from '../review/index.js';
import type { HintContext } from '../aws/index.js';
import { describePlan, emptyResult, mergeWarnings, notRunReason, StepFailure, stopsLaterRoots, type RootSpec } from './root-result.js';
import { applyStep, checkAfterFailure, initStep, planStep, verifyStep, type RootRunner } from './steps.js';
import type { RootResult } from './types.js';
import { predictedFailures, type ImpactHook } from './impact-phase.js';

// The roots of one run. Plan mode: both roots' `init` one after the other (they share the
// plugin cache), then both plans side by side, each root logging into its own buffer that is
// printed as one whole group; the schema result is replaced by "deferred" when the roles plan
// creates the schema root's login user (its plan could only fail to log in). Apply mode:
// strictly roles → schema, each plan passed through the gate before it is applied, and a
// root that fails, is held or does not converge stops the roots after it.

export interface PipelineContext {
  mode: Mode;
  inputs: Inputs;
  workspace: string;
  terraformBinary: string;
  /** Directory for plan files; removed by the caller. */
  planDir: string;
  /** Environment for terraform, fetched per command so renewed credentials are used. */
  childEnv(): Promise<Record<string, string>>;
  classify(statements: string[]): Promise<Classification[]>;
  /** The IAM-token preflight before the schema root's plan; absent when db-endpoint is unset. */
  preflight?(createdInThisRun: boolean): Promise<PreflightOutcome>;
  /** Apply mode: the merged PR's review and labels, for the gate. */
  review?: ReviewContext;
  hintContext: HintContext;
  /** The impact facts phase (impact-phase.ts): started per root in plan mode, a re-check before each apply. */
  impact?: ImpactHook;
}

export interface PreflightOutcome {
  ok: boolean;
  message: string;
  hints: string[];
  /** A notice for the top of the report (e.g. the preflight was skipped on a bootstrap). */
  notice?: string;
}

/** Decided once in main: whether the roles root runs, and why not. */
export interface RolesDecision {
  runs: boolean;
  skipReason: string;
}

export interface PipelineResult {
  roots: RootResult[];
  notices: string[];
}

export function runRoots(ctx: PipelineContext, roles: RootSpec, schema: RootSpec, decision: RolesDecision): Promise<PipelineResult> {
  return ctx.mode === 'plan' ? planRoots(ctx, roles, schema, decision) : applyRoots(ctx, roles, schema, decision);
}

function runner(ctx: PipelineContext, spec: RootSpec, logger: Logger): RootRunner {
  return {
    spec,
    logger,
    planFile: path.join(ctx.planDir, `${spec.root}.tfplan`),
    verifyFile: path.join(ctx.planDir, `${spec.root}.verify.tfplan`),
    options: async () => ({
      binary: ctx.terraformBinary,
      cwd: path.resolve(ctx.workspace, spec.workingDirectory),
      env: await ctx.childEnv(),
      lockTimeout: ctx.inputs.lockTimeout,
      logger,
    }),
    hintContext: ctx.hintContext,
  };
}

/** Runs `fn` for a root; a failure is recorded in the result. Returns whether it succeeded. */
async function attempt(result: RootResult, r: RootRunner, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    const failure = err instanceof StepFailure ? err : new StepFailure('plan', errorMessage(err));
    result.outcome = 'failed';
    result.failedStep = failure.step;
    result.error = failure.message;
    result.errors = failure.diagnostics;
    result.hints = [...new Set([...result.hints, ...failure.hints])];
    mergeWarnings(result, failure.warnings);
    // A failed plan still shows the SQL Atlas listed (e.g. beside "Unrecognized schema
    // resources"): the report keeps it, and a bootstrap is still recognised from it.
    if (failure.step === 'plan' && result.plannedStatements.length === 0) result.plannedStatements = failure.statements;
    // One error annotation comes from setFailed at the end, after the report is written.
    r.logger.info(`${r.spec.root}: ${failure.step} failed: ${failure.message}`);
    return false;
  }
}

async function planInto(result: RootResult, r: RootRunner, ctx: PipelineContext): Promise<void> {
  const planned = await planStep(r, (s) => ctx.classify(s));
  result.plannedStatements = planned.statements;
  result.classifications = planned.classifications;
  result.destroys = planned.destroys;
  result.terraformChanged = planned.terraformChanged;
  mergeWarnings(result, planned.warnings);
  if (ctx.mode === 'plan') ctx.impact?.planned(r.spec.root, planned.statements);
  r.logger.info(`${r.spec.root}: ${describePlan(planned.statements.length, planned.terraformChanged)}`);
}

async function preflightInto(pending: Promise<PreflightOutcome> | undefined, logger: Logger, notices: string[]): Promise<void> {
  if (!pending) return;
  const outcome = await pending;
  if (outcome.notice) {
    notices.push(outcome.notice);
    logger.notice(outcome.notice);
  } else if (outcome.ok) {
    logger.info(outcome.message);
  }
  if (!outcome.ok) throw new StepFailure('preflight', outcome.message, [], outcome.hints);
}

async function planRoots(ctx: PipelineContext, roles: RootSpec, schema: RootSpec, decision: RolesDecision): Promise<PipelineResult> {
  const notices: string[] = [];
  const rolesLog = new BufferedLog();
  const schemaLog = new BufferedLog();
  const rolesRunner = runner(ctx, roles, rolesLog);
  const schemaRunner = runner(ctx, schema, schemaLog);
  const rolesResult = decision.runs ? emptyResult(roles, 'planned') : emptyResult(roles, 'skipped', decision.skipReason);
  const schemaResult = emptyResult(schema, 'planned');
  const clock = { roles: Date.now(), schema: 0 };
  // The IAM-token preflight needs only the credentials: it runs beside the inits, and the
  // schema plan waits for its answer, so it is not on the way to the plans.
  const preflight = ctx.preflight?.(false);
  preflight?.catch(() => undefined);

  // `init` one root at a time: concurrent inits race on a shared TF_PLUGIN_CACHE_DIR.
  const rolesReady = decision.runs && (await attempt(rolesResult, rolesRunner, async () => void (await initStep(rolesRunner))));
  clock.schema = Date.now();
  const schemaReady = await attempt(schemaResult, schemaRunner, async () => void (await initStep(schemaRunner)));

  const rolesDone = (async () => {
    if (rolesReady) await attempt(rolesResult, rolesRunner, () => planInto(rolesResult, rolesRunner, ctx));
    rolesResult.durationMs = decision.runs ? Date.now() - clock.roles : 0;
    if (decision.runs) rolesLog.flush(`roles: terraform init and plan`);
    else log.info(`roles: not run. ${decision.skipReason}`);
  })();
  const schemaDone = (async () => {
    if (schemaReady) {
      await attempt(schemaResult, schemaRunner, async () => {
        await preflightInto(preflight, schemaLog, notices);
        await planInto(schemaResult, schemaRunner, ctx);
      });
    }
    schemaResult.durationMs = Date.now() - clock.schema;
  })();
  await Promise.all([rolesDone, schemaDone]);

  let schemaFinal = schemaResult;
  if (createsRole(rolesResult.plannedStatements, ctx.inputs.dbUser)) {
    // First bootstrap: the schema env logs in as a user that does not exist until the roles
    // root is applied, so its plan could only fail to log in. That failure is expected.
    const reason = `planned after the bootstrap. The schema root logs in as "${ctx.inputs.dbUser}", which the roles root of this change creates, so it cannot be planned before that root is applied. On merge it is planned and applied right after the roles root, without a pull-request review of its SQL (it is applied only if it has nothing destructive).`;
    schemaLog.info(`schema: deferred: ${reason}${schemaResult.outcome === 'failed' ? ' (its login failure above is expected)' : ''}`);
    schemaFinal = { ...emptyResult(schema, 'deferred', reason), warnings: schemaResult.warnings, durationMs: schemaResult.durationMs };
  }
  schemaLog.flush('schema: terraform init and plan');

  for (const result of [rolesResult, schemaFinal]) {
    if (result.outcome === 'planned')
      result.outcome = result.terraformChanged || result.plannedStatements.length > 0 ? 'planned' : 'no-changes';
  }
  return { roots: [rolesResult, schemaFinal], notices };
}

async function applyRoots(ctx: PipelineContext, roles: RootSpec, schema: RootSpec, decision: RolesDecision): Promise<PipelineResult> {
  const notices: string[] = [];
  const results: RootResult[] = [];
  const rolesResult = decision.runs ? await applyRoot(ctx, roles, notices, undefined) : emptyResult(roles, 'skipped', decision.skipReason);
  if (!decision.runs) log.info(`roles: not run. ${decision.skipReason}`);
  results.push(rolesResult);
  if (stopsLaterRoots(rolesResult)) {
    results.push(emptyResult(schema, 'not-run', notRunReason(rolesResult)));
    return { roots: results, notices };
  }
  const createdInThisRun = rolesResult.applied && createsRole(rolesResult.appliedStatements, ctx.inputs.dbUser);
  results.push(await applyRoot(ctx, schema, notices, createdInThisRun));
  return { roots: results, notices };
}

/** One root in apply mode: init → [preflight] → plan → gate → apply → verify. */
async function applyRoot(
  ctx: PipelineContext,
  spec: RootSpec,
  notices: string[],
  schemaPreflight: boolean | undefined,
): Promise<RootResult> {
  const started = Date.now();
  const result = emptyResult(spec, 'planned');
  const r = runner(ctx, spec, log);
  const step = <T>(name: string, fn: () => Promise<T>): Promise<T> => log.group(`${spec.root}: ${name}`, fn);
  // The schema root's preflight (after the roles root, which may have just created its user)
  // runs beside its init.
  const preflight = schemaPreflight === undefined ? undefined : ctx.preflight?.(schemaPreflight);
  preflight?.catch(() => undefined);
  await attempt(result, r, async () => {
    await step('terraform init', () => initStep(r));
    if (schemaPreflight !== undefined) await step('IAM authentication preflight', () => preflightInto(preflight, log, notices));
    await step('terraform plan', () => planInto(result, r, ctx));

    const planned = await planPrint(result.plannedStatements);
    const impact = ctx.impact;
    if (impact && result.plannedStatements.length > 0)
      result.impact = await step('impact re-check (read-only)', () => impact.recheck(spec.root, result.plannedStatements));
    const gate = decideGate({
      predictedFailures: predictedFailures(result.impact),
      statements: result.plannedStatements,
      planned,
      classifications: result.classifications,
      destroys: result.destroys,
      terraformChanged: result.terraformChanged,
      reviewed: ctx.review?.reviewed?.roots[spec.root],
      recordLost: ctx.review?.recordLost,
      approval: decideApproval({
        lookup: ctx.review?.approval,
        approvers: ctx.inputs.approvers,
        reviewedCommit: ctx.review?.reviewed?.commit ?? '',
        reviewedAt: ctx.review?.reviewed?.at ?? '',
      }),
      labels: ctx.review?.labels ?? [],
      labelsUnknown: ctx.review?.labelsUnknown,
      destructiveLabel: ctx.inputs.destructiveLabel,
      gatedClasses: ctx.inputs.gatedClasses,
      requireReviewedPlan: ctx.inputs.requireReviewedPlan,
    });
    result.gate = gate;
    if (gate.verdict === 'nothing') {
      // The plan itself proves convergence; applying an empty plan would only add a run.
      result.outcome = 'converged';
      return;
    }
    if (gate.verdict === 'hold') {
      result.outcome = 'held';
      log.info(`${spec.root}: not applied: ${gate.reasons.map(holdSummary).join('; ')}.`);
      return;
    }

    const applied = await step('terraform apply', () => applyStep(r)).catch(async (err: unknown) => {
      // Nothing more may start after a cancellation; otherwise ask the database what stuck.
      if (!isStopping()) {
        const pending = await step('terraform plan (after the failed apply)', () => checkAfterFailure(r));
        if (pending !== undefined) result.pendingAfterFailure = pending;
      }
      throw err;
    });
    result.applied = true;
    mergeWarnings(result, applied.warnings);
    result.appliedStatements = applied.statements.length > 0 ? applied.statements : result.plannedStatements;
    if (applied.statements.length > 0 && (await planPrint(applied.statements)).fingerprint !== planned.fingerprint) {
      // The provider plans again inside apply; if the database moved in between, what ran is
      // not what the gate approved. It already ran: say so loudly.
      result.appliedDiffers = true;
    }

    const verified = await step('terraform plan (verify)', () => verifyStep(r));
    mergeWarnings(result, verified.warnings);
    result.residualStatements = verified.residual;
    if (verified.residual.length > 0) {
      result.outcome = 'not-converged';
    } else if (verified.terraformChanged) {
      result.outcome = 'state-differs';
      result.hints.push(
        'Terraform still reports a change although Atlas has no SQL to run: the database converged, only the stored HCL text differs (formatting). The next apply refreshes the state.',
      );
    } else if (result.plannedStatements.length === 0) {
      // A Terraform-only change (HCL text normalisation): Atlas ran nothing and the apply only
      // stored the new text. Reported, as the design says, as a warning.
      result.outcome = 'state-differs';
      result.hints.push(
        'Atlas had no SQL to run: only the HCL text stored in Terraform state differed (formatting). The apply updated the state without touching the database, so the next run reports plain converged.',
      );
    } else {
      result.outcome = 'converged';
    }
  });
  result.durationMs = Date.now() - started;
  return result;
}
