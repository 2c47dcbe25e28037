// roots/: running the two Terraform roots. Per-root steps (init, plan, gate, apply, verify),
// plan mode (roots side by side) and apply mode (roles, then schema), and the results they
// produce. May import every folder below it (core/ … lint/).

/** Runs both roots in the run's mode and returns their results. */
export { runRoots } from './pipeline.js';
/** What the roots need from the run: mode, inputs, Terraform, environment, classifier, preflight, review. */
export type { PipelineContext } from './pipeline.js';
/** What the IAM-token preflight found, as the roots act on it. */
export type { PreflightOutcome } from './pipeline.js';
/** What the roots returned: their results and the notices for the top of the report. */
export type { PipelineResult } from './pipeline.js';
/** Whether the roles root runs, and why not; decided once per run. */
export type { RolesDecision } from './pipeline.js';
/** Plan runs: the live access catalog read beside Terraform, and the access diff of the planned SQL. */
export { startAccessFacts, accessPhase, type AccessFacts, type AccessOutcome } from './access-phase.js';
/** One root's result: what it planned, what the gate decided, what it applied, whether it converged. */
export type { RootResult } from './types.js';
/** Everything a run found, from which the comment, the summary, the outputs and the exit status derive. */
export type { Report } from './types.js';
/** The impact facts phase: beside the plans, and the re-check before each apply. */
export { impactPhase, type ImpactHook } from './impact-phase.js';
/** How the live facts (access catalog, impact) open their read-only session; injected by run(). */
export type { OpenFacts } from './facts-session.js';
