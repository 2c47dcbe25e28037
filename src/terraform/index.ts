// terraform/: the only module that spawns Terraform, and the reader of its machine-readable
// (-json) stream. May import core/ only.

/** Finds the real terraform binary (not hashicorp/setup-terraform's wrapper script). */
export { resolveTerraformBinary } from './cli.js';
/** How to run terraform for one root: binary, directory, environment, log. */
export type { TerraformOptions } from './cli.js';
/** `terraform init`. */
export { terraformInit } from './cli.js';
/** `terraform plan -out` with -detailed-exitcode. */
export { terraformPlan } from './cli.js';
/** A plan that only looks: no plan file, no state lock. */
export { terraformCheckPlan } from './cli.js';
/** `terraform apply` of a saved plan file. */
export { terraformApply } from './cli.js';
/** Meaning of `terraform plan -detailed-exitcode`: no changes, changes or error. */
export { planExitMeaning } from './json-ui.js';
