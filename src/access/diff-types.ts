import type { NotModelled, ObjectKind } from './types.js';

/** One row of the access diff. */
export interface AccessChange {
  /** The role, or PUBLIC. */
  role: string;
  /** login roles first, then groups, then PUBLIC, when shown. */
  roleKind: 'login' | 'group' | 'public';
  change: 'gains' | 'loses';
  /** A privilege (SELECT, … , "SELECT WITH GRANT OPTION"), OWNER, MEMBER, ADMIN OPTION, SECURITY DEFINER, or a role attribute (LOGIN, IAM LOGIN, SUPERUSER, CREATEROLE, …). */
  privilege: string;
  objectKind: ObjectKind | 'role' | 'cluster';
  /** quote_ident-quoted: schema.name, schema.name(args), a schema, database or role name; '' for role attributes. */
  object: string;
  /** How the role holds it (after a gain) or held it (before a loss). */
  via: string;
  /** The planned statement behind it ('' when none can be named). */
  statement: string;
  statementIndex: number | null;
  /** Why this change widens access, or null. */
  widening: string | null;
}

/** A REVOKE that took a grant away while the privilege stays reachable another way. */
export interface RetainedAccess {
  role: string;
  privilege: string;
  object: string;
  /** How it is still held. */
  via: string;
  statement: string;
  statementIndex: number | null;
}

export interface AccessDiff {
  changes: AccessChange[];
  retained: RetainedAccess[];
  notModelled: NotModelled[];
}

/** The `access-changes` output: one object per change. */
export interface AccessChangeJson {
  role: string;
  change: 'gains' | 'loses';
  privilege: string;
  object: string;
  via: string;
  statement: string;
}
