// Live facts, read-only: one bounded session (READ ONLY transaction, statement and lock
// timeouts, a total budget) and the catalog readers that use it. Nothing here runs plan SQL.

export { openReadOnlySession, SessionBudgetExceeded, type OpenSession, type ReadOnlySession, type SessionOptions } from './session.js';
export { CATALOG_QUERY_COUNT, readAccessCatalog } from './catalog.js';
