import type { AppliedPlan } from './apply.js';
import type { EffectiveAccess } from './effective.js';
import { quoteIdent } from './names.js';
import { PRIV } from './privileges.js';
import { PUBLIC, type ObjectRow } from './types.js';

// Why a role holds a privilege ("via"), and which planned statement made the difference.

const PREDEFINED: [string, number][] = [
  ['pg_read_all_data', PRIV.SELECT | PRIV.USAGE],
  ['pg_write_all_data', PRIV.INSERT | PRIV.UPDATE | PRIV.DELETE | PRIV.USAGE],
  ['pg_maintain', PRIV.MAINTAIN],
];

export interface Via {
  text: string;
  /** The role whose ACL item or membership gives it; PUBLIC is ''. */
  through: string | undefined;
}

/** How `role` holds `bit` on `o` in `e`: superuser, owner, a direct grant, a group it inherits from, a predefined role, PUBLIC. */
export function viaOf(e: EffectiveAccess, role: string, o: ObjectRow, bit: number): Via {
  if (e.roleRows.get(role)?.superuser) return { text: 'SUPERUSER', through: role };
  const reach = e.graph.reach(role, 'privs');
  const items = o.acl.filter((i) => (i.privs & bit) !== 0 && i.grantee !== PUBLIC && (i.grantee === role || reach.includes(i.grantee)));
  const direct = items.find((i) => i.grantee === role);
  if (direct) return { text: role === o.owner ? 'owner' : 'direct grant', through: role };
  const group = items[0];
  if (group)
    return { text: `member of ${quoteIdent(group.grantee)}${group.grantee === o.owner ? ' (the owner)' : ''}`, through: group.grantee };
  const predefined = PREDEFINED.find(([r, bits]) => (bits & bit) !== 0 && reach.includes(r));
  if (predefined) return { text: `member of ${predefined[0]}`, through: predefined[0] };
  if (o.acl.some((i) => i.grantee === PUBLIC && (i.privs & bit) !== 0)) return { text: 'PUBLIC', through: PUBLIC };
  return { text: 'unknown', through: undefined };
}

/** For each member role, the latest statement that changed one of its memberships. */
export function membershipTouches(applied: AppliedPlan): Map<string, number> {
  const out = new Map<string, number>();
  for (const [pair, at] of applied.touched.member) {
    const member = pair.slice(pair.indexOf('\0') + 1);
    out.set(member, Math.max(at, out.get(member) ?? -1));
  }
  return out;
}

/**
 * The statement behind a change for `role` on object `key`: the latest one that touched the
 * object, an ACL item of a role it inherits from (before or after), a membership of those
 * roles, or their attributes. Undefined when none did (e.g. a change through PUBLIC only).
 */
export function statementFor(
  applied: AppliedPlan,
  members: ReadonlyMap<string, number>,
  key: string,
  reach: readonly string[],
): number | undefined {
  const t = applied.touched;
  let best = t.object.get(key) ?? -1;
  const consider = (n: number | undefined): void => {
    if (n !== undefined && n > best) best = n;
  };
  consider(t.acl.get(`${key}\0${PUBLIC}`));
  for (const r of reach) {
    consider(t.acl.get(`${key}\0${r}`));
    consider(t.role.get(r));
    consider(members.get(r));
  }
  return best < 0 ? undefined : best;
}
