import type { TerraformRun } from '../core/index.js';
import { resolveTerraformBinary, terraformApply, terraformCheckPlan, terraformInit, terraformPlan, type TerraformOptions } from './cli.js';

// Every Terraform command the action runs, as one small interface (as atlas-action's AtlasExec
// and create-pull-request's GitCommandManager do): the roots call these methods and never spawn
// a process themselves, so run() and both modes can be driven in-process by a fake that returns
// recorded `-json` streams.

/** The Terraform commands of a run. */
export interface Terraform {
  /** The binary the commands run (the real one, not setup-terraform's wrapper). */
  resolveBinary(): Promise<string>;
  /** `terraform init`. */
  init(o: TerraformOptions): Promise<TerraformRun>;
  /** `terraform plan -out=planFile -detailed-exitcode`. */
  plan(o: TerraformOptions, planFile: string): Promise<TerraformRun>;
  /** A plan that only looks (no plan file, no state lock), after a failed apply. */
  checkPlan(o: TerraformOptions): Promise<TerraformRun>;
  /** `terraform apply` of a saved plan file. */
  apply(o: TerraformOptions, planFile: string): Promise<TerraformRun>;
}

/** The real Terraform CLI: each method spawns `terraform` with `-json`. */
export const terraformCli: Terraform = {
  resolveBinary: () => resolveTerraformBinary(),
  init: terraformInit,
  plan: terraformPlan,
  checkPlan: terraformCheckPlan,
  apply: terraformApply,
};
