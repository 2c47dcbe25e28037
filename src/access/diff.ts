import type { AppliedPlan } from './apply.js';
import { roleChanges } from './diff-roles.js';
import type { AccessChange, AccessChangeJson, AccessDiff, RetainedAccess } from './diff-types.js';
import { effectiveAccess, type EffectiveAccess } from './effective.js';
import { displayName } from './names.js';
import { privilegeNames, PRIV } from './privileges.js';
import { PUBLIC, type AccessSnapshot, type ObjectRow } from './types.js';
import { statementFor, viaOf } from './via.js';

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
  const ctx: DiffContext = { before, eb, ea, applied, statements, version: before.serverVersionNum, superLike: superLikeRoles(eb, ea) };
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
};

function side(e: EffectiveAccess, key: string): Side {
  const k = e.objectIndex.get(key);
  return { e, k, o: k === undefined ? undefined : e.objects[k] };
}

/** Roles that are superusers or inherit rds_superuser, before or after: their per-object rows are summarised. */
function superLikeRoles(eb: EffectiveAccess, ea: EffectiveAccess): Set<string> {
  const out = new Set<string>();
  for (const e of [eb, ea]) for (const r of e.roles) if (e.roleRows.get(r)?.superuser || e.graph.reach(r, 'privs').includes('rds_superuser')) out.add(r);
  return out;
}

function cell(s: Side, role: string, arr: 'privs' | 'grantable' | 'setOnly' | 'ownerRights'): number {
  if (s.k === undefined) return 0;
  const r = s.e.roleIndex.get(role);
  return r === undefined ? 0 : s.e[arr][s.k * s.e.roles.length + r]!;
}

function objectChanges(ctx: DiffContext, key: string, b: Side, a: Side): AccessChange[] {
  const out: AccessChange[] = [];
  const pubB = b.k === undefined ? 0 : b.e.publicPrivs[b.k]!;
  const pubA = a.k === undefined ? 0 : a.e.publicPrivs[a.k]!;
  const object = a.o ?? b.o!;
  const row = (role: string, change: 'gains' | 'loses', bits: number, via: (bit: number) => string, suffix = '', widening: string | null = null): void => {
    for (const name of privilegeNames(bits)) {
      const at = statementFor(ctx.applied, key, reachOf(ctx, role));
      const roleKind = role === PUBLIC ? 'public' : (ctx.ea.roleRows.get(role) ?? ctx.eb.roleRows.get(role))?.login ? 'login' : 'group';
      out.push({
        role: role === PUBLIC ? 'PUBLIC' : role,
        roleKind,
        change,
        privilege: name + suffix,
        objectKind: object.kind,
        object: displayName(object, ctx.version),
        via: via(PRIV[name]),
        statement: at === undefined ? '' : (ctx.statements[at] ?? ''),
        statementIndex: at ?? null,
        widening: role === PUBLIC && change === 'gains' ? 'granted to PUBLIC' : widening,
      });
    }
  };
  row(PUBLIC, 'gains', pubA & ~pubB, () => 'PUBLIC');
  row(PUBLIC, 'loses', pubB & ~pubA, () => 'PUBLIC');
  const roles = new Set([...ctx.eb.roles, ...ctx.ea.roles]);
  for (const role of roles) {
    if (ctx.superLike.has(role) || !ctx.ea.roleIndex.has(role)) continue;
    const isNew = !ctx.eb.roleIndex.has(role);
    const before = isNew ? pubB : cell(b, role, 'privs');
    const after = cell(a, role, 'privs');
    const createdAsOwner = b.o === undefined && cell(a, role, 'ownerRights') === 1;
    const gains = createdAsOwner ? 0 : after & ~before & ~(pubA & ~pubB);
    const loses = before & ~after & ~(pubB & ~pubA);
    row(role, 'gains', gains, (bit) => viaOf(ctx.ea, role, a.o!, bit).text);
    row(role, 'loses', loses, (bit) => viaOf(ctx.eb, role, b.o!, bit).text);
    if (!createdAsOwner && a.o) {
      const options = cell(a, role, 'grantable') & ~cell(b, role, 'grantable') & ~(cell(a, role, 'ownerRights') ? ~0 : 0);
      row(role, 'gains', options, (bit) => viaOf(ctx.ea, role, a.o!, bit).text, ' WITH GRANT OPTION', 'WITH GRANT OPTION');
      row(role, 'gains', cell(a, role, 'setOnly') & ~cell(b, role, 'setOnly') & ~before, () => 'SET ROLE only');
    }
    out.push(...ownership(ctx, key, role, b, a));
  }
  return out;
}

function ownership(ctx: DiffContext, key: string, role: string, b: Side, a: Side): AccessChange[] {
  if (!a.o || !b.o || !ctx.eb.roleIndex.has(role)) return [];
  const was = cell(b, role, 'ownerRights');
  const is = cell(a, role, 'ownerRights');
  if (was === is) return [];
  const at = statementFor(ctx.applied, key, reachOf(ctx, role));
  const change = is ? 'gains' : 'loses';
  const owner = is ? a.o.owner : b.o.owner;
  return [
    {
      role,
      roleKind: ctx.ea.roleRows.get(role)?.login ? 'login' : 'group',
      change,
      privilege: 'OWNER',
      objectKind: a.o.kind,
      object: displayName(a.o, ctx.version),
      via: owner === role ? 'owner' : `member of ${displayName({ kind: 'schema', schema: '', name: owner }, ctx.version)} (the owner)`,
      statement: at === undefined ? '' : (ctx.statements[at] ?? ''),
      statementIndex: at ?? null,
      widening: is ? 'ownership transfer' : null,
    },
  ];
}

/** Roles whose grants matter to `role`: what it inherits from, before and after. */
export function reachOf(ctx: DiffContext, role: string): string[] {
  if (role === PUBLIC) return [PUBLIC];
  const b = ctx.eb.roleIndex.has(role) ? ctx.eb.graph.reach(role, 'privs') : [];
  const a = ctx.ea.roleIndex.has(role) ? ctx.ea.graph.reach(role, 'privs') : [];
  return [...new Set([...b, ...a])];
}

/** Grants removed from a role while it still holds the privilege another way. */
function retainedAfterRevoke(ctx: DiffContext, key: string, b: Side, a: Side): RetainedAccess[] {
  if (!b.o || !a.o) return [];
  const out: RetainedAccess[] = [];
  const held = (o: ObjectRow, grantee: string): number => o.acl.filter((i) => i.grantee === grantee).reduce((m, i) => m | i.privs, 0);
  for (const grantee of new Set(b.o.acl.map((i) => i.grantee))) {
    if (grantee === PUBLIC || !ctx.ea.roleIndex.has(grantee)) continue;
    const removed = held(b.o, grantee) & ~held(a.o, grantee) & cell(a, grantee, 'privs');
    for (const name of privilegeNames(removed)) {
      const at = statementFor(ctx.applied, key, [grantee]);
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
  return changes.sort(
    (x, y) =>
      KIND_ORDER[x.roleKind] - KIND_ORDER[y.roleKind] ||
      Number(y.widening !== null) - Number(x.widening !== null) ||
      x.role.localeCompare(y.role) ||
      x.object.localeCompare(y.object),
  );
}

/** The `access-changes` output shape. */
export function accessChangesJson(changes: readonly AccessChange[]): AccessChangeJson[] {
  return changes.map(({ role, change, privilege, object, via, statement }) => ({ role, change, privilege, object, via, statement }));
}
