import type { MembershipRow, RoleRow } from './types.js';

// Which roles a role reaches through pg_auth_members, the three ways PostgreSQL walks it
// (acl.c roles_is_member_of):
// - members: every membership (pg_has_role MEMBER);
// - privs:   memberships whose privileges are inherited (pg_has_role USAGE, has_*_privilege).
//            16+: the membership's INHERIT option. 15: the role being expanded must have
//            rolinherit, so a NOINHERIT role inherits nothing and stops a chain;
// - set:     memberships one may SET ROLE through (16+: the SET option; 15: all).
// The owner of the current database is implicitly a member of pg_database_owner.

export type Walk = 'members' | 'privs' | 'set';

export const DATABASE_OWNER_ROLE = 'pg_database_owner';

export interface RoleGraph {
  /** Roles reached by the walk, the role itself first, in breadth-first order. */
  reach(role: string, walk: Walk): string[];
  isSuperuser(role: string): boolean;
}

/** A graph over these rows; PostgreSQL 15 rules when serverVersionNum < 160000. */
export function roleGraph(
  roles: ReadonlyMap<string, RoleRow>,
  memberships: readonly MembershipRow[],
  serverVersionNum: number,
  databaseOwner: string,
): RoleGraph {
  const byMember = new Map<string, MembershipRow[]>();
  for (const m of memberships) {
    const list = byMember.get(m.member);
    if (list) list.push(m);
    else byMember.set(m.member, [m]);
  }
  const v15 = serverVersionNum < 160000;
  const follows = (m: MembershipRow, walk: Walk): boolean => walk === 'members' || v15 || (walk === 'privs' ? m.inherit : m.set);
  const cache = new Map<string, string[]>();
  return {
    isSuperuser: (role) => roles.get(role)?.superuser === true,
    reach(role, walk) {
      const key = `${walk}\0${role}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const seen = new Set([role]);
      const order = [role];
      for (let i = 0; i < order.length; i++) {
        const current = order[i]!;
        if (v15 && walk === 'privs' && roles.get(current)?.inherit === false) continue;
        const next = (byMember.get(current) ?? []).filter((m) => follows(m, walk)).map((m) => m.role);
        if (current === databaseOwner) next.push(DATABASE_OWNER_ROLE);
        for (const r of next) {
          if (!seen.has(r)) {
            seen.add(r);
            order.push(r);
          }
        }
      }
      cache.set(key, order);
      return order;
    },
  };
}
