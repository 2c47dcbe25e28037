// run/: the run from inputs to exit status: inputs, event, credentials, guardrails, the roots,
// the report, publishing and the exit status. May import every folder.

/** Runs the action; reports every failure itself. */
export { run } from './main.js';
