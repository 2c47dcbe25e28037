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
/**
 * Applies parsed statements to a copy of a snapshot; reports what it does not model.
 * @internal planAccess does this in the action; the oracle tests call it directly.
 */
export { applyStatements, type PlannedStatement } from './apply.js';
/** The `access-changes` output shape of a diff's changes. */
export { accessChangesJson } from './diff.js';
/** Who gains and loses what, and what the model could not follow. */
export type { AccessChange, AccessDiff } from './diff-types.js';
/**
 * Effective privileges (has_*_privilege / pg_has_role semantics) of every role on every object.
 * @internal The diff uses them inside access/; the oracle tests compare them with PostgreSQL's answers.
 */
export { effectiveAccess, hasRole } from './effective.js';
/** The model's key of an object (schema, name, kind, arguments). */
export { objectKey } from './names.js';
/**
 * Object names as PostgreSQL writes them (quote_ident), and keys from parts.
 * @internal Used inside access/; the oracle tests build keys and names with them.
 */
export { keyOf, quoteIdent } from './names.js';
/** A catalog privilege name (SELECT, …) as the model's bit. */
export { privilegeFromCatalog } from './privileges.js';
/**
 * Privilege bits.
 * @internal Used inside access/; the oracle tests compare masks.
 */
export { PRIV, privilegeBit } from './privileges.js';
/** The snapshot (model input) types. */
export * from './types.js';
