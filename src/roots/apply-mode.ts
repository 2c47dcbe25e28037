import { createsRole } from '../atlas/index.js';
import { BufferedLog, isStopping, log, settle, type Logger } from '../core/index.js';
import { attempt, failed, preflightStep } from './attempt.js';
import { afterSpawns, runner, type PipelineContext, type PipelineResult, type RolesDecision } from './context.js';
import { planRoot } from './plan-mode.js';
import { emptyResult, withPlan, notRunReason, stopsLaterRoots, type RootSpec } from './root-result.js';
import { initOrder } from './init-order.js';
import { initStep, type RootRunner, type StepOutput } from './steps.js';
import { gateAndApply, group } from './gate-apply.js';
import type { StepResult } from './attempt.js';
import type { RootResult } from './types.js';

// Apply mode: the applies strictly roles → schema. Each root: init → [preflight] → plan → gate →
// apply → verify, each step's value building the next result; a root that fails, is held or does
// not converge stops the roots after it. What of the schema root does not depend on the roles
// root's last step runs beside it, into its own log buffer printed when the schema root's turn
// comes:
// - its `init` (it installs providers and reads the backend, it changes no database) beside all
//   of the roles root (at once, or after the roles init when they would race on a shared plugin
//   cache, see init-order.ts);
// - once the roles apply has succeeded (it may have created the user the schema root logs in as,
//   and the schema SQL may use what it created): its IAM-token preflight (a read-only login) and
//   its plan (a read-only inspection, into its own plan file), beside the roles root's verify
//   plan, which changes nothing either. The database they see is the one the verify plan sees.
// The schema root's gate, apply and verify start only after the roles root converged; when it
// did not, the schema plan made beside it is discarded and the schema root is not run.

/**
 * Whether a root runs the IAM-token preflight before its plan (the schema root does, after the
 * roles root), and whether the roles root created its login user in this run.
 */
export type PreflightRequest = { kind: 'none' } | { kind: 'before-plan'; userCreatedInThisRun: boolean };

interface RootRun {
  result: RootResult;
  notices: string[];
}

/** The schema root's init, started early; undefined when it did not start (a cancellation). */
interface EarlyInit {
  done: Promise<StepResult<StepOutput> | undefined>;
  log: BufferedLog;
}

/** A root up to its plan: stopped (failed before the gate), or planned and ready for the gate. */
type Prepared = { stopped: RootRun; planned?: undefined } | { planned: RootResult; notices: string[]; stopped?: undefined };

/** The schema root's preflight and plan, started beside the roles root's verify plan. */
interface Ahead {
  started: number;
  done: Promise<Prepared>;
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
  // The schema root's preflight and plan, started once the roles apply has succeeded (see the top).
  let ahead: Ahead | undefined;
  const afterApply = (applied: RootResult): void => {
    if (isStopping()) return;
    const request: PreflightRequest = {
      kind: 'before-plan',
      userCreatedInThisRun: createsRole(applied.appliedStatements, ctx.inputs.dbUser),
    };
    const buffer = new BufferedLog();
    const r = runner(ctx, schema, buffer);
    const init = async (): Promise<StepResult<StepOutput> | undefined> => early?.done;
    ahead = { started: Date.now(), log: buffer, done: prepareRoot(ctx, r, request, buffer, init, (_name, fn) => fn()) };
  };
  const rolesRunning = decision.runs
    ? applyRoot(ctx, roles, { kind: 'none' }, { afterInit: rolesInitDone, afterApply }).finally(rolesInitDone)
    : undefined;
  // The roles init has started (when the roles root runs; else the schema init starts below).
  if (rolesRunning) void afterSpawns().then(() => ctx.initsStarted?.());
  const rolesRun: RootRun = (await rolesRunning) ?? { result: emptyResult(roles, 'skipped', decision.skipReason), notices: [] };
  if (!decision.runs) log.info(`roles: not run. ${decision.skipReason}`);
  if (stopsLaterRoots(rolesRun.result)) {
    // The early init only installed providers, the preflight only logged in and the plan only
    // read; all are waited for (their logs printed), so nothing outlives the run.
    await earlyInit(early);
    await discardAhead(ctx, ahead, rolesRun.result);
    return { roots: [rolesRun.result, emptyResult(schema, 'not-run', notRunReason(rolesRun.result))], notices: rolesRun.notices };
  }
  const schemaRunning = ahead
    ? applyPlannedAhead(ctx, schema, ahead, early)
    : applyRoot(ctx, schema, { kind: 'before-plan', userCreatedInThisRun: false }, { early });
  if (!rolesRunning) void afterSpawns().then(() => ctx.initsStarted?.());
  const schemaRun = await schemaRunning;
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
  const init = (): Promise<StepResult<StepOutput> | undefined> => earlyInit(hooks.early);
  const prepared = await prepareRoot(ctx, r, request, log, init, (name, fn) => group(r, name, fn), hooks.afterInit);
  return prepared.stopped ? timed(prepared.stopped, started) : finishRoot(ctx, r, prepared, started, hooks.afterApply);
}

/**
 * A root's init (the early init's result when `early` has one), preflight and plan. `step` runs
 * each as a log group, or plainly when the root logs into a buffer beside another root.
 */
async function prepareRoot(
  ctx: PipelineContext,
  r: RootRunner,
  request: PreflightRequest,
  logger: Logger,
  early: () => Promise<StepResult<StepOutput> | undefined>,
  step: <T>(name: string, fn: () => Promise<T>) => Promise<T>,
  afterInit?: () => void,
): Promise<Prepared> {
  const initDone = (async () => (await early()) ?? attempt(() => step('terraform init', () => initStep(r))))();
  // The preflight logs in beside the init (or, ahead, beside the roles root's verify plan);
  // started once the init is spawned, so loading its code does not delay the init's start.
  await afterSpawns();
  const preflight = request.kind === 'before-plan' && ctx.preflight ? settle(ctx.preflight(request.userCreatedInThisRun)) : undefined;
  const empty = emptyResult(r.spec, 'planned');
  const init = await initDone;
  afterInit?.();
  if (!init.ok) return { stopped: { result: failed(r, empty, init.failure), notices: [] } };
  const checked =
    request.kind === 'before-plan'
      ? await attempt(() => step('IAM authentication preflight', () => preflightStep(preflight, logger)))
      : ({ ok: true, value: undefined } as const);
  if (!checked.ok) return { stopped: { result: failed(r, empty, checked.failure), notices: [] } };
  const notices = checked.value ? [checked.value] : [];
  const planned = await attempt(() => step('terraform plan', () => planRoot(ctx, r)));
  if (!planned.ok) return { stopped: { result: failed(r, empty, planned.failure), notices } };
  return { planned: withPlan(empty, planned.value), notices };
}

/** The schema root after the roles root converged: its plan made ahead (log printed now), then gate, apply and verify. */
async function applyPlannedAhead(ctx: PipelineContext, schema: RootSpec, ahead: Ahead, early: EarlyInit | undefined): Promise<RootRun> {
  const prepared = await ahead.done;
  await earlyInit(early);
  ahead.log.flush(aheadTitle(ctx, ''));
  if (prepared.stopped) return timed(prepared.stopped, ahead.started);
  return finishRoot(ctx, runner(ctx, schema, log), prepared, ahead.started);
}

/** The roles root stopped the run: the schema plan made beside its verify plan is not used. */
async function discardAhead(ctx: PipelineContext, ahead: Ahead | undefined, blocker: RootResult): Promise<void> {
  if (!ahead) return;
  await ahead.done;
  const why = blocker.outcome === 'not-converged' ? 'did not converge' : `failed during ${blocker.failedStep ?? 'its run'}`;
  ahead.log.info(`schema: this plan is not used: the ${blocker.root} root ${why}, so nothing of the schema root is applied.`);
  ahead.log.flush(aheadTitle(ctx, '; not used'));
}

/** The log group of the schema root's steps run beside the roles root's verify plan. */
function aheadTitle(ctx: PipelineContext, note: string): string {
  const steps = ctx.preflight ? 'IAM authentication preflight and terraform plan' : 'terraform plan';
  return `schema: ${steps} (run beside the roles root's verify plan${note})`;
}

function timed(run: RootRun, started: number): RootRun {
  return { ...run, result: { ...run.result, durationMs: Date.now() - started } };
}

/** Gate, apply and verify of a planned root, timed from `started`. */
async function finishRoot(
  ctx: PipelineContext,
  r: RootRunner,
  prepared: { planned: RootResult; notices: string[] },
  started: number,
  afterApply?: (applied: RootResult) => void,
): Promise<RootRun> {
  return timed({ result: await gateAndApply(ctx, r, prepared.planned, afterApply), notices: prepared.notices }, started);
}

/** The early init's result, its log printed as the root's init group; undefined if it did not run. */
async function earlyInit(early: EarlyInit | undefined): Promise<StepResult<StepOutput> | undefined> {
  if (!early) return undefined;
  const result = await early.done;
  early.log.flush('schema: terraform init (run beside the roles root)');
  return result;
}
