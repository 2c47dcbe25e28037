import { applyStatements, type PlannedStatement } from './apply.js';
import { diffAccess } from './diff.js';
import type { AccessDiff } from './diff-types.js';
import type { AccessSnapshot } from './types.js';

/** The state a plan starts from when the catalog could not be read: nothing but the migration user (a superuser stand-in is not assumed). */
export function emptySnapshot(opts: { serverVersionNum: number; database: string; currentUser: string }): AccessSnapshot {
  return {
    serverVersionNum: opts.serverVersionNum,
    database: opts.database,
    currentUser: opts.currentUser,
    bootstrapSuperuser: 'rdsadmin',
    roles: [],
    memberships: [],
    objects: [],
    defaultAcls: [],
  };
}

/** Applies the planned statements to `before` and diffs: the one call the pipeline needs. */
export function planAccess(before: AccessSnapshot, statements: readonly PlannedStatement[]): AccessDiff {
  const applied = applyStatements(before, statements);
  return diffAccess(
    before,
    applied,
    statements.map((s) => s.sql),
  );
}
