import type { AppliedPlan } from './apply.js';
import { PUBLIC } from './types.js';

// Which planned statement is behind a change, indexed once per diff. The diff asks for every
// (object, role) pair that changed — tens of thousands on a large database — so the ACL touches
// are grouped by object (a handful per object at most) and each role's latest role or
// membership touch over what it inherits from is computed once, not once per object.

/** The statement behind a change, from indexes built once per diff. */
export class TouchIndex {
  private readonly aclByObject = new Map<string, [grantee: string, at: number][]>();
  private readonly perReach = new WeakMap<readonly string[], { set: ReadonlySet<string>; latest: number }>();

  constructor(
    private readonly applied: AppliedPlan,
    private readonly members: ReadonlyMap<string, number>,
  ) {
    // ACL keys are `${objectKey}\0${grantee}`; a role name never holds NUL, an object key does.
    for (const [k, at] of applied.touched.acl) {
      const cut = k.lastIndexOf('\0');
      const key = k.slice(0, cut);
      const list = this.aclByObject.get(key);
      const entry: [string, number] = [k.slice(cut + 1), at];
      if (list) list.push(entry);
      else this.aclByObject.set(key, [entry]);
    }
  }

  /**
   * The latest statement that touched object `key`, an ACL item on it of PUBLIC or of a role in
   * `reach`, or the attributes or memberships of a role in `reach`. Pass the same (memoised)
   * `reach` array for a role each time: what depends on it alone is computed once.
   */
  statement(key: string, reach: readonly string[]): number | undefined {
    const r = this.reachFacts(reach);
    let best = Math.max(this.applied.touched.object.get(key) ?? -1, r.latest);
    for (const [grantee, at] of this.aclByObject.get(key) ?? []) if (at > best && (grantee === PUBLIC || r.set.has(grantee))) best = at;
    return best < 0 ? undefined : best;
  }

  private reachFacts(reach: readonly string[]): { set: ReadonlySet<string>; latest: number } {
    let hit = this.perReach.get(reach);
    if (!hit) {
      let latest = -1;
      for (const r of reach) latest = Math.max(latest, this.applied.touched.role.get(r) ?? -1, this.members.get(r) ?? -1);
      hit = { set: new Set(reach), latest };
      this.perReach.set(reach, hit);
    }
    return hit;
  }
}
