import * as path from 'node:path';
import { atlasPlan, createsRole } from './atlas/plan.js';
import { roleAccount } from './aws/sts-errors.js';
import { hintsFor, type HintContext } from './hints.js';
import { errorMessage, log } from './log.js';
import { redact } from './redact.js';
import { terraformApply, terraformInit, terraformPlan } from './terraform/cli.js';
import { planExitMeaning } from './terraform/json-ui.js';
import type { Diagnostic, Inputs, Mode, RolesChange, RootName, RootResult, RootStep, TerraformRun } from './types.js';

// Per-root state machine: init → plan → [apply → verify]. Produces RootResult values; the
// only side effects are the terraform runs behind terraform/cli.ts and the hooks the caller
// passes in (credential refresh, IAM preflight).

export interface RootSpec {
  root: RootName;
  /** Relative to the workspace, as the user wrote it. */
  workingDirectory: string;
}

export interface PipelineContext {
  mode: Mode;
  inputs: Inputs;
  workspace: string;
  terraformBinary: string;
  /** Directory for plan files; removed by the caller. */
  planDir: string;
  /** Environment for terraform, fetched before each root so refreshed credentials are used. */
  childEnv(): Promise<Record<string, string>>;
  /**
   * Runs before the schema root's plan. `rolesStatements` are the statements the roles root
   * planned or applied in this run, so the preflight can tell a first bootstrap.
   */
  beforeSchemaPlan?(rolesStatements: string[]): Promise<PreflightOutcome>;
}

export interface PreflightOutcome {
  ok: boolean;
  message: string;
  hints: string[];
}

/** Thrown inside a root to stop it at a step; carries what the report needs. */
class StepFailure extends Error {
  constructor(
    readonly step: RootStep,
    message: string,
    readonly diagnostics: Diagnostic[] = [],
    readonly hints: string[] = [],
  ) {
    super(message);
  }
}

export function emptyResult(spec: RootSpec, outcome: RootResult['outcome'], skipReason?: string): RootResult {
  return {
    root: spec.root,
    workingDirectory: spec.workingDirectory,
    outcome,
    ...(skipReason === undefined ? {} : { skipReason }),
    plannedStatements: [],
    terraformChanged: false,
    applied: false,
    appliedStatements: [],
    residualStatements: [],
    errors: [],
    warnings: [],
    hints: [],
    durationMs: 0,
  };
}

/** The roles root runs when roles-paths changed, or on every apply with roles-on-apply: always. */
export function rolesRootRuns(mode: Mode, inputs: Pick<Inputs, 'rolesOnApply'>, rolesChange: RolesChange): boolean {
  return rolesChange.changed || (mode === 'apply' && inputs.rolesOnApply === 'always');
}

/**
 * Runs the roots, roles first, then schema. Plan mode could overlap them, but two concurrent
 * `terraform init` runs are unsafe with a shared plugin cache (TF_PLUGIN_CACHE_DIR) and their
 * log groups would interleave; the schema root also needs the roles plan to recognise a first
 * bootstrap. Apply mode: a roles root that fails or does not converge stops the schema root.
 */
export async function runRoots(ctx: PipelineContext, roles: RootSpec, schema: RootSpec, rolesChange: RolesChange): Promise<RootResult[]> {
  const rolesResult = rolesRootRuns(ctx.mode, ctx.inputs, rolesChange)
    ? await runRoot(ctx, roles, undefined)
    : emptyResult(roles, 'skipped', rolesChange.reason);

  if (ctx.mode === 'apply' && (rolesResult.outcome === 'failed' || rolesResult.outcome === 'not-converged')) {
    const reason =
      rolesResult.outcome === 'failed'
        ? `Not run: the roles root failed during ${rolesResult.failedStep ?? 'its run'}, so the schema root was not started.`
        : 'Not run: the roles root did not converge, so the schema root was not started.';
    return [rolesResult, emptyResult(schema, 'not-run', reason)];
  }

  if (ctx.mode === 'plan' && createsRole(rolesResult.plannedStatements, ctx.inputs.dbUser)) {
    // First bootstrap: the schema env logs in as a user that does not exist until the roles
    // root is applied, so a schema plan now can only fail authentication. Nothing is started.
    const reason = `planned after the bootstrap. The schema root logs in as "${ctx.inputs.dbUser}", which the roles root of this change creates, so it cannot be planned before that root is applied. On merge it is planned and applied right after the roles root.`;
    log.info(`schema: ${reason}`);
    return [rolesResult, emptyResult(schema, 'skipped', reason)];
  }

  const schemaResult = await runRoot(ctx, schema, async () => {
    const rolesStatements = ctx.mode === 'apply' && rolesResult.applied ? rolesResult.appliedStatements : [];
    return ctx.beforeSchemaPlan ? ctx.beforeSchemaPlan(rolesStatements) : { ok: true, message: '', hints: [] };
  });
  return [rolesResult, schemaResult];
}

async function runRoot(
  ctx: PipelineContext,
  spec: RootSpec,
  beforePlan: (() => Promise<PreflightOutcome>) | undefined,
): Promise<RootResult> {
  const started = Date.now();
  const result = emptyResult(spec, 'planned');
  const cwd = path.resolve(ctx.workspace, spec.workingDirectory);
  const planFile = path.join(ctx.planDir, `${spec.root}.tfplan`);
  const verifyFile = path.join(ctx.planDir, `${spec.root}.verify.tfplan`);
  const step = async (name: RootStep, fn: () => Promise<TerraformRun>): Promise<TerraformRun> => {
    const run = await log.group(`${spec.root}: terraform ${name}`, fn).catch((err: unknown) => {
      throw new StepFailure(name, errorMessage(err));
    });
    const atlas = atlasPlan(run);
    mergeWarnings(result, atlas.warnings);
    // Only `plan -detailed-exitcode` uses 2 ("changes"); for init and apply anything but 0 failed.
    const ok = name === 'plan' || name === 'verify' ? planExitMeaning(run.exitCode) !== 'error' : run.exitCode === 0;
    if (!ok || atlas.errors.length > 0) {
      const first = atlas.errors[0];
      const message = first
        ? [first.summary, first.detail].filter(Boolean).join(': ')
        : `terraform ${name} exited with code ${run.exitCode}${run.stderrTail ? `: ${run.stderrTail}` : ''}`;
      throw new StepFailure(name, redact(message), atlas.errors);
    }
    return run;
  };

  try {
    const options = async () => ({
      binary: ctx.terraformBinary,
      cwd,
      env: await ctx.childEnv(),
      lockTimeout: ctx.inputs.lockTimeout,
    });

    await step('init', async () => terraformInit(await options()));

    if (beforePlan) {
      const pre = await beforePlan().catch((err: unknown) => {
        throw new StepFailure('preflight', errorMessage(err));
      });
      if (!pre.ok) throw new StepFailure('preflight', pre.message, [], pre.hints);
    }

    const planRun = await step('plan', async () => terraformPlan(await options(), planFile));
    const planned = atlasPlan(planRun);
    result.plannedStatements = planned.statements;
    result.terraformChanged = planRun.exitCode === 2;
    log.info(`${spec.root}: ${describePlan(planned.statements.length, result.terraformChanged)}`);

    if (ctx.mode === 'plan') {
      result.outcome = result.terraformChanged || planned.statements.length > 0 ? 'planned' : 'no-changes';
      return result;
    }

    if (!result.terraformChanged && planned.statements.length === 0) {
      // The plan itself proves convergence; applying an empty plan would only add a run.
      result.outcome = 'converged';
      return result;
    }

    const applyRun = await step('apply', async () => terraformApply(await options(), planFile)).catch(async (err: unknown) => {
      // What did the failed apply leave behind? Atlas normally runs a root's statements in one
      // transaction, but only the database can say: plan again and report what is pending.
      const check = await terraformPlan(await options(), verifyFile).catch(() => undefined);
      const pending = check ? atlasPlan(check) : undefined;
      if (check && pending && pending.errors.length === 0 && check.exitCode !== 1) result.pendingAfterFailure = pending.statements;
      throw err;
    });
    result.applied = true;
    const appliedSql = atlasPlan(applyRun).statements;
    result.appliedStatements = appliedSql.length > 0 ? appliedSql : planned.statements;

    const verifyRun = await step('verify', async () => terraformPlan(await options(), verifyFile));
    const verify = atlasPlan(verifyRun);
    result.residualStatements = verify.statements;
    if (verify.statements.length > 0) {
      // The report explains residual SQL next to the statements themselves.
      result.outcome = 'not-converged';
    } else if (verifyRun.exitCode === 2) {
      result.outcome = 'state-differs';
      result.hints.push(
        'Terraform still reports a change although Atlas has no SQL to run: the database converged, only the stored HCL text differs (formatting). The next apply refreshes the state.',
      );
    } else if (planned.statements.length === 0) {
      // The plan was a Terraform-only change (HCL text normalisation): Atlas ran nothing and
      // the apply only stored the new text. Reported, as the design says, as a warning.
      result.outcome = 'state-differs';
      result.hints.push(
        'Atlas had no SQL to run: only the HCL text stored in Terraform state differed (formatting). The apply updated the state without touching the database, so the next run reports plain converged.',
      );
    } else {
      result.outcome = 'converged';
    }
    return result;
  } catch (err) {
    const failure = err instanceof StepFailure ? err : new StepFailure('plan', errorMessage(err));
    result.outcome = 'failed';
    result.failedStep = failure.step;
    result.error = redact(failure.message);
    result.errors = failure.diagnostics.map((d) => ({ ...d, summary: redact(d.summary), detail: redact(d.detail) }));
    const text = [failure.message, ...failure.diagnostics.map((d) => `${d.summary}\n${d.detail}`)].join('\n');
    // A step that diagnosed itself (the preflight) knows better than pattern matching on text.
    result.hints.push(...(failure.hints.length > 0 ? failure.hints : hintsFor(text, hintContext(ctx))));
    result.hints = [...new Set(result.hints)];
    // The error annotation comes once, from setFailed at the end, after the comment is posted.
    log.info(`${spec.root}: ${failure.step} failed: ${failure.message}`);
    return result;
  } finally {
    result.durationMs = Date.now() - started;
  }
}

function hintContext(ctx: PipelineContext): HintContext {
  const role = ctx.mode === 'apply' ? ctx.inputs.applyRoleToAssume : ctx.inputs.roleToAssume;
  const account = roleAccount(role);
  return { awsProfile: ctx.inputs.awsProfile, dbUser: ctx.inputs.dbUser, region: ctx.inputs.awsRegion, ...(account ? { account } : {}) };
}

function mergeWarnings(result: RootResult, warnings: Diagnostic[]): void {
  const key = (d: Diagnostic): string => `${d.summary}\u0000${d.detail}`;
  const seen = new Set(result.warnings.map(key));
  for (const w of warnings) {
    if (seen.has(key(w))) continue;
    seen.add(key(w));
    result.warnings.push({ ...w, summary: redact(w.summary), detail: redact(w.detail) });
  }
}

function describePlan(statements: number, terraformChanged: boolean): string {
  if (statements > 0) return `${statements} SQL statement${statements === 1 ? '' : 's'} planned`;
  return terraformChanged ? 'no SQL, but Terraform reports a change' : 'no changes';
}
