// The access model: pure (no database, no network). Given a snapshot of roles, memberships,
// objects and ACLs (src/database reads one from the live catalogs; emptySnapshot() stands for
// "SQL only"), it applies planned statements, computes effective privileges before and after
// as PostgreSQL's has_*_privilege would answer, and lists who gains and who loses what, which
// changes widen access, REVOKEs that leave the privilege reachable, and what it cannot follow.
//
// Typical use (integration):
//   const before = await readAccessCatalog(session)            // src/database
//   const diff = planAccess(before, parsedStatements)          // AccessDiff
//   setOutput('access-changes', JSON.stringify(accessChangesJson(diff.changes)))

/** Apply + diff in one call; emptySnapshot() when the catalog cannot be read. */
export { emptySnapshot, planAccess } from './plan.js';
/** Applies parsed statements to a copy of a snapshot; reports what it does not model. */
export { applyStatements, type AppliedPlan, type PlannedStatement } from './apply.js';
/** Diffs a snapshot against an applied plan; the `access-changes` output shape. */
export { accessChangesJson, diffAccess } from './diff.js';
export type { AccessChange, AccessChangeJson, AccessDiff, RetainedAccess } from './diff-types.js';
/** Effective privileges (has_*_privilege / pg_has_role semantics) of every role on every object. */
export { effectiveAccess, hasRole, privilegesOf, type EffectiveAccess } from './effective.js';
/** Object names as PostgreSQL writes them (quote_ident) and the model's object keys. */
export { displayName, keyOf, objectKey, quoteIdent } from './names.js';
/** Privilege bits and names. */
export { PRIV, privilegeBit, privilegeFromCatalog, privilegeNames, type PrivilegeName } from './privileges.js';
/** The snapshot (model input) types. */
export * from './types.js';
