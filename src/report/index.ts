// report/: pure rendering of a Report. The headline, the comment and summary bodies fitted to
// GitHub's limits, and the run's failure message and drift status derived from the report. No I/O. May
// import every folder below it.

/** What a rendering needs besides the report: our comment's marker, links, inputs the wording depends on. */
export type { RenderOptions } from './render.js';
/** The PR comment body, fitted to GitHub's comment limit. */
export { renderComment } from './fit.js';
/** The job summary body, fitted to GitHub's summary limit. */
export { renderSummary } from './fit.js';
/** The one-line headline, derived from what the database showed. */
export { headline } from './headline.js';
/** Why the run failed, as one message; undefined when it did not. */
export { failureMessage } from './failure.js';
/** A drift check's result: drift, clean, or unknown when a root could not be checked. */
export { driftStatus } from './failure.js';
