import { atlasPlan } from '../atlas/index.js';
import { hintsFor, type HintContext } from '../aws/index.js';
import {
  errorMessage,
  type Logger,
  type AtlasPlan,
  type Classification,
  type Diagnostic,
  type RootStep,
  type TerraformRun,
} from '../core/index.js';
import { StepFailure, type RootSpec } from './root-result.js';
import type { PlannedRoot } from './types.js';
import { planExitMeaning, type Terraform, type TerraformOptions } from '../terraform/index.js';

// The steps of one root, each one idea: init, plan, apply, verify, and the check after a failed
// apply. Each runs one terraform command and returns what the database and Atlas said; a step
// that cannot vouch for its result throws a StepFailure. The order and the decisions between
// steps live in pipeline.ts and gate.ts.

export interface RootRunner {
  spec: RootSpec;
  /** The Terraform commands (the CLI, or a fake in the in-process tests). */
  terraform: Terraform;
  /** Where the terraform commands of this root log (a buffer when roots run side by side). */
  logger: Logger;
  planFile: string;
  verifyFile: string;
  /** Fresh options per command: credentials may have been renewed in between. */
  options(): Promise<TerraformOptions>;
  hintContext: HintContext;
}

export interface StepOutput {
  run: TerraformRun;
  atlas: AtlasPlan;
}

/** Plans and their verify/check runs speak -detailed-exitcode; init and apply must exit 0. */
const DETAILED_EXITCODE: readonly RootStep[] = ['plan', 'verify'];

async function runStep(r: RootRunner, step: RootStep, command: (o: TerraformOptions) => Promise<TerraformRun>): Promise<StepOutput> {
  let run: TerraformRun;
  try {
    run = await command(await r.options());
  } catch (err) {
    throw new StepFailure(step, errorMessage(err));
  }
  const atlas = atlasPlan(run);
  const ok = DETAILED_EXITCODE.includes(step) ? planExitMeaning(run.exitCode) !== 'error' : run.exitCode === 0;
  if (!ok || atlas.errors.length > 0) {
    const first = atlas.errors[0];
    const message = first
      ? [first.summary, first.detail].filter(Boolean).join(': ')
      : `terraform ${step} exited with code ${run.exitCode}${run.stderrTail ? `: ${run.stderrTail}` : ''}`;
    throw failure(step, message, atlas, r.hintContext);
  }
  // Without its `version` event the stream is not Terraform's machine-readable UI (a wrapper,
  // a truncated run, another program): "no SQL" from it would be a guess, never a result.
  if (step !== 'init' && !run.sawVersion) {
    throw new StepFailure(
      step,
      `terraform ${step} exited with code ${run.exitCode} without printing its machine-readable output (no "version" event in the -json stream), so nothing it did or planned can be known. Check that "terraform" is the real binary, not a wrapper script.`,
    );
  }
  return { run, atlas };
}

function failure(step: RootStep, message: string, atlas: AtlasPlan, hints: HintContext): StepFailure {
  const text = [message, ...atlas.errors.map((d) => `${d.summary}\n${d.detail}`)].join('\n');
  return new StepFailure(step, message, atlas.errors, hintsFor(text, hints), atlas.statements, atlas.warnings);
}

export async function initStep(r: RootRunner): Promise<StepOutput> {
  return runStep(r, 'init', (o) => r.terraform.init(o));
}

export async function planStep(r: RootRunner, classify: (statements: string[]) => Promise<Classification[]>): Promise<PlannedRoot> {
  const { run, atlas } = await runStep(r, 'plan', (o) => r.terraform.plan(o, r.planFile));
  return {
    statements: atlas.statements,
    classifications: await classify(atlas.statements),
    destroys: destroysOf(run),
    terraformChanged: run.exitCode === 2,
    warnings: atlas.warnings,
  };
}

/** Deleting or replacing an atlas_schema makes the provider run `atlas schema clean`. */
export function destroysOf(run: TerraformRun): string[] {
  return run.plannedChanges
    .filter(
      (c) => /(^|\.)atlas_schema\.[^.]+$/.test(c.address.replace(/\[[^\]]*\]$/, '')) && (c.action === 'delete' || c.action === 'replace'),
    )
    .map((c) => c.address);
}

export interface AppliedRoot {
  /** The SQL the apply stream reported (the provider re-plans right before applying). */
  statements: string[];
  warnings: Diagnostic[];
}

export async function applyStep(r: RootRunner): Promise<AppliedRoot> {
  const { atlas } = await runStep(r, 'apply', (o) => r.terraform.apply(o, r.planFile));
  return { statements: atlas.statements, warnings: atlas.warnings };
}

/**
 * After a failed or interrupted apply: what does the database still need? Atlas normally runs
 * a root's statements in one transaction, but only the database can say what was committed.
 * Undefined when the check itself could not run or could not be trusted.
 */
export async function checkAfterFailure(r: RootRunner): Promise<string[] | undefined> {
  try {
    const run = await r.terraform.checkPlan(await r.options());
    const atlas = atlasPlan(run);
    if (planExitMeaning(run.exitCode) === 'error' || atlas.errors.length > 0 || !run.sawVersion) return undefined;
    return atlas.statements;
  } catch {
    return undefined;
  }
}

export interface VerifiedRoot {
  residual: string[];
  terraformChanged: boolean;
  warnings: Diagnostic[];
}

export async function verifyStep(r: RootRunner): Promise<VerifiedRoot> {
  const { run, atlas } = await runStep(r, 'verify', (o) => r.terraform.plan(o, r.verifyFile));
  return { residual: atlas.statements, terraformChanged: run.exitCode === 2, warnings: atlas.warnings };
}
