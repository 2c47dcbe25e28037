import { createsRole } from '../atlas/index.js';
import { BufferedLog, log, settle, type Settled } from '../core/index.js';
import { attempt, failed, preflightStep, type StepResult } from './attempt.js';
import { afterSpawns, runner, type PipelineContext, type PipelineResult, type PreflightOutcome, type RolesDecision } from './context.js';
import { describePlan, emptyResult, withPlan, type RootSpec } from './root-result.js';
import { initOrder } from './init-order.js';
import { initStep, planStep, type RootRunner, type StepOutput } from './steps.js';
import type { PlannedRoot, RootResult } from './types.js';

// Plan mode: both roots' `init` at once unless they would race on a shared plugin cache
// (init-order.ts), then both plans side by side, each plan starting when its own init is done, each root logging into its own buffer
// printed as one whole group. The schema result is replaced by "deferred" when the roles plan
// creates the schema root's login user (its plan could only fail to log in).

/** Both roots planned; returns their results and the preflight's notice, if any. */
export async function planRoots(ctx: PipelineContext, roles: RootSpec, schema: RootSpec, decision: RolesDecision): Promise<PipelineResult> {
  const rolesLog = new BufferedLog();
  const schemaLog = new BufferedLog();
  const rolesRunner = runner(ctx, roles, rolesLog);
  const schemaRunner = runner(ctx, schema, schemaLog);
  const rolesStarted = Date.now();
  const order = await initOrder(decision.runs ? [rolesRunner, schemaRunner] : [schemaRunner]);
  if (decision.runs) log.info(`terraform init of both roots: ${order.concurrent ? 'at once: ' : ''}${order.reason}`);
  const rolesInit = decision.runs ? attempt(() => initStep(rolesRunner)) : Promise.resolve(undefined);
  let schemaStarted = Date.now();
  const schemaInit = (order.concurrent ? Promise.resolve() : rolesInit.then(() => undefined)).then(() => {
    schemaStarted = Date.now();
    return attempt(() => initStep(schemaRunner));
  });
  // Started once the inits are spawned: the IAM-token preflight needs only the credentials and
  // the schema plan waits for its answer, so it is not on the way to the plans.
  await afterSpawns();
  const preflight = ctx.preflight ? settle(ctx.preflight(false)) : undefined;
  ctx.initsStarted?.();

  const [rolesResult, schemaPlanned] = await Promise.all([
    rolesInit
      .then((init) => planRoles(ctx, rolesRunner, init, decision, rolesStarted))
      .finally(() => {
        if (decision.runs) rolesLog.flush('roles: terraform init and plan');
      }),
    schemaInit.then((init) => planSchema(ctx, schemaRunner, init, preflight, schemaStarted)),
  ]);
  const schemaResult = deferredIfBootstrap(ctx, schemaRunner, rolesResult, schemaPlanned.result);
  schemaLog.flush('schema: terraform init and plan');
  return { roots: [finalPlanOutcome(rolesResult), finalPlanOutcome(schemaResult)], notices: schemaPlanned.notices };
}

/** The roles root's plan (after its init), or its skip; the caller prints its log when it is done. */
async function planRoles(
  ctx: PipelineContext,
  r: RootRunner,
  init: StepResult<StepOutput> | undefined,
  decision: RolesDecision,
  started: number,
): Promise<RootResult> {
  if (!init) {
    log.info(`roles: not run. ${decision.skipReason}`);
    return emptyResult(r.spec, 'skipped', decision.skipReason);
  }
  const result = init.ok
    ? await planResult(ctx, r, emptyResult(r.spec, 'planned'))
    : failed(r, emptyResult(r.spec, 'planned'), init.failure);
  return { ...result, durationMs: Date.now() - started };
}

/** The schema root's plan, after its init and the preflight; its log is printed by the caller. */
async function planSchema(
  ctx: PipelineContext,
  r: RootRunner,
  init: StepResult<StepOutput>,
  preflight: Promise<Settled<PreflightOutcome>> | undefined,
  started: number,
): Promise<{ result: RootResult; notices: string[] }> {
  const empty = emptyResult(r.spec, 'planned');
  if (!init.ok) return { result: { ...failed(r, empty, init.failure), durationMs: Date.now() - started }, notices: [] };
  const checked = await attempt(() => preflightStep(preflight, r.logger));
  const notices = checked.ok && checked.value ? [checked.value] : [];
  const result = checked.ok ? await planResult(ctx, r, empty) : failed(r, empty, checked.failure);
  return { result: { ...result, durationMs: Date.now() - started }, notices };
}

/** `terraform plan` of one root and its classified SQL, logged in the root's log. */
export async function planRoot(ctx: PipelineContext, r: RootRunner): Promise<PlannedRoot> {
  const planned = await planStep(r, (s) => ctx.classify(s));
  r.logger.info(`${r.spec.root}: ${describePlan(planned.statements.length, planned.terraformChanged)}`);
  return planned;
}

/** The result after the root's plan, or after its failure. */
async function planResult(ctx: PipelineContext, r: RootRunner, result: RootResult): Promise<RootResult> {
  const planned = await attempt(() => planRoot(ctx, r));
  if (!planned.ok) return failed(r, result, planned.failure);
  // The root's impact facts are read beside the other root's plan; collected after both.
  ctx.impact?.planned(r.spec.root, planned.value.statements);
  return withPlan(result, planned.value);
}

/**
 * First bootstrap: the schema env logs in as a user that does not exist until the roles root is
 * applied, so its plan could only fail to log in. That failure is expected.
 */
function deferredIfBootstrap(ctx: PipelineContext, r: RootRunner, roles: RootResult, schema: RootResult): RootResult {
  if (!createsRole(roles.plannedStatements, ctx.inputs.dbUser)) return schema;
  const reason = `planned after the bootstrap. The schema root logs in as "${ctx.inputs.dbUser}", which the roles root of this change creates, so it cannot be planned before that root is applied. On merge it is planned and applied right after the roles root, without a pull-request review of its SQL (it is applied only if it has nothing destructive).`;
  r.logger.info(`schema: deferred: ${reason}${schema.outcome === 'failed' ? ' (its login failure above is expected)' : ''}`);
  return { ...emptyResult(r.spec, 'deferred', reason), warnings: schema.warnings, durationMs: schema.durationMs };
}

/** A planned root with no SQL and no Terraform change is reported as "no changes". */
function finalPlanOutcome(result: RootResult): RootResult {
  if (result.outcome !== 'planned') return result;
  return { ...result, outcome: result.terraformChanged || result.plannedStatements.length > 0 ? 'planned' : 'no-changes' };
}
