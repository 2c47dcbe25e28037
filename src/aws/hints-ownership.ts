import { code } from '../core/index.js';

// Pure: remedies for a database whose objects existed before Atlas. They were created by the
// master user (or an application role), so the migrator that the schema root connects as may
// not ALTER, GRANT on or DROP them (`must be owner of table …`) or use their schema
// (`permission denied for schema …`). PostgreSQL names the object, never its owner; the hint
// says who usually owns it, how to look the owner up, and how to hand it over. Every name
// comes from the error text and reaches the comment only inside code spans.

/** Who the hints name: the db-user and master-user inputs. */
export interface OwnershipContext {
  dbUser: string;
  masterUser: string;
}

/** The object kinds PostgreSQL's "must be owner of <kind> <name>" names, and how each is altered and looked up. */
const KINDS: Record<string, { alter: string; owner: (name: string) => string }> = {
  table: { alter: 'TABLE', owner: relation },
  relation: { alter: 'TABLE', owner: relation },
  'partitioned table': { alter: 'TABLE', owner: relation },
  'foreign table': { alter: 'FOREIGN TABLE', owner: relation },
  view: { alter: 'VIEW', owner: relation },
  'materialized view': { alter: 'MATERIALIZED VIEW', owner: relation },
  sequence: { alter: 'SEQUENCE', owner: relation },
  function: { alter: 'FUNCTION', owner: (n) => `SELECT proowner::regrole FROM pg_proc WHERE proname = ${literal(n)};` },
  procedure: { alter: 'PROCEDURE', owner: (n) => `SELECT proowner::regrole FROM pg_proc WHERE proname = ${literal(n)};` },
  schema: { alter: 'SCHEMA', owner: (n) => `SELECT nspowner::regrole FROM pg_namespace WHERE nspname = ${literal(n)};` },
  type: { alter: 'TYPE', owner: (n) => `SELECT typowner::regrole FROM pg_type WHERE typname = ${literal(n)};` },
};

// Longest kinds first, so "materialized view" is not read as "view".
const KIND_PATTERN = Object.keys(KINDS)
  .sort((a, b) => b.length - a.length)
  .join('|');
/** PostgreSQL prints the bare name (no schema, no quotes); a name ends at whitespace, a double quote or a bracket. */
const NOT_OWNER = new RegExp(`must be owner of (${KIND_PATTERN}) ([^\\s"()]+)`, 'gi');
const NO_SCHEMA_USE = /permission denied for schema ([^\s"()]+)/gi;

/** Hints for every "must be owner of …" and "permission denied for schema …" in `message`. */
export function ownershipHints(message: string, ctx: OwnershipContext): string[] {
  const hints: string[] = [];
  for (const m of message.matchAll(NOT_OWNER)) {
    const kind = (m[1] ?? '').toLowerCase();
    const spec = KINDS[kind];
    if (spec && m[2]) hints.push(notOwnerHint(kind, spec.alter, spec.owner(m[2]), m[2], ctx));
  }
  for (const m of message.matchAll(NO_SCHEMA_USE)) {
    if (m[1]) hints.push(schemaUseHint(m[1], ctx));
  }
  return hints;
}

function notOwnerHint(kind: string, alter: string, ownerQuery: string, name: string, ctx: OwnershipContext): string {
  const [migrator, master] = [ident(ctx.dbUser), ident(ctx.masterUser)];
  return (
    `The ${kind} ${code(name)} is owned by another role, not by ${code(ctx.dbUser)} (\`db-user\`), which may therefore not alter, grant on or drop it. ` +
    `In a database that existed before Atlas its owner is usually the master user ${code(ctx.masterUser)} (\`master-user\`); ${code(ownerQuery)} names it. ` +
    `Hand it to the migrator, connected as the master user: ${code(`GRANT ${migrator} TO ${master};`)} (only a member of the new owner may make it the owner), then ${code(`ALTER ${alter} ${ident(name)} OWNER TO ${migrator};`)}. ` +
    `If an application role owns it instead and should keep it, make the migrator a member of that role in the roles HCL (\`member_of\`).`
  );
}

function schemaUseHint(schema: string, ctx: OwnershipContext): string {
  const migrator = ident(ctx.dbUser);
  return (
    `${code(ctx.dbUser)} (\`db-user\`) may not use schema ${code(schema)}: it needs USAGE to see the objects in it and CREATE to add some. ` +
    `${code(`SELECT nspowner::regrole FROM pg_namespace WHERE nspname = ${literal(schema)};`)} names its owner (in a database that existed before Atlas usually the master user ${code(ctx.masterUser)}, \`master-user\`). ` +
    `Grant both from the roles root, which connects as the master user: a \`permission\` block in its HCL with \`to = user.<db-user>\`, \`for = schema.<name>\` and \`privileges = [CREATE, USAGE]\` (as the seed does for \`public\`), which applies ${code(`GRANT CREATE, USAGE ON SCHEMA ${ident(schema)} TO ${migrator};`)}.`
  );
}

/** A PostgreSQL identifier, quoted: the name exactly as the error printed it. */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function relation(name: string): string {
  return `SELECT relowner::regrole FROM pg_class WHERE relname = ${literal(name)};`;
}
