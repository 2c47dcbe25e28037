// Live facts, read-only: one bounded session (READ ONLY transaction, statement and lock
// timeouts, a total budget) and the catalog readers that use it. Nothing here runs plan SQL.

export {
  openReadOnlySession,
  SessionBudgetExceeded,
  type OpenSession,
  type ReadOnlySession,
  type SessionOptions,
} from './session.js';
export { CATALOG_QUERY_COUNT, readAccessCatalog } from './catalog.js';
/** Per-table live facts for the impact part (sizes, emptiness, columns, locks held now) in a fixed number of queries. */
export {
  readImpactFacts,
  FACT_QUERIES,
  type TableRequest,
  type ColumnFact,
  type HeldLock,
  type TableFacts,
  type FactsOptions,
  type ImpactFacts,
} from './impact-facts.js';
/** A bounded predicted-failure check (one count, capped), built from quoted identifiers only. */
export { runCheck, checkSql, type CheckQuery, type CheckOutcome } from './impact-checks.js';
/** The checks of a plan over a few sessions at once, in order. */
export { runChecks, NOT_STARTED } from './check-pool.js';
