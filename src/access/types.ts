// The access model's data: plain, serialisable, keyed by names (statements name roles and
// objects; OIDs never appear in planned SQL). PUBLIC is the empty string, as in PostgreSQL's
// own aclitem text, because "PUBLIC" (upper case, quoted) is a legal role name.

/** The grantee PUBLIC. */
export const PUBLIC = '';

/** What the model tracks ACLs for. Views, materialized views and foreign tables are `table`. */
export type ObjectKind = 'database' | 'schema' | 'table' | 'sequence' | 'function';

/** One aclitem: what `grantor` gave `grantee`, privileges and grant options as bit masks (privileges.ts). */
export interface AclItem {
  grantee: string;
  grantor: string;
  privs: number;
  grantable: number;
}

export interface RoleRow {
  name: string;
  superuser: boolean;
  inherit: boolean;
  createrole: boolean;
  createdb: boolean;
  login: boolean;
  replication: boolean;
  bypassrls: boolean;
}

/** A pg_auth_members row. On PostgreSQL 15 `inherit` and `set` are not stored: the reader fills `inherit` from the member's rolinherit and `set` true. */
export interface MembershipRow {
  role: string;
  member: string;
  grantor: string;
  admin: boolean;
  inherit: boolean;
  set: boolean;
}

export interface ObjectRow {
  kind: ObjectKind;
  /** Schema of a table, sequence or function; '' for schemas and the database. */
  schema: string;
  name: string;
  /** Functions: the argument types as format_type writes them, e.g. ['integer', 'text']. */
  args?: string[];
  owner: string;
  /** The effective ACL: acldefault already substituted where the catalog holds NULL. */
  acl: AclItem[];
  /** Functions only. */
  securityDefiner?: boolean;
  /** Functions only: a procedure (prokind 'p'), which GRANT … ON ALL FUNCTIONS skips. */
  procedure?: boolean;
  /** Sequences owned by a table column (serial, identity): the table's key; dropped with it. */
  ownedBy?: string;
}

/** Default-ACL object types, as pg_default_acl.defaclobjtype. */
export type DefaultAclType = 'r' | 'S' | 'f' | 'T' | 'n';

export interface DefaultAclRow {
  role: string;
  /** null: the global entry (no IN SCHEMA). */
  schema: string | null;
  objtype: DefaultAclType;
  acl: AclItem[];
}

/** Everything the model starts from: the catalog reader's result, or an empty cluster (SQL only). */
export interface AccessSnapshot {
  /** server_version_num, e.g. 170004: decides the PostgreSQL 15 vs 16+ membership rules and MAINTAIN (17+). */
  serverVersionNum: number;
  /** The database the plan runs in. */
  database: string;
  /** Who runs the planned statements (the migration user). */
  currentUser: string;
  /** The bootstrap superuser (OID 10): PostgreSQL 16+ records it as the grantor of memberships a superuser grants. */
  bootstrapSuperuser: string;
  roles: RoleRow[];
  memberships: MembershipRow[];
  objects: ObjectRow[];
  defaultAcls: DefaultAclRow[];
}

/** A statement the model could not follow: its effects on access are unknown. */
export interface NotModelled {
  statementIndex: number;
  statement: string;
  reason: string;
}
