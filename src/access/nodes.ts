import type { DefElem, Node, RoleSpec } from 'libpg-query';
import { PUBLIC } from './types.js';
import type { AccessState } from './state.js';

// Small readers of parse-tree nodes shared by the appliers.

/** A RoleSpec → role name (PUBLIC is ''); CURRENT_USER/CURRENT_ROLE are the actor. */
export function roleOf(spec: RoleSpec | undefined, st: AccessState): string {
  switch (spec?.roletype) {
    case 'ROLESPEC_CSTRING':
      return spec.rolename ?? '';
    case 'ROLESPEC_PUBLIC':
      return PUBLIC;
    case 'ROLESPEC_SESSION_USER':
      return st.sessionUser;
    default:
      return st.actor;
  }
}

/** Role names of a list of RoleSpec nodes. */
export function rolesOf(nodes: readonly Node[] | undefined, st: AccessState): string[] {
  return (nodes ?? []).flatMap((n) => ('RoleSpec' in n ? [roleOf(n.RoleSpec, st)] : []));
}

/** The DefElems of an options list. */
export function defElems(nodes: readonly Node[] | undefined): DefElem[] {
  return (nodes ?? []).flatMap((n) => ('DefElem' in n ? [n.DefElem] : []));
}

/** A DefElem's boolean argument (a bare option means true). */
export function boolArg(d: DefElem): boolean {
  const a = d.arg;
  if (a === undefined) return true;
  if ('Boolean' in a) return a.Boolean.boolval === true;
  if ('Integer' in a) return (a.Integer.ival ?? 0) !== 0;
  if ('String' in a) return /^(true|on|yes|1)$/i.test(a.String.sval ?? '');
  return true;
}

/** The String values of a list of String nodes. */
export function stringsOf(nodes: readonly Node[] | undefined): string[] {
  return (nodes ?? []).flatMap((n) => ('String' in n ? [n.String.sval ?? ''] : []));
}

/** A DefElem whose argument is a List: its items. */
export function listArg(d: DefElem): Node[] {
  return d.arg && 'List' in d.arg ? (d.arg.List.items ?? []) : [];
}
