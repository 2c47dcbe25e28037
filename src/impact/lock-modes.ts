// PostgreSQL's eight table-level lock modes and which conflict, from the PostgreSQL 17 manual,
// "13.3.1. Table-Level Locks" (https://www.postgresql.org/docs/17/explicit-locking.html),
// Table 13.2 "Conflicting Lock Modes". pg_locks names them in CamelCase ("AccessShareLock").

/** A table-level lock mode, as the manual writes it. */
export type LockMode =
  | 'ACCESS SHARE'
  | 'ROW SHARE'
  | 'ROW EXCLUSIVE'
  | 'SHARE UPDATE EXCLUSIVE'
  | 'SHARE'
  | 'SHARE ROW EXCLUSIVE'
  | 'EXCLUSIVE'
  | 'ACCESS EXCLUSIVE';

/** Weakest first: a stronger mode conflicts with everything a weaker one conflicts with. */
export const LOCK_MODES: readonly LockMode[] = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];

// Table 13.2, row by row: the modes each one conflicts with.
const CONFLICTS: Record<LockMode, readonly LockMode[]> = {
  'ACCESS SHARE': ['ACCESS EXCLUSIVE'],
  'ROW SHARE': ['EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ROW EXCLUSIVE': ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE UPDATE EXCLUSIVE': ['SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  SHARE: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE ROW EXCLUSIVE': ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  EXCLUSIVE: ['ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ACCESS EXCLUSIVE': LOCK_MODES,
};

/** True when a session holding `held` makes a request for `wanted` wait (the relation is symmetric). */
export function conflicts(held: LockMode, wanted: LockMode): boolean {
  return CONFLICTS[wanted].includes(held);
}

/** The stronger of two modes (undefined counts as no lock). */
export function stronger(a: LockMode | undefined, b: LockMode | undefined): LockMode | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;
}

/** "AccessExclusiveLock" (pg_locks.mode) → "ACCESS EXCLUSIVE"; undefined for non-table modes. */
export function fromPgLocksMode(mode: string): LockMode | undefined {
  const words = mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
  return (LOCK_MODES as readonly string[]).includes(words) ? (words as LockMode) : undefined;
}
