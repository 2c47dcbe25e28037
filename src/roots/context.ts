import * as path from 'node:path';
import type { Classification, Inputs, Logger, Mode, ReviewContext } from '../core/index.js';
import type { HintContext } from '../aws/index.js';
import type { Terraform } from '../terraform/index.js';
import type { ImpactHook } from './impact-phase.js';
import type { RootSpec } from './root-result.js';
import type { RootRunner } from './steps.js';
import type { RootResult } from './types.js';

// What the roots need from the run, and how one root's steps are set up from it.

export interface PipelineContext {
  mode: Mode;
  inputs: Inputs;
  workspace: string;
  /** The Terraform commands (the CLI in the action, a fake in the in-process tests). */
  terraform: Terraform;
  terraformBinary: string;
  /** Directory for plan files; removed by the caller. */
  planDir: string;
  /** Environment for terraform, fetched per command so renewed credentials are used. */
  childEnv(): Promise<Record<string, string>>;
  classify(statements: string[]): Promise<Classification[]>;
  /** The IAM-token preflight before the schema root's plan; absent when db-endpoint is unset. */
  preflight?(createdInThisRun: boolean): Promise<PreflightOutcome>;
  /**
   * Apply mode: the merged PR's review and labels, for the gate. Looked up while the roots
   * init and plan; each gate waits for it.
   */
  review?: () => Promise<ReviewContext>;
  hintContext: HintContext;
  /** The impact facts phase (impact-phase.ts): started per root in plan mode, a re-check before each apply. */
  impact?: ImpactHook;
  /**
   * Called once the first `terraform init` has been spawned (see afterSpawns): what waits for
   * Terraform anyway (loading the SQL parser, the live catalog read) starts here.
   */
  initsStarted?(): void;
}

/**
 * Resolves one event-loop turn later. Terraform commands started before it have been spawned by
 * then (nothing awaits I/O between starting a command and its spawn), and Node compiles a
 * dynamically imported chunk synchronously, inside `import()`: code loaded after this (the
 * preflight's signer, the SQL parser, pg) cannot delay the inits' start.
 */
export function afterSpawns(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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

/** How one root's steps run: its Terraform, files, fresh options per command, and log. */
export function runner(ctx: PipelineContext, spec: RootSpec, logger: Logger): RootRunner {
  return {
    spec,
    terraform: ctx.terraform,
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
