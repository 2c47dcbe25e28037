// event/: what this run is about. The GitHub event becomes a RunContext (mode, commit range,
// pull requests), and the commit range says whether the roles root runs. May import core/,
// inputs/, and github/ (the changed files of a range come from the API).

/** The run's context from the inputs and the event alone; pure. */
export { buildRunContext } from './event.js';
/** The workflow event as @actions/github reads it from the runner (tests fill it from recorded payloads). */
export type { EventContext } from './event.js';
/** Did anything under roles-paths change in the run's commit range? "Yes" whenever GitHub cannot tell. */
export { detectRolesChange } from './changes.js';
