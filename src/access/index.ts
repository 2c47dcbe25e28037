// The access model: pure (no database, no network). Given a snapshot of roles, memberships,
// objects and ACLs (src/database reads one from the live catalogs; an empty one stands for
// "SQL only"), it applies planned statements, computes effective privileges before and after,
// and lists who gains and who loses what, and which changes widen access.

export { applyStatements, type AppliedPlan, type PlannedStatement } from './apply.js';
export { effectiveAccess, hasRole, privilegesOf, type EffectiveAccess } from './effective.js';
export { displayName, keyOf, objectKey, quoteIdent } from './names.js';
export { PRIV, privilegeBit, privilegeNames, type PrivilegeName } from './privileges.js';
export * from './types.js';
