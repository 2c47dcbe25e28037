import type { AppliedPlan } from './apply.js';
import { roleChanges } from './diff-roles.js';
import type { AccessChange, AccessChangeJson, AccessDiff, RetainedAccess } from './diff-types.js';
import { effectiveAccess, type EffectiveAccess } from './effective.js';
import { displayName, quoteIdent } from './names.js';
import { privilegeNames, PRIV } from './privileges.js';
import { PUBLIC, type AccessSnapshot, type ObjectRow } from './types.js';
import { membershipTouches, statementFor, viaOf } from './via.js';

// Before/after effective access → who gains and who loses what. A role's rows leave out what
// PUBLIC itself gained or lost (PUBLIC gets its own rows), what the creator of a new object
// holds on it as its owner, and per-object rows of superuser-like roles (one row says it).

interface Side {
  e: EffectiveAccess;
  k: number | undefined;
  o: ObjectRow | undefined;
}

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
    members: membershipTouches(applied),
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
  return { changes: sortChanges(changes), retained, notModelled: applied.notModelled };
}

export type DiffContext = {
  before: AccessSnapshot;
  eb: EffectiveAccess;
  ea: EffectiveAccess;
  applied: AppliedPlan;
  statements: readonly string[];
  version: number;
  superLike: Set<string>;
  /** Every role, before or after. */
  roles: string[];
  slots: RoleSlot[];
  members: Map<string, number>;
  reach: Map<string, string[]>;
};

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

/** A role's row in both effective tables (-1 where absent). */
interface RoleSlot {
  role: string;
  b: number;
  a: number;
}

function at(s: Side, r: number, arr: 'privs' | 'grantable' | 'setOnly' | 'ownerRights'): number {
  return s.k === undefined || r < 0 ? 0 : s.e[arr][s.k * s.e.roles.length + r]!;
}

function objectChanges(ctx: DiffContext, key: string, b: Side, a: Side): AccessChange[] {
  const out: AccessChange[] = [];
  const pubB = b.k === undefined ? 0 : b.e.publicPrivs[b.k]!;
  const pubA = a.k === undefined ? 0 : a.e.publicPrivs[a.k]!;
  const object = a.o ?? b.o!;
  const name = displayName(object, ctx.version);
  const row = (
    role: string,
    change: 'gains' | 'loses',
    bits: number,
    via: (bit: number) => string,
    suffix = '',
    widening: string | null = null,
  ): void => {
    if (bits === 0) return;
    const at = statementFor(ctx.applied, ctx.members, key, reachOf(ctx, role));
    const roleKind = role === PUBLIC ? 'public' : (ctx.ea.roleRows.get(role) ?? ctx.eb.roleRows.get(role))?.login ? 'login' : 'group';
    for (const privilege of privilegeNames(bits)) {
      out.push({
        role: role === PUBLIC ? 'PUBLIC' : role,
        roleKind,
        change,
        privilege: privilege + suffix,
        objectKind: object.kind,
        object: name,
        via: via(PRIV[privilege]),
        statement: at === undefined ? '' : (ctx.statements[at] ?? ''),
        statementIndex: at ?? null,
        widening: role === PUBLIC && change === 'gains' ? 'granted to PUBLIC' : widening,
      });
    }
  };
  row(PUBLIC, 'gains', pubA & ~pubB, () => 'PUBLIC');
  row(PUBLIC, 'loses', pubB & ~pubA, () => 'PUBLIC');
  for (const { role, b: rb, a: ra } of ctx.slots) {
    const before = rb < 0 ? pubB : at(b, rb, 'privs');
    const after = at(a, ra, 'privs');
    const ownerAfter = at(a, ra, 'ownerRights');
    const createdAsOwner = b.o === undefined && ownerAfter === 1;
    const gains = createdAsOwner ? 0 : after & ~before & ~(pubA & ~pubB);
    const loses = before & ~after & ~(pubB & ~pubA);
    row(role, 'gains', gains, (bit) => viaOf(ctx.ea, role, a.o!, bit).text);
    row(role, 'loses', loses, (bit) => viaOf(ctx.eb, role, b.o!, bit).text);
    if (createdAsOwner || !a.o) continue;
    if (!ownerAfter)
      row(
        role,
        'gains',
        at(a, ra, 'grantable') & ~at(b, rb, 'grantable'),
        (bit) => viaOf(ctx.ea, role, a.o!, bit).text,
        ' WITH GRANT OPTION',
        'WITH GRANT OPTION',
      );
    row(role, 'gains', at(a, ra, 'setOnly') & ~at(b, rb, 'setOnly') & ~before, () => 'SET ROLE only');
    if (b.o && rb >= 0 && at(b, rb, 'ownerRights') !== ownerAfter) out.push(ownership(ctx, key, role, b.o, a.o, ownerAfter === 1));
  }
  return out;
}

function ownership(ctx: DiffContext, key: string, role: string, b: ObjectRow, a: ObjectRow, is: boolean): AccessChange {
  const at = statementFor(ctx.applied, ctx.members, key, reachOf(ctx, role));
  const owner = is ? a.owner : b.owner;
  return {
    role,
    roleKind: ctx.ea.roleRows.get(role)?.login ? 'login' : 'group',
    change: is ? 'gains' : 'loses',
    privilege: 'OWNER',
    objectKind: a.kind,
    object: displayName(a, ctx.version),
    via: owner === role ? 'owner' : `member of ${quoteIdent(owner, ctx.version)} (the owner)`,
    statement: at === undefined ? '' : (ctx.statements[at] ?? ''),
    statementIndex: at ?? null,
    widening: is ? 'ownership transfer' : null,
  };
}

/** Roles whose grants matter to `role`: what it inherits from, before and after. */
export function reachOf(ctx: DiffContext, role: string): string[] {
  if (role === PUBLIC) return [PUBLIC];
  let hit = ctx.reach.get(role);
  if (!hit) {
    const b = ctx.eb.roleIndex.has(role) ? ctx.eb.graph.reach(role, 'privs') : [];
    const a = ctx.ea.roleIndex.has(role) ? ctx.ea.graph.reach(role, 'privs') : [];
    hit = [...new Set([...b, ...a])];
    ctx.reach.set(role, hit);
  }
  return hit;
}

/** Grants removed from a role while it still holds the privilege another way. */
function retainedAfterRevoke(ctx: DiffContext, key: string, b: Side, a: Side): RetainedAccess[] {
  if (!b.o || !a.o) return [];
  const out: RetainedAccess[] = [];
  const held = (o: ObjectRow, grantee: string): number => o.acl.filter((i) => i.grantee === grantee).reduce((m, i) => m | i.privs, 0);
  for (const grantee of new Set(b.o.acl.map((i) => i.grantee))) {
    if (grantee === PUBLIC || !ctx.ea.roleIndex.has(grantee)) continue;
    const removed = held(b.o, grantee) & ~held(a.o, grantee) & at(a, ctx.ea.roleIndex.get(grantee)!, 'privs');
    for (const name of privilegeNames(removed)) {
      const at = statementFor(ctx.applied, ctx.members, key, [grantee]);
      out.push({
        role: grantee,
        privilege: name,
        object: displayName(a.o, ctx.version),
        via: viaOf(ctx.ea, grantee, a.o, PRIV[name]).text,
        statement: at === undefined ? '' : (ctx.statements[at] ?? ''),
        statementIndex: at ?? null,
      });
    }
  }
  return out;
}

const KIND_ORDER = { login: 0, group: 1, public: 2 } as const;

/** Login roles first, then groups, then PUBLIC; widening rows first within each. */
function sortChanges(changes: AccessChange[]): AccessChange[] {
  // Plain code-unit order: stable across locales, and localeCompare is slow on tens of thousands of rows.
  const cmp = (p: string, q: string): number => (p < q ? -1 : p > q ? 1 : 0);
  return changes.sort(
    (x, y) =>
      KIND_ORDER[x.roleKind] - KIND_ORDER[y.roleKind] ||
      Number(y.widening !== null) - Number(x.widening !== null) ||
      cmp(x.role, y.role) ||
      cmp(x.object, y.object),
  );
}

/** The `access-changes` output shape. */
export function accessChangesJson(changes: readonly AccessChange[]): AccessChangeJson[] {
  return changes.map(({ role, change, privilege, object, via, statement }) => ({ role, change, privilege, object, via, statement }));
}
