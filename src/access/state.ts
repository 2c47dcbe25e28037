import { aclDefault } from './privileges.js';
import { keyOf } from './names.js';
import { roleGraph, type RoleGraph } from './graph.js';
import type { AccessSnapshot, DefaultAclRow, MembershipRow, NotModelled, ObjectRow, RoleRow } from './types.js';

// The mutable state the statement applier works on: a deep copy of a snapshot, plus which
// statement last touched each role, membership, object and ACL item (for "statement" in the
// diff), and the statements it could not follow.

export class AccessState {
  readonly version: number;
  database: string;
  /** current_user: the migration user, or whoever SET ROLE chose. */
  actor: string;
  readonly sessionUser: string;
  readonly bootstrapSuperuser: string;
  roles = new Map<string, RoleRow>();
  memberships: MembershipRow[] = [];
  objects = new Map<string, ObjectRow>();
  defaultAcls: DefaultAclRow[] = [];
  readonly notModelled: NotModelled[] = [];
  /** Statement index that last changed: role attributes / membership role\0member / object / ACL item key\0grantee. */
  readonly touched = {
    role: new Map<string, number>(),
    member: new Map<string, number>(),
    object: new Map<string, number>(),
    acl: new Map<string, number>(),
  };
  private graphCache: RoleGraph | undefined;

  constructor(s: AccessSnapshot) {
    this.version = s.serverVersionNum;
    this.database = s.database;
    this.actor = s.currentUser;
    this.sessionUser = s.currentUser;
    this.bootstrapSuperuser = s.bootstrapSuperuser;
    for (const r of s.roles) this.roles.set(r.name, { ...r });
    this.memberships = s.memberships.map((m) => ({ ...m }));
    for (const o of s.objects) this.objects.set(keyOf(o), cloneObject(o));
    this.defaultAcls = s.defaultAcls.map((d) => ({ ...d, acl: d.acl.map((i) => ({ ...i })) }));
  }

  /** Back to plain data (the "after" snapshot). */
  snapshot(): AccessSnapshot {
    return {
      serverVersionNum: this.version,
      database: this.database,
      currentUser: this.sessionUser,
      bootstrapSuperuser: this.bootstrapSuperuser,
      roles: [...this.roles.values()].map((r) => ({ ...r })),
      memberships: this.memberships.map((m) => ({ ...m })),
      objects: [...this.objects.values()].map(cloneObject),
      defaultAcls: this.defaultAcls.map((d) => ({ ...d, acl: d.acl.map((i) => ({ ...i })) })),
    };
  }

  /** The role graph of the current state; call changed() after touching roles or memberships. */
  graph(): RoleGraph {
    this.graphCache ??= roleGraph(this.roles, this.memberships, this.version, this.databaseOwner());
    return this.graphCache;
  }

  changed(): void {
    this.graphCache = undefined;
  }

  databaseOwner(): string {
    for (const o of this.objects.values()) if (o.kind === 'database' && o.name === this.database) return o.owner;
    return '';
  }

  isSuperuser(role: string): boolean {
    return this.roles.get(role)?.superuser === true;
  }

  /** Has `role` the privileges of `of` (superuser, or `of` reached by inheritance)? */
  hasPrivsOf(role: string, of: string): boolean {
    return this.isSuperuser(role) || this.graph().reach(role, 'privs').includes(of);
  }

  /** The grantor PostgreSQL records for a GRANT/REVOKE on an object by the actor (select_best_grantor). */
  grantorFor(o: ObjectRow, needed: number): string {
    if (this.hasPrivsOf(this.actor, o.owner)) return o.owner;
    let best = this.actor;
    let bestCount = -1;
    for (const r of this.graph().reach(this.actor, 'privs')) {
      const options = o.acl.filter((i) => i.grantee === r).reduce((m, i) => m | i.grantable, 0) & needed;
      if (options === needed) return r;
      const count = bitCount(options);
      if (count > bestCount) [best, bestCount] = [r, count];
    }
    return best;
  }

  newObject(o: Omit<ObjectRow, 'acl'> & { acl?: ObjectRow['acl'] }): ObjectRow {
    const row: ObjectRow = { ...o, acl: o.acl ?? aclDefault(o.kind, o.owner, this.version) };
    this.objects.set(keyOf(row), row);
    return row;
  }

  skip(statementIndex: number, statement: string, reason: string): void {
    this.notModelled.push({ statementIndex, statement, reason });
  }
}

function cloneObject(o: ObjectRow): ObjectRow {
  const copy: ObjectRow = { ...o, acl: o.acl.map((i) => ({ ...i })) };
  if (o.args) copy.args = [...o.args];
  return copy;
}

function bitCount(n: number): number {
  let c = 0;
  for (let x = n; x; x &= x - 1) c++;
  return c;
}
