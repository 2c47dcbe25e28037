// What `atlas schema clean` would drop for an env (a test double, see README.md): the delete
// of an atlas_schema resource plans it with --dry-run and runs it with --auto-approve. The
// scope follows what the env manages (its `schema { mode { ... } }` in atlas.hcl):
//   roles = true  → the roles env: schema privileges held by the roles it manages, then the
//                   roles themselves (not pg_* or rds* built-ins, superusers, or the env's
//                   own user);
//   otherwise     → the schema env: views, materialized views, tables, sequences (not those
//                   owned by a column), functions, procedures, aggregates, types and domains
//                   in every non-system schema, except objects that belong to extensions.
// Statements are quoted like Atlas writes them. A scenario's `clean` list replaces the scope.

/** @typedef {{ query(sql: string): Promise<{ rows: any[] }> }} Queryable */

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'`;

const notExtensionMember = (/** @type {string} */ catalog, /** @type {string} */ oid) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

// One row per object: phase (drop order), kind, schema, name, identity arguments (routines).
const SCHEMA_OBJECTS = `
SELECT * FROM (
  SELECT 1 AS phase, c.oid::bigint AS ord, CASE c.relkind WHEN 'v' THEN 'VIEW' ELSE 'MATERIALIZED VIEW' END AS kind,
         n.nspname AS schema, c.relname AS name, NULL AS args
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('v', 'm') AND ${USER_SCHEMAS} AND ${notExtensionMember('pg_class', 'c.oid')}
  UNION ALL
  SELECT 2, c.oid::bigint, 'TABLE', n.nspname, c.relname, NULL
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS} AND ${notExtensionMember('pg_class', 'c.oid')}
  UNION ALL
  SELECT 3, c.oid::bigint, 'SEQUENCE', n.nspname, c.relname, NULL
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'S' AND ${USER_SCHEMAS} AND ${notExtensionMember('pg_class', 'c.oid')}
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
  UNION ALL
  SELECT 4, p.oid::bigint, CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
         n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE ${USER_SCHEMAS} AND ${notExtensionMember('pg_proc', 'p.oid')}
  UNION ALL
  SELECT 5, t.oid::bigint, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname, NULL
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE (t.typtype IN ('e', 'r', 'd') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
    AND ${USER_SCHEMAS} AND ${notExtensionMember('pg_type', 't.oid')}
) o ORDER BY phase, ord DESC`;

// Roles the roles env manages, as seen by the env's own user.
const MANAGED_ROLES = `SELECT r.oid, r.rolname FROM pg_roles r
  WHERE r.rolname !~ '^(pg_|rds)' AND NOT r.rolsuper AND r.rolname <> session_user`;

const SCHEMA_GRANTS = `
SELECT n.nspname AS schema, m.rolname AS role, string_agg(DISTINCT a.privilege_type, ', ' ORDER BY a.privilege_type) AS privileges
FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN (${MANAGED_ROLES}) m ON m.oid = a.grantee
WHERE ${USER_SCHEMAS}
GROUP BY n.nspname, m.rolname ORDER BY n.nspname, m.rolname`;

/** An identifier quoted the way Atlas prints it: always in double quotes. */
export const ident = (/** @type {string} */ name) => `"${name.replace(/"/g, '""')}"`;

/**
 * The schema env's drops.
 * @param {Queryable} client
 * @returns {Promise<string[]>}
 */
export async function schemaScope(client) {
  const { rows } = await client.query(SCHEMA_OBJECTS);
  return rows.map((r) => `DROP ${r.kind} ${ident(r.schema)}.${ident(r.name)}${r.args === null ? '' : `(${r.args})`};`);
}

/**
 * The roles env's revokes and drops.
 * @param {Queryable} client
 * @returns {Promise<string[]>}
 */
export async function rolesScope(client) {
  const grants = (await client.query(SCHEMA_GRANTS)).rows.map(
    (g) => `REVOKE ${g.privileges} ON SCHEMA ${ident(g.schema)} FROM ${ident(g.role)};`,
  );
  const roles = (await client.query(`${MANAGED_ROLES} ORDER BY r.rolname`)).rows.map((r) => `DROP ROLE ${ident(r.rolname)};`);
  return [...grants, ...roles];
}
