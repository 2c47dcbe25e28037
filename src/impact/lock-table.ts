import type { LockMode } from './lock-modes.js';

// What each kind of statement does to an existing table: the lock it takes and whether it
// rewrites the table, reads every row (scan, including an index build), or only changes the
// catalog. One row per form, each citing the PostgreSQL 17 manual:
//   [AT]  ALTER TABLE, "Description" and "Notes"  https://www.postgresql.org/docs/17/sql-altertable.html
//   [LK]  13.3 Explicit Locking                    https://www.postgresql.org/docs/17/explicit-locking.html
//   [CI]  CREATE INDEX, "Building Indexes Concurrently"  https://www.postgresql.org/docs/17/sql-createindex.html
//   [DI]  DROP INDEX, CONCURRENTLY                 https://www.postgresql.org/docs/17/sql-dropindex.html
// test/harness/impact-locks.test.ts runs each form on a real PostgreSQL 17 and compares the
// strongest mode in pg_locks and the relfilenode (rewrite) with this table.
//
// The Atlas provider applies the whole plan in one transaction by default: a lock is held from
// its statement until the plan commits, and a CONCURRENTLY form cannot run at all ("cannot run
// inside a transaction block"), which `outsideTransaction` marks.

export type Work = 'rewrite' | 'scan' | 'catalog';

export interface LockRule {
  lock: LockMode;
  work: Work;
  /** The form refuses to run inside a transaction block. */
  outsideTransaction?: true;
  /** Where the manual says so. */
  doc: string;
}

export const LOCK_TABLE = {
  'DROP TABLE': { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: '[LK] ACCESS EXCLUSIVE: acquired by DROP TABLE' },
  TRUNCATE: { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: '[LK] ACCESS EXCLUSIVE: acquired by TRUNCATE' },
  'CREATE INDEX': { lock: 'SHARE', work: 'scan', doc: '[LK] SHARE: acquired by CREATE INDEX (without CONCURRENTLY)' },
  'CREATE INDEX CONCURRENTLY': {
    lock: 'SHARE UPDATE EXCLUSIVE',
    work: 'scan',
    outsideTransaction: true,
    doc: '[LK] SHARE UPDATE EXCLUSIVE: CREATE INDEX CONCURRENTLY; [CI] cannot be executed inside a transaction block',
  },
  'DROP INDEX': { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: "[DI] without CONCURRENTLY: ACCESS EXCLUSIVE on the index's table" },
  'DROP INDEX CONCURRENTLY': {
    lock: 'SHARE UPDATE EXCLUSIVE',
    work: 'catalog',
    outsideTransaction: true,
    doc: '[DI] CONCURRENTLY: SHARE UPDATE EXCLUSIVE; cannot be executed inside a transaction block',
  },
  'ADD COLUMN': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'catalog',
    doc: '[AT] Notes: a non-volatile default is stored in the catalog, no rewrite',
  },
  'ADD COLUMN (rewrite)': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'rewrite',
    doc: '[AT] Notes: a volatile default, identity, serial or stored generated column rewrites the table',
  },
  'ADD COLUMN (checked)': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'scan',
    doc: '[AT] Notes: an inline constraint is checked (or its index built) over every row',
  },
  'DROP COLUMN': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'catalog',
    doc: '[AT] DROP COLUMN: the column is made invisible, not removed physically',
  },
  'ALTER COLUMN TYPE': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'rewrite',
    doc: '[AT] Notes: a type change rewrites the table unless the old type is binary coercible to the new one',
  },
  'ALTER COLUMN TYPE (binary coercible)': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'catalog',
    doc: '[AT] Notes: binary coercible or unconstrained: no rewrite (indexes may still be rebuilt)',
  },
  'SET DEFAULT': { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: '[AT] SET/DROP DEFAULT: affects only later INSERT/UPDATE' },
  'SET NOT NULL': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'scan',
    doc: '[AT] SET NOT NULL: the whole table is scanned unless a valid CHECK proves it',
  },
  'DROP NOT NULL': { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: '[AT] DROP NOT NULL' },
  'SET STATISTICS': { lock: 'SHARE UPDATE EXCLUSIVE', work: 'catalog', doc: '[AT] SET STATISTICS acquires SHARE UPDATE EXCLUSIVE' },
  'SET ATTRIBUTE OPTIONS': {
    lock: 'SHARE UPDATE EXCLUSIVE',
    work: 'catalog',
    doc: '[AT] SET/RESET ( attribute_option ): SHARE UPDATE EXCLUSIVE',
  },
  'SET STORAGE': { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: '[AT] SET STORAGE / COMPRESSION: affects only later writes' },
  'ADD CHECK': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'scan',
    doc: '[AT] most ADD table_constraint take ACCESS EXCLUSIVE; the rows are checked',
  },
  'ADD CHECK NOT VALID': { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: '[AT] NOT VALID: existing rows are not checked' },
  'ADD FOREIGN KEY': {
    lock: 'SHARE ROW EXCLUSIVE',
    work: 'scan',
    doc: '[AT] ADD FOREIGN KEY: SHARE ROW EXCLUSIVE on the table and on the referenced table; rows are checked',
  },
  'ADD FOREIGN KEY NOT VALID': { lock: 'SHARE ROW EXCLUSIVE', work: 'catalog', doc: '[AT] ADD FOREIGN KEY … NOT VALID: no row is checked' },
  'ADD UNIQUE / PRIMARY KEY': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'scan',
    doc: '[AT] ADD table_constraint: ACCESS EXCLUSIVE; the index is built',
  },
  'ADD CONSTRAINT USING INDEX': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'catalog',
    doc: '[AT] ADD table_constraint_using_index: the existing index is used (a PRIMARY KEY still checks NOT NULL)',
  },
  'VALIDATE CONSTRAINT': {
    lock: 'SHARE UPDATE EXCLUSIVE',
    work: 'scan',
    doc: '[AT] VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE on the table (ROW SHARE on a referenced table)',
  },
  'DROP CONSTRAINT': { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: '[AT] DROP CONSTRAINT' },
  'ENABLE / DISABLE TRIGGER': {
    lock: 'SHARE ROW EXCLUSIVE',
    work: 'catalog',
    doc: '[AT] DISABLE/ENABLE TRIGGER acquires SHARE ROW EXCLUSIVE',
  },
  'CLUSTER ON': { lock: 'SHARE UPDATE EXCLUSIVE', work: 'catalog', doc: '[AT] CLUSTER ON / SET WITHOUT CLUSTER: SHARE UPDATE EXCLUSIVE' },
  'SET STORAGE PARAMETER': {
    lock: 'SHARE UPDATE EXCLUSIVE',
    work: 'catalog',
    doc: '[AT] SET ( storage_parameter ): SHARE UPDATE EXCLUSIVE for fillfactor, toast and autovacuum parameters',
  },
  'SET LOGGED / UNLOGGED': { lock: 'ACCESS EXCLUSIVE', work: 'rewrite', doc: '[AT] SET LOGGED/UNLOGGED rewrites the table' },
  'SET TABLESPACE / ACCESS METHOD': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'rewrite',
    doc: '[AT] SET TABLESPACE / ACCESS METHOD: the data files are rewritten',
  },
  'SET EXPRESSION': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'rewrite',
    doc: '[AT] SET EXPRESSION: the column is recomputed, the table rewritten',
  },
  'ATTACH PARTITION': {
    lock: 'SHARE UPDATE EXCLUSIVE',
    work: 'scan',
    doc: '[AT] ATTACH PARTITION: SHARE UPDATE EXCLUSIVE on the parent; the partition is scanned',
  },
  'DETACH PARTITION': { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: '[AT] DETACH PARTITION without CONCURRENTLY' },
  'DETACH PARTITION CONCURRENTLY': {
    lock: 'SHARE UPDATE EXCLUSIVE',
    work: 'catalog',
    outsideTransaction: true,
    doc: '[AT] DETACH PARTITION CONCURRENTLY: SHARE UPDATE EXCLUSIVE; cannot run in a transaction block',
  },
  'ALTER TABLE (other)': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'catalog',
    doc: '[AT] "an ACCESS EXCLUSIVE lock is acquired unless explicitly noted"',
  },
  RENAME: { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: '[AT] RENAME (table, column, constraint): ACCESS EXCLUSIVE' },
  'SET SCHEMA': { lock: 'ACCESS EXCLUSIVE', work: 'catalog', doc: '[AT] SET SCHEMA' },
  'CREATE TRIGGER': { lock: 'SHARE ROW EXCLUSIVE', work: 'catalog', doc: '[LK] SHARE ROW EXCLUSIVE: acquired by CREATE TRIGGER' },
  'CREATE / ALTER / DROP POLICY': {
    lock: 'ACCESS EXCLUSIVE',
    work: 'catalog',
    doc: '[LK] many forms of ALTER TABLE-like DDL; policies take ACCESS EXCLUSIVE',
  },
  'INSERT / UPDATE / DELETE': {
    lock: 'ROW EXCLUSIVE',
    work: 'scan',
    doc: '[LK] ROW EXCLUSIVE: acquired by UPDATE, DELETE, INSERT and MERGE',
  },
} as const satisfies Record<string, LockRule>;

export type Form = keyof typeof LOCK_TABLE;
