import type { AppliedPlan } from './apply.js';
import type { EffectiveAccess } from './effective.js';
import { quoteIdent } from './names.js';
import { PRIV } from './privileges.js';
import { PUBLIC, type ObjectRow } from './types.js';

// Why a role holds a privilege ("via"), and which statements changed memberships (the
// statement behind a change is looked up in touches.ts).

const PREDEFINED: [string, number][] = [
  ['pg_read_all_data', PRIV.SELECT | PRIV.USAGE],
  ['pg_write_all_data', PRIV.INSERT | PRIV.UPDATE | PRIV.DELETE | PRIV.USAGE],
  ['pg_maintain', PRIV.MAINTAIN],
];

/** The predefined roles that hold their privileges on every table and schema by definition. */
export const PREDEFINED_ALL_DATA: ReadonlySet<string> = new Set(PREDEFINED.map(([r]) => r));

export interface Via {
  text: string;
  /** The role whose ACL item or membership gives it; PUBLIC is ''. */
  through: string | undefined;
}

/** How `role` holds `bit` on `o` in `e`: superuser, owner, a direct grant, a group it inherits from, a predefined role, PUBLIC. */
export function viaOf(e: EffectiveAccess, role: string, o: ObjectRow, bit: number): Via {
  if (e.roleRows.get(role)?.superuser) return { text: 'SUPERUSER', through: role };
  const reach = e.graph.reach(role, 'privs');
  // One pass, no arrays: the diff asks this for every row. A direct grant wins wherever it is;
  // otherwise the first ACL item of a role it inherits from; PUBLIC only when nothing else gives it.
  let group: string | undefined;
  let publicHas = false;
  for (const i of o.acl) {
    if ((i.privs & bit) === 0) continue;
    if (i.grantee === PUBLIC) publicHas = true;
    else if (i.grantee === role) return { text: role === o.owner ? 'owner' : 'direct grant', through: role };
    else if (group === undefined && reach.includes(i.grantee)) group = i.grantee;
  }
  if (group !== undefined) return { text: `member of ${quoteIdent(group)}${group === o.owner ? ' (the owner)' : ''}`, through: group };
  const predefined = PREDEFINED.find(([r, bits]) => (bits & bit) !== 0 && reach.includes(r));
  if (predefined) return { text: `member of ${predefined[0]}`, through: predefined[0] };
  if (publicHas) return { text: 'PUBLIC', through: PUBLIC };
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
