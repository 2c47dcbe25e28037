import type { AclItem } from './types.js';

// ACL arithmetic as PostgreSQL's acl.c does it: one item per (grantee, grantor); a grant ORs
// bits into it; a revoke clears them and, for grant options the grantee loses, recursively
// revokes what the grantee had granted on (recursive_revoke). All functions return new arrays.

/** Adds privileges (and their grant options) for each grantee, granted by `grantor`. */
export function aclGrant(
  acl: readonly AclItem[],
  grantees: readonly string[],
  privs: number,
  withGrantOption: boolean,
  grantor: string,
): AclItem[] {
  const out = acl.map((i) => ({ ...i }));
  for (const grantee of grantees) {
    const item = out.find((i) => i.grantee === grantee && i.grantor === grantor);
    const grantable = withGrantOption ? privs : 0;
    if (item) {
      item.privs |= privs;
      item.grantable |= grantable;
    } else out.push({ grantee, grantor, privs, grantable });
  }
  return out.filter((i) => i.privs !== 0 || i.grantable !== 0);
}

/**
 * Removes privileges (or only their grant options) that `grantor` gave each grantee. Grant
 * options a grantee no longer holds directly are revoked from whoever it granted to, as
 * CASCADE does; without CASCADE PostgreSQL refuses such a revoke, so a statement that ran has
 * no such dependents. The owner keeps its implicit grant options and triggers no cascade.
 */
export function aclRevoke(
  acl: readonly AclItem[],
  grantees: readonly string[],
  privs: number,
  grantOptionOnly: boolean,
  grantor: string,
  owner: string,
): AclItem[] {
  let out = acl.map((i) => ({ ...i }));
  for (const grantee of grantees) {
    const item = out.find((i) => i.grantee === grantee && i.grantor === grantor);
    if (!item) continue;
    const lostOptions = item.grantable & privs;
    item.grantable &= ~privs;
    if (!grantOptionOnly) item.privs &= ~privs;
    out = out.filter((i) => i.privs !== 0 || i.grantable !== 0);
    if (lostOptions) out = recursiveRevoke(out, grantee, lostOptions, owner);
  }
  return out;
}

function recursiveRevoke(acl: AclItem[], grantee: string, lost: number, owner: string): AclItem[] {
  if (grantee === owner) return acl;
  // The grantee may still hold some of these options from another grantor.
  const stillHas = acl.filter((i) => i.grantee === grantee).reduce((m, i) => m | i.grantable, 0);
  const revoke = lost & ~stillHas;
  if (!revoke) return acl;
  let out = acl;
  for (const dependent of acl.filter((i) => i.grantor === grantee && (i.privs & revoke) !== 0)) {
    out = aclRevoke(out, [dependent.grantee], revoke, false, grantee, owner);
  }
  return out;
}

/** aclnewowner: every mention of the old owner, as grantee or grantor, becomes the new owner; duplicates merge. */
export function aclNewOwner(acl: readonly AclItem[], oldOwner: string, newOwner: string): AclItem[] {
  const out: AclItem[] = [];
  for (const i of acl) {
    const grantee = i.grantee === oldOwner ? newOwner : i.grantee;
    const grantor = i.grantor === oldOwner ? newOwner : i.grantor;
    const same = out.find((o) => o.grantee === grantee && o.grantor === grantor);
    if (same) {
      same.privs |= i.privs;
      same.grantable |= i.grantable;
    } else out.push({ grantee, grantor, privs: i.privs, grantable: i.grantable });
  }
  return out;
}

/** aclmerge: the union of two ACLs, item by item. */
export function aclMerge(a: readonly AclItem[], b: readonly AclItem[]): AclItem[] {
  let out = a.map((i) => ({ ...i }));
  for (const i of b) {
    out = aclGrant(out, [i.grantee], i.privs, false, i.grantor);
    const item = out.find((o) => o.grantee === i.grantee && o.grantor === i.grantor);
    if (item) item.grantable |= i.grantable;
  }
  return out;
}

/** Same items, in any order. */
export function aclEqual(a: readonly AclItem[], b: readonly AclItem[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((i) =>
    b.some((o) => o.grantee === i.grantee && o.grantor === i.grantor && o.privs === i.privs && o.grantable === i.grantable),
  );
}

/** Renames a role everywhere in an ACL. */
export function aclRenameRole(acl: readonly AclItem[], from: string, to: string): AclItem[] {
  return acl.map((i) => ({ ...i, grantee: i.grantee === from ? to : i.grantee, grantor: i.grantor === from ? to : i.grantor }));
}
