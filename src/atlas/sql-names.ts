import type { Node, ObjectType, RangeVar, RoleSpec } from 'libpg-query';

// Names of objects in a parse tree, written back for a one-line human reason: always double
// quoted as Atlas prints them ("public"."users"), embedded quotes doubled, and characters that
// would break the line (newlines, other controls) shown as escapes. Statements are hostile
// text; the renderer escapes the reasons again, this only keeps them readable.

/** At most this many names are listed; the rest are counted. */
const LISTED = 3;

export function quoteIdent(name: string): string {
  return `"${printable(name).replaceAll('"', '""')}"`;
}

/** Control and line-separator characters as \u{…} escapes, everything else as is. */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

export function qualified(parts: readonly (string | undefined)[]): string {
  return parts
    .filter((p): p is string => p !== undefined && p !== '')
    .map(quoteIdent)
    .join('.');
}

export function relationName(rel: RangeVar | undefined): string {
  return rel ? qualified([rel.catalogname, rel.schemaname, rel.relname]) : 'a table';
}

/** A key equal for the same relation written the same way, for "created earlier" lookups. */
export function relationKey(rel: RangeVar | undefined): string | undefined {
  return rel?.relname === undefined ? undefined : JSON.stringify([rel.catalogname ?? '', rel.schemaname ?? '', rel.relname]);
}

export function roleName(spec: RoleSpec | undefined): string {
  switch (spec?.roletype) {
    case 'ROLESPEC_CSTRING':
      return quoteIdent(spec.rolename ?? '');
    case 'ROLESPEC_PUBLIC':
      return 'PUBLIC';
    case 'ROLESPEC_CURRENT_ROLE':
      return 'CURRENT_ROLE';
    case 'ROLESPEC_CURRENT_USER':
      return 'CURRENT_USER';
    case 'ROLESPEC_SESSION_USER':
      return 'SESSION_USER';
    default:
      return 'a role';
  }
}

/** Strings of a name list (["public", "users"]), as found in many statements. */
export function strings(nodes: readonly Node[] | undefined): string[] {
  return (nodes ?? []).flatMap((n) => ('String' in n ? [n.String.sval ?? ''] : []));
}

/**
 * The name of one object of a DROP, GRANT, COMMENT or ALTER … OWNER: a bare name, a
 * qualified name, a function signature's name, a type or a table. A trigger, policy or rule
 * is named with its table ("trg" on "public"."t").
 */
export function objectName(node: Node, type?: ObjectType): string {
  if ('String' in node) return quoteIdent(node.String.sval ?? '');
  if ('List' in node) {
    const items = node.List.items ?? [];
    // A cast or transform is named by its types: (source, target).
    if (!items.every((n) => 'String' in n)) return `(${items.map((n) => objectName(n)).join(', ')})`;
    const parts = strings(items);
    if (type === 'OBJECT_TRIGGER' || type === 'OBJECT_POLICY' || type === 'OBJECT_RULE') {
      return `${quoteIdent(parts.at(-1) ?? '')} on ${qualified(parts.slice(0, -1))}`;
    }
    return qualified(parts);
  }
  if ('ObjectWithArgs' in node) return qualified(strings(node.ObjectWithArgs.objname));
  if ('TypeName' in node) return qualified(strings(node.TypeName.names));
  if ('RangeVar' in node) return relationName(node.RangeVar);
  if ('RoleSpec' in node) return roleName(node.RoleSpec);
  return 'an object';
}

/** "a", "a and b", "a, b, c and 2 more". */
export function listed(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? 'nothing';
  if (names.length <= LISTED) return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${names.slice(0, LISTED).join(', ')} and ${names.length - LISTED} more`;
}

const OBJECT_WORDS: Partial<Record<ObjectType, string>> = {
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_FDW: 'foreign data wrapper',
  OBJECT_FOREIGN_SERVER: 'server',
  OBJECT_STATISTIC_EXT: 'statistics',
  OBJECT_TABCONSTRAINT: 'constraint',
  OBJECT_DOMCONSTRAINT: 'constraint',
  OBJECT_OPCLASS: 'operator class',
  OBJECT_OPFAMILY: 'operator family',
  OBJECT_TSCONFIGURATION: 'text search configuration',
  OBJECT_TSDICTIONARY: 'text search dictionary',
  OBJECT_TSPARSER: 'text search parser',
  OBJECT_TSTEMPLATE: 'text search template',
  OBJECT_LARGEOBJECT: 'large object',
  OBJECT_DEFACL: 'default privileges',
  OBJECT_PARAMETER_ACL: 'parameter',
};

/** "materialized view" for OBJECT_MATVIEW, "table" for OBJECT_TABLE: lower case, for reasons. */
export function objectWord(type: ObjectType | undefined): string {
  if (type === undefined) return 'object';
  return (
    OBJECT_WORDS[type] ??
    type
      .replace(/^OBJECT_/, '')
      .replaceAll('_', ' ')
      .toLowerCase()
  );
}

/** The same in upper case, for kinds: "DROP MATERIALIZED VIEW". */
export function objectKind(type: ObjectType | undefined): string {
  return objectWord(type).toUpperCase();
}
