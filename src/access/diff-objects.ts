import { reachOf, type DiffContext } from './diff-context.js';
import type { AccessChange, RetainedAccess } from './diff-types.js';
import type { EffectiveAccess } from './effective.js';
import { displayName, quoteIdent } from './names.js';
import { privilegeNames, PRIV } from './privileges.js';
import { PUBLIC, type ObjectRow } from './types.js';
import { viaOf } from './via.js';

// Per-object rows of the diff: who gains and who loses which privilege on one object. This runs
// for every object × every role (400,000 pairs for 2,000 tables and 200 roles), so the loop
// reads the effective tables directly and does work only for a pair that changed.

/** One object in one effective table: its position (undefined when absent) and row. */
export interface Side {
  e: EffectiveAccess;
  k: number | undefined;
  o: ObjectRow | undefined;
}

type Via = (bit: number) => string;

/** The rows for object `key` between its `b`efore and `a`fter sides. */
export function objectChanges(ctx: DiffContext, key: string, b: Side, a: Side): AccessChange[] {
  const out: AccessChange[] = [];
  const pubB = b.k === undefined ? 0 : b.e.publicPrivs[b.k]!;
  const pubA = a.k === undefined ? 0 : a.e.publicPrivs[a.k]!;
  const row = rowWriter(ctx, key, a.o ?? b.o!, out);
  const pubGain = pubA & ~pubB;
  const pubLoss = pubB & ~pubA;
  row(PUBLIC, 'gains', pubGain, () => 'PUBLIC');
  row(PUBLIC, 'loses', pubLoss, () => 'PUBLIC');
  const bb = b.k === undefined ? -1 : b.k * b.e.roles.length;
  const ab = a.k === undefined ? -1 : a.k * a.e.roles.length;
  const { privs: bPrivs, grantable: bGrantable, setOnly: bSetOnly, ownerRights: bOwner } = b.e;
  const { privs: aPrivs, grantable: aGrantable, setOnly: aSetOnly, ownerRights: aOwner } = a.e;
  for (const { role, b: rb, a: ra } of ctx.slots) {
    const hasB = bb >= 0 && rb >= 0;
    const hasA = ab >= 0;
    const before = rb < 0 ? pubB : hasB ? bPrivs[bb + rb]! : 0;
    const after = hasA ? aPrivs[ab + ra]! : 0;
    const ownerAfter = hasA ? aOwner[ab + ra]! : 0;
    const createdAsOwner = b.o === undefined && ownerAfter === 1;
    const gains = createdAsOwner ? 0 : after & ~before & ~pubGain;
    const loses = before & ~after & ~pubLoss;
    if (gains) row(role, 'gains', gains, (bit) => viaOf(ctx.ea, role, a.o!, bit).text);
    if (loses) row(role, 'loses', loses, (bit) => viaOf(ctx.eb, role, b.o!, bit).text);
    if (createdAsOwner || !a.o) continue;
    const grantable = hasA && !ownerAfter ? aGrantable[ab + ra]! & ~(hasB ? bGrantable[bb + rb]! : 0) : 0;
    if (grantable) row(role, 'gains', grantable, (bit) => viaOf(ctx.ea, role, a.o!, bit).text, ' WITH GRANT OPTION', 'WITH GRANT OPTION');
    const setOnly = hasA ? aSetOnly[ab + ra]! & ~(hasB ? bSetOnly[bb + rb]! : 0) & ~before : 0;
    if (setOnly) row(role, 'gains', setOnly, () => 'SET ROLE only');
    if (b.o && hasB && bOwner[bb + rb] !== ownerAfter) out.push(ownership(ctx, key, role, b.o, a.o, ownerAfter === 1));
  }
  return out;
}

/** Appends one row per privilege in `bits`; the object's name and each role's statement are worked out once. */
function rowWriter(
  ctx: DiffContext,
  key: string,
  object: ObjectRow,
  out: AccessChange[],
): (role: string, change: 'gains' | 'loses', bits: number, via: Via, suffix?: string, widening?: string | null) => void {
  let name: string | undefined;
  let lastRole: string | undefined;
  let lastAt: number | undefined;
  return (role, change, bits, via, suffix = '', widening = null) => {
    if (bits === 0) return;
    name ??= displayName(object, ctx.version);
    if (role !== lastRole) [lastRole, lastAt] = [role, ctx.touches.statement(key, reachOf(ctx, role))];
    const at = lastAt;
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
}

function ownership(ctx: DiffContext, key: string, role: string, b: ObjectRow, a: ObjectRow, is: boolean): AccessChange {
  const at = ctx.touches.statement(key, reachOf(ctx, role));
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

/** What each grantee's own ACL items give it on an object. */
function heldBy(o: ObjectRow): Map<string, number> {
  const held = new Map<string, number>();
  for (const i of o.acl) held.set(i.grantee, (held.get(i.grantee) ?? 0) | i.privs);
  return held;
}

/** Grants removed from a role while it still holds the privilege another way. */
export function retainedAfterRevoke(ctx: DiffContext, key: string, b: Side, a: Side): RetainedAccess[] {
  if (!b.o || !a.o || a.k === undefined) return [];
  const out: RetainedAccess[] = [];
  const heldAfter = heldBy(a.o);
  for (const [grantee, before] of heldBy(b.o)) {
    const r = ctx.ea.roleIndex.get(grantee);
    if (grantee === PUBLIC || r === undefined) continue;
    const removed = before & ~(heldAfter.get(grantee) ?? 0) & a.e.privs[a.k * a.e.roles.length + r]!;
    for (const name of privilegeNames(removed)) {
      const at = ctx.touches.statement(key, [grantee]);
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
