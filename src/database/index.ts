// Live facts, read-only: one bounded session (READ ONLY transaction, statement and lock
// timeouts, a total budget) and the catalog readers that use it. Nothing here runs plan SQL.

/** One bounded read-only session (READ ONLY transaction, timeouts, a total budget), and the error when the budget runs out. */
export { openReadOnlySession, SessionBudgetExceeded, type OpenSession, type ReadOnlySession, type SessionOptions } from './session.js';
/** Reads roles, memberships, objects and ACLs from the live catalogs in a fixed number of queries. */
export { readAccessCatalog } from './catalog.js';
/**
 * That fixed number of queries.
 * @internal The session tests hold readAccessCatalog to it.
 */
export { CATALOG_QUERY_COUNT } from './catalog.js';
/** Per-table live facts for the impact part (sizes, emptiness, columns, locks held now) in a fixed number of queries. */
export { readImpactFacts, type TableRequest, type ColumnFact, type TableFacts, type ImpactFacts } from './impact-facts.js';
/** A bounded predicted-failure check (one count, capped), built from quoted identifiers only. */
export { type CheckQuery } from './impact-checks.js';
/** The checks of a plan over a few sessions at once, in order; NOT_STARTED marks those the budget left out. */
export { runChecks, NOT_STARTED } from './check-pool.js';
