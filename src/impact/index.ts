// What the SQL does to the data: locks, rewrites, sizes and predicted failures from live facts
// (issue 21). The integration calls, per root, in a plan run:
//
//   const plan = await planImpact(root, statements);            // pure: parse + lock model
//   const report = await assessImpact(session, plan, options);  // read-only facts + bounded checks
//   report.rows     → the `impact` output (JSON array of ImpactRow)
//   report.tables   → the comment's "Impact" part (one TableImpact per affected table)
//   report.willFail → "will fail" in the plan's headline; on merge, hold the root
//
// `session` is the database layer's ReadOnlySession (READ ONLY transaction, statement_timeout,
// lock_timeout, a total budget); assessImpact never ends it. Everything here is data: names
// are hostile text for the report's writers; no row value is ever read out of the database.

/** Parses a root's SQL and models the locks and rewrites each statement takes (pure); the parser can load early. */
export { planImpact, warmImpactParser } from './plan.js';
/** Reads the live facts for a plan and runs the bounded predicted-failure checks, on up to IMPACT_CHECK_SESSIONS sessions. */
export { assessImpact, IMPACT_CHECK_SESSIONS } from './assess.js';
/**
 * assessImpact's options (scan limit, budget).
 * @internal The harness tests set them; the roots pass an object literal.
 */
export type { ImpactOptions } from './assess.js';
/** What assessImpact found: the output rows, one entry per affected table, and why a table blocks. */
export type { Blocker, ImpactReport, TableImpact } from './report.js';
/**
 * PostgreSQL's table lock modes, weakest first.
 * @internal Used inside impact/; the harness tests hold the lock model to pg_locks.
 */
export { LOCK_MODES } from './lock-modes.js';
/**
 * Whether a column type change rewrites the table.
 * @internal Used inside impact/; the unit tests check it type pair by type pair.
 */
export { typeChangeRewrites, parseFormatType, type TypeSpec } from './column-types.js';
