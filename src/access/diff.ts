import type { AppliedPlan } from './apply.js';
import { roleChanges } from './diff-roles.js';
import type { AccessChange, AccessChangeJson, AccessDiff, RetainedAccess } from './diff-types.js';
import { effectiveAccess, type EffectiveAccess } from './effective.js';
import { objectChanges, retainedAfterRevoke, type Side } from './diff-objects.js';
import { TouchIndex } from './touches.js';
import type { DiffContext } from './diff-context.js';
import type { AccessSnapshot } from './types.js';
import { membershipTouches, PREDEFINED_ALL_DATA } from './via.js';

// Before/after effective access → who gains and who loses what. A role's rows leave out what
// PUBLIC itself gained or lost (PUBLIC gets its own rows), what the creator of a new object
// holds on it as its owner, per-object rows of superuser-like roles (one row says it), and
// what pg_read_all_data, pg_write_all_data and pg_maintain hold by definition (every new
// table would list them; their members' rows still say "member of pg_read_all_data").

/** Diffs `before` against the applied plan. `statements` are the planned texts, by index. */
export function diffAccess(before: AccessSnapshot, applied: AppliedPlan, statements: readonly string[]): AccessDiff {
  const eb = effectiveAccess(before);
  const ea = effectiveAccess(applied.after);
  const roles = [...new Set([...eb.roles, ...ea.roles])];
  const superLike = superLikeRoles(eb, ea);
  const ctx: DiffContext = {
    before,
    eb,
    ea,
    applied,
    statements,
    version: before.serverVersionNum,
    superLike,
    roles,
    // Superuser-like roles get one row, not one per object; dropped roles get one row too.
    slots: roles
      .filter((r) => !superLike.has(r) && ea.roleIndex.has(r))
      .map((role) => ({ role, b: eb.roleIndex.get(role) ?? -1, a: ea.roleIndex.get(role)! })),
    touches: new TouchIndex(applied, membershipTouches(applied)),
    reach: new Map(),
  };
  const changes: AccessChange[] = [...roleChanges(ctx)];
  const retained: RetainedAccess[] = [];
  const keys = new Set([...eb.objectIndex.keys(), ...ea.objectIndex.keys()]);
  for (const key of keys) {
    const b: Side = side(eb, key);
    const a: Side = side(ea, key);
    changes.push(...objectChanges(ctx, key, b, a));
    retained.push(...retainedAfterRevoke(ctx, key, b, a));
  }
  return { changes: sortChanges(changes.filter((c) => !heldByDefinition(c))), retained, notModelled: applied.notModelled };
}

/** A predefined all-data role's own row for what it holds because it is that role. */
function heldByDefinition(c: AccessChange): boolean {
  return PREDEFINED_ALL_DATA.has(c.role) && c.via === `member of ${c.role}`;
}

function side(e: EffectiveAccess, key: string): Side {
  const k = e.objectIndex.get(key);
  return { e, k, o: k === undefined ? undefined : e.objects[k] };
}

/** Roles that are superusers or inherit rds_superuser, before or after: their per-object rows are summarised. */
function superLikeRoles(eb: EffectiveAccess, ea: EffectiveAccess): Set<string> {
  const out = new Set<string>();
  for (const e of [eb, ea])
    for (const r of e.roles) if (e.roleRows.get(r)?.superuser || e.graph.reach(r, 'privs').includes('rds_superuser')) out.add(r);
  return out;
}

const KIND_ORDER = { login: 0, group: 1, public: 2 } as const;

/** Login roles first, then groups, then PUBLIC; widening rows first within each; then by role and object name; ties keep their order. */
function sortChanges(changes: AccessChange[]): AccessChange[] {
  // One numeric key a row (names ranked once, in plain code-unit order: stable across locales)
  // instead of string comparisons in each of the n log n comparisons; with the row's position
  // folded in, the keys are distinct and a typed array sorts them natively.
  const roleRank = rank(changes.map((c) => c.role));
  const objectRank = rank(changes.map((c) => c.object));
  const n = changes.length;
  const keys = new Float64Array(n);
  changes.forEach((c, i) => {
    const head = KIND_ORDER[c.roleKind] * 2 + (c.widening !== null ? 0 : 1);
    keys[i] = (head * roleRank.size + roleRank.get(c.role)!) * objectRank.size + objectRank.get(c.object)!;
  });
  if (6 * roleRank.size * objectRank.size * n < Number.MAX_SAFE_INTEGER) {
    for (let i = 0; i < n; i++) keys[i] = keys[i]! * n + i;
    keys.sort();
    return Array.from(keys, (k) => changes[k % n]!);
  }
  const order = Array.from(changes.keys());
  order.sort((x, y) => keys[x]! - keys[y]! || x - y);
  return order.map((i) => changes[i]!);
}

/** Each distinct value → its position in code-unit order. */
function rank(values: readonly string[]): Map<string, number> {
  const distinct = [...new Set(values)].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  return new Map(distinct.map((v, i) => [v, i]));
}

/** The `access-changes` output shape. */
export function accessChangesJson(changes: readonly AccessChange[]): AccessChangeJson[] {
  return changes.map(({ role, change, privilege, object, via, statement }) => ({ role, change, privilege, object, via, statement }));
}
