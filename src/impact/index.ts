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
// lock_timeout, a total budget); assessImpact never ends it (it ends the extra sessions it
// opens through options.moreSessions for the checks). Everything here is data: names
// are hostile text for the report's writers; no row value is ever read out of the database.

export { planImpact, warmImpactParser, type ImpactPlan, type PlannedStatement } from './plan.js';
export { assessImpact, DEFAULT_SCAN_LIMIT_ROWS, IMPACT_CHECK_SESSIONS, type ImpactOptions } from './assess.js';
export type { Blocker, ImpactReport, ImpactRow, TableImpact } from './report.js';
export { LOCK_TABLE, type Form, type LockRule, type Work } from './lock-table.js';
export { conflicts, LOCK_MODES, type LockMode } from './lock-modes.js';
export { modelStatement, type Effect, type Intent, type RelRef, type StatementModel } from './statements.js';
export { typeChangeRewrites, parseFormatType, type TypeSpec } from './column-types.js';
