// publish/: the report leaves the process. The job summary and outputs first, then the PR
// comment (upsert) and the drift issue, each bounded in time. May import every folder below it.

/** Writes the summary and outputs, then the comment and the drift issue. */
export { publish } from './publish.js';
/** Starts listing our comments on the run's pull requests, and asking their last editor, while Terraform runs. */
export { listOursEarly } from './publish.js';
/** Rejects when a promise has not settled within the given time. */
export { withDeadline } from './publish.js';
/** The action's output names (a contract with users' workflows). */
export { OUTPUT } from './outputs.js';
/** The action's I/O with the runner (outputs, job summary, failed status), as run() receives it. */
export type { ActionIO } from './io.js';
/** The runner's I/O through @actions/core. */
export { actionsIO } from './io.js';
