import type { DiffContext } from './diff-context.js';
import type { AccessChange } from './diff-types.js';
import { quoteIdent } from './names.js';
import { PRIV } from './privileges.js';
import type { RoleRow } from './types.js';

// Role-level rows: attributes (LOGIN, SUPERUSER, …), IAM login (rds_iam), memberships and
// their ADMIN option, dropped roles, becoming superuser-like, and SECURITY DEFINER functions.

const ATTRIBUTES: [keyof RoleRow, string, string | null][] = [
  ['login', 'LOGIN', null],
  ['superuser', 'SUPERUSER', 'superuser-like attribute'],
  ['createrole', 'CREATEROLE', 'superuser-like attribute'],
  ['createdb', 'CREATEDB', null],
  ['replication', 'REPLICATION', 'superuser-like attribute'],
  ['bypassrls', 'BYPASSRLS', 'superuser-like attribute'],
];

const WRITE = PRIV.INSERT | PRIV.UPDATE | PRIV.DELETE | PRIV.TRUNCATE | PRIV.CREATE;

export function roleChanges(ctx: DiffContext): AccessChange[] {
  const out: AccessChange[] = [];
  const roles = new Set([...ctx.eb.roles, ...ctx.ea.roles]);
  for (const role of roles) {
    const b = ctx.eb.roleRows.get(role);
    const a = ctx.ea.roleRows.get(role);
    const at = ctx.applied.touched.role.get(role);
    const base = {
      role,
      roleKind: (a ?? b)?.login ? ('login' as const) : ('group' as const),
      statement: at === undefined ? '' : (ctx.statements[at] ?? ''),
      statementIndex: at ?? null,
    };
    if (b && !a) {
      out.push({ ...base, change: 'loses', privilege: 'ROLE', objectKind: 'cluster', object: '', via: 'DROP ROLE', widening: null });
      continue;
    }
    if (!a) continue;
    for (const [field, name, widening] of ATTRIBUTES) {
      const was = b?.[field] === true;
      const is = a[field] === true;
      if (was === is) continue;
      const canWrite = field === 'login' && is && writes(ctx, role);
      const why = is ? (canWrite ? 'new login that can write' : widening) : null;
      out.push({
        ...base,
        change: is ? 'gains' : 'loses',
        privilege: name,
        objectKind: 'cluster',
        object: '',
        via: b ? 'ALTER ROLE' : 'CREATE ROLE',
        widening: why,
      });
    }
    out.push(...memberships(ctx, role, base));
  }
  out.push(...securityDefiners(ctx));
  return out;
}

function writes(ctx: DiffContext, role: string): boolean {
  const r = ctx.ea.roleIndex.get(role);
  if (r === undefined) return false;
  const n = ctx.ea.roles.length;
  return ctx.ea.objects.some((o, k) => o.kind !== 'function' && (ctx.ea.privs[k * n + r]! & WRITE) !== 0);
}

type Base = Pick<AccessChange, 'role' | 'roleKind' | 'statement' | 'statementIndex'>;

function memberships(ctx: DiffContext, role: string, base: Base): AccessChange[] {
  const out: AccessChange[] = [];
  const was = new Set(ctx.eb.roleIndex.has(role) ? ctx.eb.graph.reach(role, 'members') : [role]);
  const is = new Set(ctx.ea.graph.reach(role, 'members'));
  const memberStatement = (g: string): Pick<AccessChange, 'statement' | 'statementIndex'> => {
    const at =
      ctx.applied.touched.member.get(`${g}\0${role}`) ??
      [...ctx.applied.touched.member.entries()].find(([k]) => k.endsWith(`\0${role}`))?.[1];
    return at === undefined
      ? { statement: base.statement, statementIndex: base.statementIndex }
      : { statement: ctx.statements[at] ?? '', statementIndex: at };
  };
  const row = (g: string, change: 'gains' | 'loses', privilege: string, widening: string | null): AccessChange => ({
    ...base,
    ...memberStatement(g),
    change,
    privilege,
    objectKind: 'role',
    object: quoteIdent(g, ctx.version),
    via: 'membership',
    widening,
  });
  for (const g of is)
    if (!was.has(g))
      out.push(row(g, 'gains', g === 'rds_iam' ? 'IAM LOGIN' : 'MEMBER', g === 'rds_superuser' ? 'rds_superuser membership' : null));
  for (const g of was) if (!is.has(g)) out.push(row(g, 'loses', g === 'rds_iam' ? 'IAM LOGIN' : 'MEMBER', null));
  const admin = (rows: DiffContext['applied']['after']['memberships']): Set<string> =>
    new Set(rows.filter((m) => m.member === role && m.admin).map((m) => m.role));
  const adminBefore = admin(ctx.before.memberships);
  for (const g of admin(ctx.applied.after.memberships))
    if (!adminBefore.has(g)) out.push(row(g, 'gains', 'ADMIN OPTION', 'WITH ADMIN OPTION'));
  return out;
}

function securityDefiners(ctx: DiffContext): AccessChange[] {
  const before = new Map(ctx.eb.objects.map((o) => [`${o.schema}\0${o.name}\0${(o.args ?? []).join(',')}`, o]));
  return ctx.ea.objects
    .filter(
      (o) =>
        o.kind === 'function' && o.securityDefiner && !before.get(`${o.schema}\0${o.name}\0${(o.args ?? []).join(',')}`)?.securityDefiner,
    )
    .map((o) => ({
      role: o.owner,
      roleKind: ctx.ea.roleRows.get(o.owner)?.login ? ('login' as const) : ('group' as const),
      change: 'gains' as const,
      privilege: 'SECURITY DEFINER',
      objectKind: 'function' as const,
      object: `${quoteIdent(o.schema, ctx.version)}.${quoteIdent(o.name, ctx.version)}(${(o.args ?? []).join(', ')})`,
      via: "whoever may EXECUTE it runs it with the owner's privileges",
      statement: '',
      statementIndex: null,
      widening: 'SECURITY DEFINER function',
    }));
}
