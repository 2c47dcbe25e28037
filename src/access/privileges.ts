import { PUBLIC, type AclItem, type DefaultAclType, type ObjectKind } from './types.js';

// Privileges as bits, one per PostgreSQL privilege (the aclitem letters in comments), and the
// defaults PostgreSQL uses when an ACL is NULL (acldefault). MAINTAIN exists from 17 on.

export const PRIV = {
  SELECT: 1 << 0, // r
  INSERT: 1 << 1, // a
  UPDATE: 1 << 2, // w
  DELETE: 1 << 3, // d
  TRUNCATE: 1 << 4, // D
  REFERENCES: 1 << 5, // x
  TRIGGER: 1 << 6, // t
  MAINTAIN: 1 << 7, // m
  USAGE: 1 << 8, // U
  CREATE: 1 << 9, // C
  CONNECT: 1 << 10, // c
  TEMPORARY: 1 << 11, // T
  EXECUTE: 1 << 12, // X
} as const;
export type PrivilegeName = keyof typeof PRIV;

export const PRIVILEGE_NAMES = Object.keys(PRIV) as PrivilegeName[];

/** PostgreSQL 17 added MAINTAIN. */
export function hasMaintain(serverVersionNum: number): boolean {
  return serverVersionNum >= 170000;
}

/** Every privilege that applies to a kind of object (what ALL means). */
export function allPrivileges(kind: ObjectKind, serverVersionNum: number): number {
  switch (kind) {
    case 'table':
      return (
        PRIV.SELECT |
        PRIV.INSERT |
        PRIV.UPDATE |
        PRIV.DELETE |
        PRIV.TRUNCATE |
        PRIV.REFERENCES |
        PRIV.TRIGGER |
        (hasMaintain(serverVersionNum) ? PRIV.MAINTAIN : 0)
      );
    case 'sequence':
      return PRIV.USAGE | PRIV.SELECT | PRIV.UPDATE;
    case 'function':
      return PRIV.EXECUTE;
    case 'schema':
      return PRIV.USAGE | PRIV.CREATE;
    case 'database':
      return PRIV.CREATE | PRIV.CONNECT | PRIV.TEMPORARY;
  }
}

/** acldefault(kind, owner): the owner holds everything; PUBLIC gets EXECUTE on functions and CONNECT, TEMPORARY on databases. */
export function aclDefault(kind: ObjectKind, owner: string, serverVersionNum: number): AclItem[] {
  const items: AclItem[] = [{ grantee: owner, grantor: owner, privs: allPrivileges(kind, serverVersionNum), grantable: 0 }];
  const publicPrivs = kind === 'function' ? PRIV.EXECUTE : kind === 'database' ? PRIV.CONNECT | PRIV.TEMPORARY : 0;
  if (publicPrivs) items.push({ grantee: PUBLIC, grantor: owner, privs: publicPrivs, grantable: 0 });
  return items;
}

/** The object kind a default-ACL type applies to (types are not modelled). */
export function defaultAclKind(objtype: DefaultAclType): ObjectKind | undefined {
  return ({ r: 'table', S: 'sequence', f: 'function', n: 'schema', T: undefined } as const)[objtype];
}

/** A privilege keyword from a statement (lower case in the parse tree); undefined if unknown. */
export function privilegeBit(word: string): number | undefined {
  const upper = word.toUpperCase();
  if (upper === 'TEMP') return PRIV.TEMPORARY;
  return (PRIV as Record<string, number>)[upper];
}

/** privilege_type text from aclexplode → bit. */
export function privilegeFromCatalog(text: string): number {
  const bit = privilegeBit(text);
  if (bit === undefined) throw new Error(`Unknown privilege type from the catalog: ${text}`);
  return bit;
}

/** The names of the bits set in a mask, in PostgreSQL's order. */
export function privilegeNames(mask: number): readonly PrivilegeName[] {
  // Memoised: the diff asks this once per changed (object, role) pair, with few distinct masks.
  let hit = NAMES_OF.get(mask);
  if (!hit) {
    hit = Object.freeze(PRIVILEGE_NAMES.filter((n) => (mask & PRIV[n]) !== 0));
    NAMES_OF.set(mask, hit);
  }
  return hit;
}

const NAMES_OF = new Map<number, readonly PrivilegeName[]>();
