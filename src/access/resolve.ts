import type { Node, ObjectWithArgs, RangeVar, TypeName } from 'libpg-query';
import { formatTypeName, objectKey } from './names.js';
import { stringsOf } from './nodes.js';
import type { AccessState } from './state.js';
import type { ObjectRow } from './types.js';

// Names in statements → objects of the model. An unqualified name is looked up in "public",
// the default search_path's first schema on RDS (the plans Atlas writes are always qualified).

export const DEFAULT_SCHEMA = 'public';

/** A RangeVar's schema and name. */
export function relationParts(rel: RangeVar | undefined): { schema: string; name: string } {
  return { schema: rel?.schemaname ?? DEFAULT_SCHEMA, name: rel?.relname ?? '' };
}

/** A qualified name given as a list of String nodes (DROP TABLE s.t) → schema and name. */
export function nameParts(nodes: readonly Node[] | undefined): { schema: string; name: string } {
  const parts = stringsOf(nodes);
  const name = parts[parts.length - 1] ?? '';
  return { schema: parts.length > 1 ? (parts[parts.length - 2] ?? DEFAULT_SCHEMA) : DEFAULT_SCHEMA, name };
}

export function findRelation(st: AccessState, schema: string, name: string): ObjectRow | undefined {
  return st.objects.get(objectKey('table', schema, name));
}

/** A type as it appears in a function signature. */
export function signatureType(t: TypeName | undefined): string {
  return formatTypeName(stringsOf(t?.names), t?.arrayBounds?.length ?? 0);
}

/** The function an ObjectWithArgs names: exact signature, or the only one of that name when no arguments are given. */
export function findFunction(st: AccessState, o: ObjectWithArgs): ObjectRow | undefined {
  const { schema, name } = nameParts(o.objname);
  if (o.args_unspecified) {
    const found = [...st.objects.values()].filter((f) => f.kind === 'function' && f.schema === schema && f.name === name);
    return found.length === 1 ? found[0] : undefined;
  }
  const args = (o.objargs ?? []).flatMap((n) => ('TypeName' in n ? [signatureType(n.TypeName)] : []));
  return st.objects.get(objectKey('function', schema, name, args));
}
