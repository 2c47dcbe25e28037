import type { Node } from 'libpg-query';
import { parseEach } from './pg-batch.js';
import { loadPgParser, type ParseBytes, type ParseOutcome } from './pg-parser.js';
import { PlanState } from './plan-state.js';
import { printable } from './sql-names.js';
import { statementVerdict } from './sql-rules.js';
import { strongest, type EarlierStatements, type StatementVerdict } from './sql-verdict.js';
import type { Classification } from '../core/index.js';

// Classes of planned SQL, decided from PostgreSQL 17's own parse tree (libpg-query), never
// from the text. Atlas applies declaratively: what is in the database but not in the HCL is
// dropped, so reviewers must see which statements are risky and destructive ones are gated.
//
// destructive       objects or data can be lost
// access-reducing   someone loses a privilege, a login, a membership, the name they use, or writes
// session           changes how the server parses or runs the SQL after it (settings, role,
//                   search_path, the transaction), in this session or in later ones
// unknown           no rule knows what it does (a kind without a rule, an EXECUTE of a name never
//                   prepared, a statement after the server stopped reading SQL as the parser does)
// behaviour-change  what existing code or events do changes (CREATE OR REPLACE, rules)
// locking           reads or writes of a live table wait for a long scan, build or rewrite
// safe              the rest: a kind known to be harmless
// A statement hitting several rules takes the most severe (in that order) and that rule's
// reason. A text the parser rejects is destructive, unparsed. The gated-classes input decides
// which classes need the label on merge (gate.ts).
//
// Statement                                  Class            Why
// ---------------------------------------    ---------------  ---------------------------------------------
// DROP TABLE/SCHEMA/VIEW/MATERIALIZED VIEW/  destructive      the object (and its rows) is gone
//   SEQUENCE/TYPE/DOMAIN/FUNCTION/PROCEDURE/
//   EXTENSION, DROP ROLE/USER/GROUP
// DROP TRIGGER / POLICY / RULE, any other    destructive      a definition is lost that no data can rebuild;
//   DROP (database, tablespace, cast, …)                        a dropped policy can hide or expose rows
// DROP INDEX                                 locking          only derived data is lost, but the table is
//                                                             locked (squawk: require-concurrent-index-deletion)
// DROP INDEX CONCURRENTLY                    safe
// DROP OWNED; REASSIGN OWNED                 destructive      every object of a role dropped / handed over
// ALTER TABLE … DROP COLUMN                  destructive
// ALTER TABLE … DROP CONSTRAINT,             destructive      the rule is lost; rows that break it get in and
//   ALTER DOMAIN … DROP CONSTRAINT                            then block re-adding it
// ALTER COLUMN … TYPE                        destructive      lossy casts (and a rewrite under lock; the
//                                                             reason says both)
// TRUNCATE, DELETE, UPDATE, MERGE,           destructive      rows removed or overwritten
//   INSERT … ON CONFLICT DO UPDATE, WITH (DELETE/UPDATE …) SELECT
// DO, CALL                                   destructive      arbitrary code: its effects cannot be checked
// REVOKE (privileges, grant option, role     access-reducing
//   membership or its ADMIN/INHERIT/SET option), ALTER DEFAULT PRIVILEGES … REVOKE
// ALTER ROLE NOLOGIN, CONNECTION LIMIT 0,    access-reducing  each takes something the role could do; a
//   NOSUPERUSER/NOCREATEDB/NOCREATEROLE/                       positive CONNECTION LIMIT is not flagged (it
//   NOREPLICATION/NOBYPASSRLS/NOINHERIT,                       may be a raise); no password value is read
//   PASSWORD (new or NULL), VALID UNTIL (not 'infinity'), ALTER GROUP … DROP USER
// … OWNER TO (ALTER TABLE or ALTER <object>) access-reducing  the previous owner loses its owner rights
// ENABLE / FORCE ROW LEVEL SECURITY,         access-reducing  rows disappear for roles without a policy
//   CREATE POLICY … AS RESTRICTIVE, ALTER POLICY
// RENAME of a table, column, view, schema,   access-reducing  whoever uses the old name is cut off (a role
//   role, function, type, enum value, …; SET SCHEMA              rename also clears an MD5 password)
// RENAME of an index, constraint, trigger,   safe             clients rarely name them
//   policy or rule
// CREATE INDEX without CONCURRENTLY          locking          writes wait for the build
// ALTER COLUMN … SET NOT NULL, ALTER DOMAIN  locking          full scan under lock
//   … SET NOT NULL
// ADD CONSTRAINT (CHECK / FOREIGN KEY)       locking          full scan under lock; NOT VALID: safe
// ADD UNIQUE / PRIMARY KEY / EXCLUDE         locking          index build under lock; UNIQUE USING INDEX:
//                                                             safe; PRIMARY KEY USING INDEX: still locking
//                                                             (columns not NOT NULL are scanned)
// ADD COLUMN serial / identity / stored      locking          the table is rewritten; a constant or now()
//   generated / volatile default / inline                     default is not (PostgreSQL 11+), so safe
//   UNIQUE, PK, CHECK, REFERENCES
// SET EXPRESSION, SET LOGGED/UNLOGGED, SET   locking          rewrite or scan under lock
//   TABLESPACE/ACCESS METHOD, ATTACH PARTITION, DETACH PARTITION (not CONCURRENTLY),
//   REFRESH MATERIALIZED VIEW (not CONCURRENTLY), VACUUM FULL, CLUSTER, REINDEX, LOCK
// CREATE INDEX, ALTER TABLE's locking or     safe             the table is created (CREATE TABLE [AS]) by an
//   access-reducing subcommands, CREATE /                      earlier statement of the same list, written
//   ALTER POLICY, on a table new in the list                   the same way: nobody waits or loses anything
//                                                             yet (a new table's indexes, FKs and RLS)
//   (CREATE TABLE IF NOT EXISTS does not count: the table may exist; a table renamed or moved
//   away, or an unqualified name after search_path or the role changed, no longer counts)
// EXPLAIN [ANALYZE] s, PREPARE p AS s,       the class of s   ANALYZE runs s; planning alone can run
//   COPY (s) TO, CREATE TABLE AS s                             functions, so plain EXPLAIN counts too
// EXECUTE p                                  the class of the statement an earlier PREPARE p of the plan
//                                                             prepared; unknown when none did (or DEALLOCATEd)
// COPY … PROGRAM                             destructive      runs a shell command on the server
// COPY … FROM, COPY … TO a server file       unknown          rows the plan does not show / a file overwritten
// SELECT lo_unlink(…) (any call in a         destructive      the large object is deleted for good (the issue
//   statement that runs now)                                  names it a behaviour change; it loses data)
// ALTER SEQUENCE … RESTART                   destructive      its current value is lost, values come again
// SET / RESET / set_config() of              session          the server then reads string literals and bytes
//   standard_conforming_strings,                              differently: every LATER statement of the plan
//   backslash_quote, client_encoding                          becomes at least unknown, its reason naming the
//                                                             setting (unless set back to what the parser assumes)
// SET / RESET / set_config() of search_path, session          names resolve elsewhere / statements run with
//   role, session_authorization; SET ROLE,                    other privileges; later unqualified names lose
//   SET SESSION AUTHORIZATION, RESET ALL                      the "created earlier in this plan" relief
// any other SET / RESET / set_config()       session          e.g. session_replication_role skips triggers and
//                                                             foreign keys; timeouts, memory, application_name
//                                                             and log levels are safe (a limit only)
// ALTER ROLE / DATABASE … SET, ALTER SYSTEM  session          later sessions parse or run their SQL under it
// ALTER ROLE / DATABASE … SET                access-reducing  every later session of it is read-only
//   default_transaction_read_only = on
// ALTER DATABASE CONNECTION LIMIT 0,         access-reducing  nobody (new) can connect; a positive limit is not
//   ALLOW_CONNECTIONS false                                   flagged: the SQL cannot tell a cut from a raise
//                                                             without the current value (as for ALTER ROLE)
// BEGIN / COMMIT / ROLLBACK / SAVEPOINT,     session          the plan's transaction ends or changes; DISCARD
//   DISCARD                                                   resets settings and prepared statements
// CREATE OR REPLACE FUNCTION/PROCEDURE/      behaviour-change whatever uses it gets the new definition
//   VIEW/TRIGGER, CREATE RULE (INSTEAD or                     (a rule on a table new in the plan: safe);
//   ALSO), ALTER FUNCTION, ALTER EXTENSION,                   not gated unless gated-classes names it
//   CREATE/ALTER EVENT TRIGGER
// COMMENT ON, INSERT (plain), SELECT, GRANT, safe
//   ALTER TYPE … ADD VALUE, CREATE anything, ALTER … SET DEFAULT / DROP NOT NULL / VALIDATE
//   CONSTRAINT / SET STATISTICS, ENABLE/DISABLE TRIGGER, DISABLE ROW LEVEL SECURITY, DEALLOCATE,
//   SHOW, CHECKPOINT, NOTIFY, cursors, and the other kinds listed in sql-other.ts
// Any other statement kind (CREATE         unknown          not counted as safe: e.g. CREATE PUBLICATION /
//   PUBLICATION, LOAD, …, and kinds a later                    SUBSCRIPTION, LOAD, ALTER SYSTEM of other settings
//   PostgreSQL adds)
// Only comments or whitespace                safe             kind EMPTY
// Text the parser rejects, or with a NUL     destructive      parsed: false, kind UNPARSED
// A parsed statement the rules fail on      destructive      parsed: true, kind UNCLASSIFIED (a bug guard)
// Several statements in one string           the most severe  of them; the reason says which one decided
//
// Not inspected: function bodies, and functions a statement calls other than set_config and
// lo_unlink (Atlas does not plan such calls); a plain CREATE TRIGGER on a live table.

export type { Classification } from '../core/index.js';

/** Parser messages can quote a long stretch of the statement; a reason keeps the start. */
const MESSAGE_MAX = 120;

let parser: Promise<ParseBytes> | undefined;
let loaded: Promise<void> | undefined;

/**
 * Loads the parser once (WASM); later calls return the same promise. The action starts it
 * before Terraform runs, so that it is ready, and warmed up (see WARM_UP), when the plans end.
 */
export function loadClassifier(): Promise<void> {
  loaded ??= pgParser().then(() => undefined);
  return loaded;
}

/**
 * Parsed once on load: V8 compiles each WebAssembly function on its first call (lazily, on the
 * main thread), and the functions a first statement needs are most of the parser's. Done here,
 * early, that compilation happens while Terraform runs rather than after the plans.
 */
const WARM_UP = new TextEncoder().encode(
  'CREATE TABLE "public"."t" ("id" bigint NOT NULL, "note" text NULL, PRIMARY KEY ("id")); GRANT SELECT ON TABLE "public"."t" TO "r"; DROP TABLE "public"."t";',
);

/** The one parser instance of the process (loaded once, warmed up), shared with the plan fingerprint. */
export function pgParser(): Promise<ParseBytes> {
  parser ??= loadPgParser().then(
    (parse) => {
      try {
        parse(WARM_UP);
      } catch {
        // Only a warm-up: the real statements meet any parser failure with their own message.
      }
      return parse;
    },
    (err: unknown) => {
      throw new Error(
        `Could not load the PostgreSQL parser (libpg-query WebAssembly): ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    },
  );
  return parser;
}

/** Classifies statements in order, each in the light of the ones before it. Loads the parser on first use. */
export async function classifyStatements(statements: readonly string[]): Promise<Classification[]> {
  if (statements.length === 0) return [];
  const parse = await pgParser();
  const plan = new PlanState();
  const out: Classification[] = [];
  for (const outcome of parseEach(parse, statements)) {
    plan.nextText();
    if (!outcome.ok) {
      out.push(unparsed(outcome));
      continue;
    }
    const verdicts = outcome.stmts.flatMap(({ stmt }) => (stmt === undefined ? [] : [plan.next(stmt, ruled)]));
    const { class: cls, kind, reason } = combine(verdicts);
    out.push({ class: cls, kind, reason, parsed: true });
  }
  return out;
}

function unparsed({ message, position }: Extract<ParseOutcome, { ok: false }>): Classification {
  const why = position === undefined ? message : `the PostgreSQL 17 parser says: ${message} at character ${position}`;
  return {
    class: 'destructive',
    kind: 'UNPARSED',
    reason: `could not be classified, counted as destructive; ${clipMessage(why)}`,
    parsed: false,
  };
}

function combine(verdicts: StatementVerdict[]): StatementVerdict {
  const top = strongest(verdicts);
  if (top === undefined) return { class: 'safe', kind: 'EMPTY', reason: 'contains no statement, only comments or whitespace' };
  if (verdicts.length === 1) return top;
  return { ...top, reason: `${top.reason} (statement ${verdicts.indexOf(top) + 1} of ${verdicts.length} in this text)` };
}

/**
 * The rules over a tree of hostile text: should one ever throw on a shape it did not expect,
 * the statement counts as destructive rather than failing the whole run.
 */
function ruled(stmt: Node, ctx: EarlierStatements): StatementVerdict {
  try {
    return statementVerdict(stmt, ctx);
  } catch (err) {
    const why = clipMessage(err instanceof Error ? err.message : String(err));
    return {
      class: 'destructive',
      kind: 'UNCLASSIFIED',
      reason: `could not be classified, counted as destructive; the rules failed on it: ${why}`,
    };
  }
}

function clipMessage(message: string): string {
  const line = printable(message.replace(/\s+/g, ' ').trim());
  return line.length > MESSAGE_MAX ? `${line.slice(0, MESSAGE_MAX - 1)}…` : line;
}
