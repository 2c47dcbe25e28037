// terraform/: the only module that spawns Terraform, and the reader of its machine-readable
// (-json) stream. May import core/ only.

/** The Terraform commands of a run, as one interface (the seam the in-process tests fake). */
export type { Terraform } from './terraform.js';
/** The real Terraform CLI behind the Terraform interface. */
export { terraformCli } from './terraform.js';
/** Finds the real terraform binary (not hashicorp/setup-terraform's wrapper script). */
export { resolveTerraformBinary } from './cli.js';
/** How to run terraform for one root: binary, directory, environment, log. */
export type { TerraformOptions } from './cli.js';
/** Meaning of `terraform plan -detailed-exitcode`: no changes, changes or error. */
export { planExitMeaning } from './json-ui.js';
