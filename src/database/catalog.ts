import {
  objectKey,
  privilegeFromCatalog,
  type AccessSnapshot,
  type AclItem,
  type DefaultAclRow,
  type DefaultAclType,
  type MembershipRow,
  type ObjectKind,
  type ObjectRow,
  type RoleRow,
} from '../access/index.js';
import type { ReadOnlySession } from './session.js';

// The access model's starting point, read from the catalogs in a fixed number of queries
// (five, whatever the size of the database): roles, memberships, objects with their owners
// and exploded ACLs, default ACLs. A NULL ACL is read as acldefault(), so what PUBLIC holds by
// default counts. System schemas (pg_catalog, information_schema, pg_toast, …) are left out.

/**
 * The number of queries readAccessCatalog sends.
 * @internal The session tests hold readAccessCatalog to it.
 */
export const CATALOG_QUERY_COUNT = 5;

type AclJson = [grantee: string | null, grantor: string, privilege: string, grantable: boolean][];

/** An aclexplode() of `expr` as a JSON array of [grantee (null = PUBLIC), grantor, privilege, grantable]. */
const aclJson = (
  expr: string,
): string => `(SELECT coalesce(json_agg(json_build_array(ge.rolname, gr.rolname, e.privilege_type, e.is_grantable)), '[]')
    FROM aclexplode(${expr}) e LEFT JOIN pg_roles ge ON ge.oid = e.grantee JOIN pg_roles gr ON gr.oid = e.grantor)`;

const USER_SCHEMA = `n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;

const OBJECTS_SQL = `
SELECT 'database' AS kind, '' AS schema, d.datname AS name, NULL::text[] AS args, pg_get_userbyid(d.datdba) AS owner,
       ${aclJson("coalesce(d.datacl, acldefault('d', d.datdba))")} AS acl, NULL::bool AS secdef, NULL::bool AS proc, NULL::json AS owned_by
  FROM pg_database d WHERE d.datname = current_database()
UNION ALL
SELECT 'schema', '', n.nspname, NULL, pg_get_userbyid(n.nspowner),
       ${aclJson("coalesce(n.nspacl, acldefault('n', n.nspowner))")}, NULL, NULL, NULL
  FROM pg_namespace n WHERE ${USER_SCHEMA} OR n.nspname = 'public'
UNION ALL
SELECT CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END, n.nspname, c.relname, NULL, pg_get_userbyid(c.relowner),
       ${aclJson("coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner))")}, NULL, NULL,
       (SELECT json_build_array(tn.nspname, t.relname) FROM pg_depend dp JOIN pg_class t ON t.oid = dp.refobjid
          JOIN pg_namespace tn ON tn.oid = t.relnamespace
         WHERE c.relkind = 'S' AND dp.classid = 'pg_class'::regclass AND dp.objid = c.oid
           AND dp.refclassid = 'pg_class'::regclass AND dp.deptype IN ('a', 'i') LIMIT 1)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p', 'S') AND ${USER_SCHEMA}
UNION ALL
SELECT 'function', n.nspname, p.proname,
       (SELECT coalesce(array_agg(format_type(t, NULL) ORDER BY o), '{}') FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, o)),
       pg_get_userbyid(p.proowner), ${aclJson("coalesce(p.proacl, acldefault('f', p.proowner))")}, p.prosecdef, p.prokind = 'p', NULL
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE ${USER_SCHEMA}`;

interface ObjectResult {
  kind: ObjectKind;
  schema: string;
  name: string;
  args: string[] | null;
  owner: string;
  acl: AclJson;
  secdef: boolean | null;
  proc: boolean | null;
  owned_by: [string, string] | null;
}

/** Reads the access snapshot. The session must be read-only and bounded (openReadOnlySession). */
export async function readAccessCatalog(session: ReadOnlySession): Promise<AccessSnapshot> {
  const [head] = await session.query<{ version: number; database: string; current_user: string; bootstrap: string }>(
    `SELECT current_setting('server_version_num')::int AS version, current_database() AS database, current_user AS current_user,
            (SELECT rolname FROM pg_roles WHERE oid = 10) AS bootstrap`,
  );
  if (!head) throw new Error('The catalog read returned no server version');
  const v16 = head.version >= 160000;
  const roles = await session.query<Record<string, unknown>>(
    'SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls FROM pg_roles',
  );
  const memberships = await session.query<MembershipRow>(`
    SELECT r.rolname AS role, m.rolname AS member, coalesce(g.rolname, '') AS grantor, a.admin_option AS admin,
           ${v16 ? 'a.inherit_option' : 'm.rolinherit'} AS inherit, ${v16 ? 'a.set_option' : 'true'} AS set
      FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
      LEFT JOIN pg_roles g ON g.oid = a.grantor`);
  const objects = await session.query<ObjectResult>(OBJECTS_SQL);
  const defaults = await session.query<{ role: string; schema: string | null; objtype: DefaultAclType; acl: AclJson }>(`
    SELECT r.rolname AS role, n.nspname AS schema, d.defaclobjtype AS objtype, ${aclJson('d.defaclacl')} AS acl
      FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace`);
  return {
    serverVersionNum: head.version,
    database: head.database,
    currentUser: head.current_user,
    bootstrapSuperuser: head.bootstrap,
    roles: roles.map(roleRow),
    memberships: memberships.map((m) => ({ ...m, admin: m.admin === true, inherit: m.inherit === true, set: m.set === true })),
    objects: objects.map(objectRow),
    defaultAcls: defaults.map((d): DefaultAclRow => ({ role: d.role, schema: d.schema, objtype: d.objtype, acl: aclItems(d.acl) })),
  };
}

function roleRow(r: Record<string, unknown>): RoleRow {
  return {
    name: String(r.rolname),
    superuser: r.rolsuper === true,
    inherit: r.rolinherit === true,
    createrole: r.rolcreaterole === true,
    createdb: r.rolcreatedb === true,
    login: r.rolcanlogin === true,
    replication: r.rolreplication === true,
    bypassrls: r.rolbypassrls === true,
  };
}

function objectRow(o: ObjectResult): ObjectRow {
  const row: ObjectRow = { kind: o.kind, schema: o.schema, name: o.name, owner: o.owner, acl: aclItems(o.acl) };
  if (o.kind === 'function') {
    row.args = o.args ?? [];
    row.securityDefiner = o.secdef === true;
    row.procedure = o.proc === true;
  }
  if (o.owned_by) row.ownedBy = objectKey('table', o.owned_by[0], o.owned_by[1]);
  return row;
}

/** Exploded ACL rows → one item per (grantee, grantor), as PostgreSQL stores them. */
function aclItems(rows: AclJson): AclItem[] {
  const items: AclItem[] = [];
  for (const [grantee, grantor, privilege, grantable] of rows) {
    const g = grantee ?? '';
    let item = items.find((i) => i.grantee === g && i.grantor === grantor);
    if (!item) items.push((item = { grantee: g, grantor, privs: 0, grantable: 0 }));
    const bit = privilegeFromCatalog(privilege);
    item.privs |= bit;
    if (grantable) item.grantable |= bit;
  }
  return items;
}
