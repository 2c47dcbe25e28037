import { describe, expect, it, vi } from 'vitest';
import { classifyStatements, loadClassifier, type Classification, type StatementClass } from '../../src/atlas/classify.js';
import { AUDIT_SQL, ROLES_SQL, SCHEMA_SQL } from '../support/seed-sql.js';

// Statements as Atlas prints them (quoted identifiers, multi-line CREATE TABLE, $$ bodies),
// each classified on its own: [statement, class, kind, a part of the reason].
type Row = [sql: string, cls: StatementClass, kind: string, reason: string];

const FUNCTION_BODY =
  'CREATE FUNCTION "public"."f_000004"() RETURNS integer LANGUAGE plpgsql AS $$\nBEGIN\n  DELETE FROM "public"."t";\n  RETURN 4;\nEND;\n$$;';

const DESTRUCTIVE: Row[] = [
  ['DROP TABLE "public"."users";', 'destructive', 'DROP TABLE', 'drops table "public"."users" and every row in it'],
  [
    'DROP TABLE "public"."a", "public"."b" CASCADE;',
    'destructive',
    'DROP TABLE',
    'every row in them, and everything that depends on them (CASCADE)',
  ],
  ['DROP TABLE IF EXISTS "public"."gone";', 'destructive', 'DROP TABLE', 'drops table "public"."gone"'],
  ['DROP SCHEMA "legacy" CASCADE;', 'destructive', 'DROP SCHEMA', 'drops schema "legacy", and everything that depends on it (CASCADE)'],
  ['DROP VIEW "public"."v";', 'destructive', 'DROP VIEW', 'drops view "public"."v"'],
  ['DROP MATERIALIZED VIEW "public"."mv";', 'destructive', 'DROP MATERIALIZED VIEW', 'and its stored rows'],
  ['DROP SEQUENCE "public"."s";', 'destructive', 'DROP SEQUENCE', 'and its current value'],
  ['DROP TYPE "public"."mood";', 'destructive', 'DROP TYPE', 'drops type "public"."mood" (refused while columns use it)'],
  ['DROP DOMAIN "public"."email";', 'destructive', 'DROP DOMAIN', 'drops domain "public"."email"'],
  ['DROP FUNCTION "public"."f"(integer, text);', 'destructive', 'DROP FUNCTION', 'drops function "public"."f"'],
  ['DROP PROCEDURE "public"."p"();', 'destructive', 'DROP PROCEDURE', 'drops procedure "public"."p"'],
  ['DROP EXTENSION "pgcrypto";', 'destructive', 'DROP EXTENSION', 'and the objects it installed'],
  ['DROP ROLE "app_reader";', 'destructive', 'DROP ROLE', 'drops role "app_reader"'],
  ['DROP USER "a", "b";', 'destructive', 'DROP ROLE', 'drops roles "a" and "b": their logins'],
  ['DROP GROUP "g";', 'destructive', 'DROP ROLE', 'drops role "g"'],
  ['DROP OWNED BY "app_reader";', 'destructive', 'DROP OWNED', 'drops every object owned by "app_reader"'],
  ['REASSIGN OWNED BY "old" TO "new";', 'destructive', 'REASSIGN OWNED', 'hands every object owned by "old" to "new"'],
  [
    'ALTER TABLE "public"."t" DROP COLUMN "note";',
    'destructive',
    'ALTER TABLE',
    'drops column "note" of table "public"."t" and the data in it',
  ],
  ['ALTER TABLE "public"."t" ALTER COLUMN "id" TYPE bigint;', 'destructive', 'ALTER TABLE', 'changes the type of column "id"'],
  [
    'ALTER TABLE "public"."t" ALTER COLUMN "id" SET DATA TYPE text USING "id"::text;',
    'destructive',
    'ALTER TABLE',
    'rewritten under an exclusive lock',
  ],
  ['TRUNCATE "public"."t";', 'destructive', 'TRUNCATE', 'empties "public"."t": every row is removed'],
  ['DELETE FROM "public"."t";', 'destructive', 'DELETE', 'deletes every row of "public"."t"'],
  ['DELETE FROM "public"."t" WHERE "id" = 1;', 'destructive', 'DELETE', 'deletes rows of "public"."t"'],
  ['UPDATE "public"."t" SET "note" = NULL;', 'destructive', 'UPDATE', 'overwrites values in every row of "public"."t"'],
  // Decisions for statements the brief left open (see the table in classify.ts).
  ['DROP TRIGGER "audit" ON "public"."t";', 'destructive', 'DROP TRIGGER', 'drops trigger "audit" on "public"."t"'],
  ['DROP POLICY "own_rows" ON "public"."t";', 'destructive', 'DROP POLICY', 'roles may see or change fewer or more rows'],
  ['DROP RULE "r" ON "public"."t";', 'destructive', 'DROP RULE', 'drops rule "r" on "public"."t"'],
  ['DROP CAST (integer AS text);', 'destructive', 'DROP CAST', 'drops cast ("pg_catalog"."int4", "text")'],
  ['ALTER TABLE "public"."t" DROP CONSTRAINT "t_fk";', 'destructive', 'ALTER TABLE', 'drops constraint "t_fk" of table "public"."t"'],
  [
    'ALTER DOMAIN "public"."email" DROP CONSTRAINT "ck";',
    'destructive',
    'ALTER DOMAIN',
    'drops constraint "ck" of domain "public"."email"',
  ],
  ['DROP DATABASE "app";', 'destructive', 'DROP DATABASE', 'drops database "app" and everything in it'],
  ['DROP TABLESPACE "fast";', 'destructive', 'DROP TABLESPACE', 'what it drops is lost'],
  ['MERGE INTO "t" USING "s" ON "t"."id" = "s"."id" WHEN MATCHED THEN DELETE;', 'destructive', 'MERGE', 'rows can be updated or deleted'],
  ['INSERT INTO "t" ("id") VALUES (1) ON CONFLICT ("id") DO UPDATE SET "id" = 2;', 'destructive', 'INSERT', 'ON CONFLICT DO UPDATE'],
  ['WITH "gone" AS (DELETE FROM "t" RETURNING *) SELECT count(*) FROM "gone";', 'destructive', 'SELECT', 'inside a WITH clause'],
  ["DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$;", 'destructive', 'DO', 'cannot be checked'],
  ['CALL "public"."cleanup"();', 'destructive', 'CALL', 'calls procedure "public"."cleanup"'],
];

const ACCESS_REDUCING: Row[] = [
  [
    'REVOKE SELECT ON TABLE "public"."t" FROM "app_reader";',
    'access-reducing',
    'REVOKE',
    'revokes SELECT on table "public"."t" from "app_reader"',
  ],
  [
    'REVOKE CREATE, USAGE ON SCHEMA "public" FROM "atlas_migrator";',
    'access-reducing',
    'REVOKE',
    'revokes CREATE and USAGE on schema "public"',
  ],
  [
    'REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM PUBLIC;',
    'access-reducing',
    'REVOKE',
    'ALL PRIVILEGES on all tables in schema "public" from PUBLIC',
  ],
  ['REVOKE GRANT OPTION FOR SELECT ON "t" FROM "r";', 'access-reducing', 'REVOKE', 'revokes the grant option for SELECT'],
  ['REVOKE "rds_iam" FROM "atlas_migrator";', 'access-reducing', 'REVOKE', 'revokes membership in "rds_iam" from "atlas_migrator"'],
  [
    'REVOKE ADMIN OPTION FOR "rds_iam" FROM "atlas_migrator";',
    'access-reducing',
    'REVOKE',
    'revokes the ADMIN option of membership in "rds_iam"',
  ],
  ['ALTER ROLE "app_reader" WITH NOLOGIN;', 'access-reducing', 'ALTER ROLE', 'role "app_reader" can no longer log in (NOLOGIN)'],
  ['ALTER ROLE "app_reader" NOCREATEROLE;', 'access-reducing', 'ALTER ROLE', 'loses CREATEROLE (NOCREATEROLE)'],
  ['ALTER ROLE "app_reader" CONNECTION LIMIT 0;', 'access-reducing', 'ALTER ROLE', 'can no longer connect (CONNECTION LIMIT 0)'],
  ['ALTER ROLE "app_reader" NOINHERIT;', 'access-reducing', 'ALTER ROLE', '(NOINHERIT)'],
  [
    'ALTER ROLE "app_reader" NOSUPERUSER NOCREATEDB NOREPLICATION NOBYPASSRLS;',
    'access-reducing',
    'ALTER ROLE',
    'loses SUPERUSER (NOSUPERUSER), loses CREATEDB (NOCREATEDB), loses REPLICATION (NOREPLICATION) and 1 more',
  ],
  ['ALTER ROLE "app_reader" PASSWORD NULL;', 'access-reducing', 'ALTER ROLE', 'loses its password'],
  ['ALTER ROLE "app_reader" VALID UNTIL \'2030-01-01\';', 'access-reducing', 'ALTER ROLE', 'password expiry date'],
  ['ALTER GROUP "readers" DROP USER "app_reader";', 'access-reducing', 'ALTER ROLE', 'loses members "app_reader"'],
  [
    'ALTER DEFAULT PRIVILEGES IN SCHEMA "public" REVOKE SELECT ON TABLES FROM "app_reader";',
    'access-reducing',
    'ALTER DEFAULT PRIVILEGES',
    'stops granting SELECT on tables created from now on in schema "public" to "app_reader"',
  ],
  [
    'ALTER TABLE "public"."t" OWNER TO "atlas_migrator";',
    'access-widening',
    'ALTER TABLE',
    'makes "atlas_migrator" the owner of table "public"."t"',
  ],
  ['ALTER SCHEMA "app" OWNER TO "atlas_migrator";', 'access-widening', 'ALTER SCHEMA OWNER', 'an ownership transfer widens access'],
  // Widening access, from the text alone (the merge gate reads no live catalog)
  ['GRANT "rds_superuser" TO "app_reader";', 'access-widening', 'GRANT', 'membership in "rds_superuser" is superuser-like'],
  ['ALTER ROLE "app_reader" SUPERUSER CREATEROLE;', 'access-widening', 'ALTER ROLE', 'gets SUPERUSER; gets CREATEROLE'],
  ['CREATE ROLE "boss" LOGIN SUPERUSER;', 'access-widening', 'CREATE ROLE', 'gets SUPERUSER'],
  ['CREATE ROLE "r" IN ROLE "rds_superuser";', 'access-widening', 'CREATE ROLE', 'becomes a member of "rds_superuser"'],
  ['GRANT ALL ON TABLE "public"."t" TO PUBLIC;', 'access-widening', 'GRANT', 'PUBLIC (every role, present and future) gets it'],
  ['GRANT SELECT ON "t" TO "r" WITH GRANT OPTION;', 'access-widening', 'GRANT', 'WITH GRANT OPTION'],
  ['GRANT "g" TO "r" WITH ADMIN OPTION;', 'access-widening', 'GRANT', 'WITH ADMIN OPTION'],
  ['GRANT "g" TO PUBLIC;', 'access-widening', 'GRANT', 'PUBLIC (every role) becomes a member'],
  ['ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;', 'access-widening', 'ALTER DEFAULT PRIVILEGES', 'every future object'],
  [
    'CREATE FUNCTION "public"."f"() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;',
    'access-widening',
    'CREATE FUNCTION',
    "runs it with its owner's privileges",
  ],
  ['ALTER ROLE "r" NOSUPERUSER;', 'access-reducing', 'ALTER ROLE', 'loses SUPERUSER'],
  [
    'ALTER TABLE "public"."t" ENABLE ROW LEVEL SECURITY;',
    'access-reducing',
    'ALTER TABLE',
    'roles other than its owner see only the rows a policy allows',
  ],
  [
    'ALTER TABLE "public"."t" FORCE ROW LEVEL SECURITY;',
    'access-reducing',
    'ALTER TABLE',
    'its owner too sees only the rows a policy allows',
  ],
  ['ALTER FUNCTION "public"."f"() RENAME TO "g";', 'access-reducing', 'RENAME FUNCTION', 'renames function "public"."f" to "g"'],
  ['CREATE POLICY "p" ON "public"."t" AS RESTRICTIVE USING (true);', 'access-reducing', 'CREATE POLICY', 'creates restrictive policy "p"'],
  ['ALTER POLICY "p" ON "public"."t" USING (false);', 'access-reducing', 'ALTER POLICY', 'roles may see or change fewer rows'],
  [
    'ALTER TABLE "public"."t" RENAME TO "u";',
    'access-reducing',
    'RENAME TABLE',
    'renames table "public"."t" to "u": anything that uses the old name',
  ],
  [
    'ALTER TABLE "public"."t" RENAME COLUMN "a" TO "b";',
    'access-reducing',
    'RENAME COLUMN',
    'renames column "a" of table "public"."t" to "b"',
  ],
  ['ALTER ROLE "a" RENAME TO "b";', 'access-reducing', 'RENAME ROLE', 'an MD5 password is cleared'],
  [
    'ALTER TABLE "public"."t" SET SCHEMA "archive";',
    'access-reducing',
    'ALTER TABLE SET SCHEMA',
    'moves table "public"."t" to schema "archive"',
  ],
  [
    'ALTER TYPE "public"."mood" RENAME VALUE \'sad\' TO \'blue\';',
    'access-reducing',
    'ALTER TYPE',
    'renames a value of type "public"."mood"',
  ],
];

const LOCKING: Row[] = [
  [
    'CREATE INDEX "t_note" ON "public"."t" ("note");',
    'locking',
    'CREATE INDEX',
    'builds index "t_note" on "public"."t" without CONCURRENTLY',
  ],
  ['CREATE UNIQUE INDEX "t_u" ON "public"."t" ("a", "b");', 'locking', 'CREATE INDEX', 'builds unique index "t_u"'],
  [
    'ALTER TABLE "public"."t" ALTER COLUMN "note" SET NOT NULL;',
    'locking',
    'ALTER TABLE',
    'sets column "note" of table "public"."t" NOT NULL: every row is scanned',
  ],
  [
    'ALTER TABLE "public"."t" ADD CONSTRAINT "t_fk" FOREIGN KEY ("o") REFERENCES "public"."o" ("id");',
    'locking',
    'ALTER TABLE',
    'adds foreign key "t_fk" to table "public"."t": every row is checked while writes wait',
  ],
  ['ALTER TABLE "public"."t" ADD CONSTRAINT "ck" CHECK ("n" > 0);', 'locking', 'ALTER TABLE', 'adds check constraint "ck"'],
  ['ALTER TABLE "public"."t" ADD CONSTRAINT "u" UNIQUE ("n");', 'locking', 'ALTER TABLE', 'its index is built while writes wait'],
  ['ALTER TABLE "public"."t" ADD PRIMARY KEY ("id");', 'locking', 'ALTER TABLE', 'adds primary key to table "public"."t"'],
  [
    'ALTER TABLE "public"."t" ADD CONSTRAINT "pk" PRIMARY KEY USING INDEX "t_id";',
    'locking',
    'ALTER TABLE',
    'columns not yet NOT NULL are scanned',
  ],
  ['ALTER TABLE "public"."t" ADD COLUMN "n" bigserial;', 'locking', 'ALTER TABLE', 'with a serial type: filling it rewrites the table'],
  [
    'ALTER TABLE "public"."t" ADD COLUMN "u" uuid NOT NULL DEFAULT gen_random_uuid();',
    'locking',
    'ALTER TABLE',
    'a volatile default rewrites the table',
  ],
  [
    'ALTER TABLE "public"."t" ADD COLUMN "g" integer GENERATED ALWAYS AS ("n" * 2) STORED;',
    'locking',
    'ALTER TABLE',
    'stored generated column',
  ],
  ['ALTER TABLE "public"."t" ADD COLUMN "o" bigint REFERENCES "public"."o" ("id");', 'locking', 'ALTER TABLE', 'with a foreign key'],
  ['ALTER TABLE "public"."t" SET TABLESPACE "slow";', 'locking', 'ALTER TABLE', 'moves table "public"."t" to another tablespace'],
  ['ALTER TABLE "public"."t" SET UNLOGGED;', 'locking', 'ALTER TABLE', 'the table is rewritten'],
  ['ALTER TABLE "public"."t" ALTER COLUMN "g" SET EXPRESSION AS ("n" * 3);', 'locking', 'ALTER TABLE', 'changes the generation expression'],
  [
    'ALTER TABLE "public"."t" ADD CONSTRAINT "x" EXCLUDE USING gist ("r" WITH &&);',
    'locking',
    'ALTER TABLE',
    'adds exclusion constraint "x"',
  ],
  ['ALTER TABLE "public"."t" ADD COLUMN "i" bigint GENERATED ALWAYS AS IDENTITY;', 'locking', 'ALTER TABLE', 'as an identity column'],
  [
    'ALTER TABLE "public"."m" ATTACH PARTITION "public"."m_2026" FOR VALUES IN (\'2026\');',
    'locking',
    'ALTER TABLE',
    'attaches a partition',
  ],
  ['ALTER TABLE "public"."m" DETACH PARTITION "public"."m_2020";', 'locking', 'ALTER TABLE', 'detaches a partition'],
  ['CLUSTER "public"."t" USING "t_pkey";', 'locking', 'CLUSTER', 'rewrites "public"."t" in index order'],
  ['LOCK TABLE "public"."t" IN ACCESS EXCLUSIVE MODE;', 'locking', 'LOCK', 'locks "public"."t"'],
  ['ALTER DOMAIN "public"."email" SET NOT NULL;', 'locking', 'ALTER DOMAIN', 'every column of this type is checked'],
  ['DROP INDEX "public"."t_note";', 'locking', 'DROP INDEX', 'drops index "public"."t_note": reads and writes of its table wait'],
  ['REFRESH MATERIALIZED VIEW "public"."mv";', 'locking', 'REFRESH MATERIALIZED VIEW', 'reads of it wait until the refresh ends'],
  ['VACUUM FULL "public"."t";', 'locking', 'VACUUM', 'VACUUM FULL rewrites'],
  ['REINDEX TABLE "public"."t";', 'locking', 'REINDEX', 'rebuilds indexes while writes'],
];

const SAFE: Row[] = [
  [
    'CREATE INDEX CONCURRENTLY "t_note" ON "public"."t" ("note");',
    'safe',
    'CREATE INDEX',
    'builds index "t_note" on "public"."t" concurrently',
  ],
  ['DROP INDEX CONCURRENTLY "public"."t_note";', 'safe', 'DROP INDEX', 'no rows are lost'],
  [
    'ALTER TABLE "public"."t" ADD CONSTRAINT "t_fk" FOREIGN KEY ("o") REFERENCES "public"."o" ("id") NOT VALID;',
    'safe',
    'ALTER TABLE',
    'NOT VALID: existing rows are checked later',
  ],
  ['ALTER TABLE "public"."t" VALIDATE CONSTRAINT "t_fk";', 'safe', 'ALTER TABLE', 'alters table "public"."t"'],
  ['ALTER TABLE "public"."t" ADD CONSTRAINT "u" UNIQUE USING INDEX "t_u";', 'safe', 'ALTER TABLE', 'using the existing index "t_u"'],
  ['ALTER TABLE "public"."t" ADD COLUMN "note" text NULL;', 'safe', 'ALTER TABLE', 'adds column "note" to table "public"."t"'],
  ['ALTER TABLE "public"."t" ADD COLUMN "at" timestamptz NOT NULL DEFAULT now();', 'safe', 'ALTER TABLE', 'adds column "at"'],
  ['ALTER TABLE "public"."t" ADD COLUMN "tags" text[] NOT NULL DEFAULT \'{}\'::text[];', 'safe', 'ALTER TABLE', 'adds column "tags"'],
  [
    'ALTER TABLE "public"."t" ALTER COLUMN "n" SET DEFAULT 0, ALTER COLUMN "m" DROP NOT NULL;',
    'safe',
    'ALTER TABLE',
    'alters table "public"."t"',
  ],
  ['ALTER TABLE "public"."t" DISABLE ROW LEVEL SECURITY;', 'safe', 'ALTER TABLE', 'alters table'],
  [
    'ALTER TABLE "public"."m" DETACH PARTITION "public"."m_2020" CONCURRENTLY;',
    'safe',
    'ALTER TABLE',
    'detaches a partition from table "public"."m" concurrently',
  ],
  ['ALTER TABLE "public"."t" ALTER COLUMN "n" SET STATISTICS 500, DISABLE TRIGGER "audit";', 'safe', 'ALTER TABLE', 'alters table'],
  ['ALTER TRIGGER "a" ON "public"."t" RENAME TO "b";', 'safe', 'RENAME TRIGGER', 'renames trigger "a" on "public"."t" to "b"'],
  ['REFRESH MATERIALIZED VIEW CONCURRENTLY "public"."mv";', 'safe', 'REFRESH MATERIALIZED VIEW', 'concurrently'],
  ['REINDEX INDEX CONCURRENTLY "public"."i";', 'safe', 'REINDEX', 'concurrently'],
  ['ALTER TABLE "public"."t" RENAME CONSTRAINT "a" TO "b";', 'safe', 'RENAME CONSTRAINT', 'renames constraint "a" on "public"."t" to "b"'],
  ['ALTER INDEX "public"."i" RENAME TO "j";', 'safe', 'RENAME INDEX', 'renames index "public"."i" to "j"'],
  ['ALTER TABLE "public"."t" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY;', 'safe', 'ALTER TABLE', 'alters table'],
  [FUNCTION_BODY, 'safe', 'CREATE FUNCTION', 'creates function "public"."f_000004"'],
  [
    'CREATE TRIGGER "audit" AFTER INSERT ON "public"."t" FOR EACH ROW EXECUTE FUNCTION "public"."f"();',
    'safe',
    'CREATE TRIGGER',
    'creates trigger "audit"',
  ],
  ['CREATE POLICY "p" ON "public"."t" USING (true);', 'safe', 'CREATE POLICY', 'creates policy "p" on "public"."t"'],
  ['COMMENT ON COLUMN "public"."t"."note" IS \'free text\';', 'safe', 'COMMENT', 'sets the comment on column "public"."t"."note"'],
  ['INSERT INTO "public"."t" ("id") VALUES (1);', 'safe', 'INSERT', 'inserts rows into "public"."t"'],
  ['INSERT INTO "public"."t" ("id") VALUES (1) ON CONFLICT DO NOTHING;', 'safe', 'INSERT', 'inserts rows'],
  ['ALTER TYPE "public"."mood" ADD VALUE \'ok\' AFTER \'sad\';', 'safe', 'ALTER TYPE', 'adds a value to type "public"."mood"'],
  ['CREATE TYPE "public"."mood" AS ENUM (\'sad\', \'ok\');', 'safe', 'CREATE TYPE', 'a CREATE TYPE statement'],
  ['CREATE SCHEMA "app";', 'safe', 'CREATE SCHEMA', 'creates schema "app"'],
  ['CREATE EXTENSION IF NOT EXISTS "pgcrypto";', 'safe', 'CREATE EXTENSION', 'installs extension "pgcrypto"'],
  ['CREATE SEQUENCE "public"."s";', 'safe', 'CREATE SEQUENCE', 'creates sequence "public"."s"'],
  [
    'GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA "public" TO "app_reader";',
    'safe',
    'GRANT',
    'grants SELECT and INSERT on all tables in schema "public"',
  ],
  [
    'ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT SELECT ON TABLES TO "app_reader";',
    'safe',
    'ALTER DEFAULT PRIVILEGES',
    'grants SELECT',
  ],
  ['ALTER ROLE "app_reader" WITH LOGIN CONNECTION LIMIT 10;', 'safe', 'ALTER ROLE', 'changes attributes of role "app_reader"'],
  ["SET lock_timeout = '5s';", 'safe', 'SET', 'sets lock_timeout to "5s" for the rest of the session: a limit only'],
  ['DEALLOCATE "p";', 'safe', 'DEALLOCATE', 'no rule for lost data'],
  ['COPY "public"."t" TO STDOUT;', 'safe', 'COPY', 'copies the rows of "public"."t" to the client'],
  ['EXPLAIN SELECT 1;', 'safe', 'EXPLAIN SELECT', 'plans a statement'],
  ['ALTER DATABASE "app" CONNECTION LIMIT 50;', 'safe', 'ALTER DATABASE', 'changes the connection limit of database "app"'],
  ['ALTER ROLE "app_reader" SET statement_timeout = \'30s\';', 'safe', 'ALTER ROLE', 'a limit only'],
  ['SELECT 1;', 'safe', 'SELECT', 'runs a query'],
];

// Issue 17: each of these was rated safe before. A statement can hide a destructive one, change
// how the server reads the SQL after it, or cut clients off without any DROP or REVOKE.
const HIDDEN: Row[] = [
  [
    'EXPLAIN ANALYZE DELETE FROM "public"."orders";',
    'destructive',
    'EXPLAIN ANALYZE DELETE',
    'runs and explains a statement that deletes every row of "public"."orders"',
  ],
  [
    'EXPLAIN (ANALYZE) UPDATE "public"."orders" SET "total" = 0;',
    'destructive',
    'EXPLAIN ANALYZE UPDATE',
    'overwrites values in every row of "public"."orders"',
  ],
  ['EXPLAIN (ANALYZE false) DELETE FROM "public"."orders";', 'destructive', 'EXPLAIN DELETE', 'counted as if it ran'],
  [
    'PREPARE "p" AS DELETE FROM "public"."orders";',
    'destructive',
    'PREPARE DELETE',
    'prepares "p", which EXECUTE runs later and which deletes every row',
  ],
  ['EXECUTE "p";', 'unknown', 'EXECUTE', 'runs prepared statement "p", which no earlier statement of this plan prepares'],
  ['COPY (DELETE FROM "public"."orders" RETURNING *) TO STDOUT;', 'destructive', 'COPY DELETE', 'deletes every row of "public"."orders"'],
  ['COPY "public"."t" TO PROGRAM \'rm -rf /\';', 'destructive', 'COPY', 'runs a shell command on the database server'],
  ['COPY "public"."t" FROM STDIN;', 'unknown', 'COPY', 'loads rows into "public"."t" from the client: the rows are not in this plan'],
  [
    'CREATE TABLE "public"."gone" AS WITH d AS (DELETE FROM "public"."orders" RETURNING *) SELECT * FROM d;',
    'destructive',
    'CREATE TABLE AS',
    'deletes every row of "public"."orders", inside a WITH clause',
  ],
  ['SELECT lo_unlink(16403);', 'destructive', 'LO_UNLINK', 'deletes a large object with lo_unlink(): its data is gone'],
  ['ALTER SEQUENCE "public"."s" RESTART WITH 1;', 'destructive', 'ALTER SEQUENCE', 'values it gave out come again'],
  ["ALTER SYSTEM SET wal_level = 'minimal';", 'session', 'ALTER SYSTEM', 'sets the default of wal_level of every database on the server'],
  ['CREATE PUBLICATION "pub" FOR ALL TABLES;', 'unknown', 'CREATE PUBLICATION', 'no rule knows what it does, so it is not counted as safe'],
  ["LOAD 'auto_explain';", 'unknown', 'LOAD', 'not counted as safe'],
];

const SESSION: Row[] = [
  ['SET standard_conforming_strings = off;', 'session', 'SET', 'changes how the server reads string literals'],
  ['SET LOCAL search_path TO "archive", "public";', 'session', 'SET', 'unqualified names in later statements may resolve to other objects'],
  ['RESET search_path;', 'session', 'RESET', 'sets search_path back to its default'],
  [
    'SET ROLE "app_owner";',
    'session',
    'SET',
    'sets the role to "app_owner" for the rest of the session: later statements run with other privileges',
  ],
  ['RESET ROLE;', 'session', 'RESET', 'sets the role back to its default'],
  ['SET SESSION AUTHORIZATION "app_owner";', 'session', 'SET', 'sets the session user to "app_owner"'],
  ['RESET ALL;', 'session', 'RESET', 'resets every setting of the session, role and search_path included'],
  ['SET backslash_quote = on;', 'session', 'SET', 'changes how the server reads string literals'],
  ["SET NAMES 'SJIS';", 'session', 'SET', 'sets client_encoding to "SJIS"'],
  ['SET session_replication_role = replica;', 'session', 'SET', 'sets session_replication_role to "replica"'],
  [
    "SELECT set_config('standard_conforming_strings', 'off', false);",
    'session',
    'SET_CONFIG',
    'sets standard_conforming_strings to "off" for the rest of the session',
  ],
  ["SELECT pg_catalog.set_config('search_path', 'archive', true);", 'session', 'SET_CONFIG', 'for the rest of the transaction'],
  ['ALTER DATABASE "app" SET search_path = "archive";', 'session', 'ALTER DATABASE', 'sets the default of search_path of database "app"'],
  ['ALTER ROLE "app" SET standard_conforming_strings = off;', 'session', 'ALTER ROLE', 'may read it differently from the parser'],
  ['COMMIT;', 'session', 'TRANSACTION', 'later statements no longer commit or fail with the earlier ones'],
  ['DISCARD ALL;', 'session', 'DISCARD', 'resets the session'],
];

const ACCESS_REDUCING_DATABASE: Row[] = [
  [
    'ALTER DATABASE "app" CONNECTION LIMIT 0;',
    'access-reducing',
    'ALTER DATABASE',
    'database "app" accepts no more connections (CONNECTION LIMIT 0)',
  ],
  ['ALTER DATABASE "app" WITH ALLOW_CONNECTIONS false;', 'access-reducing', 'ALTER DATABASE', 'refuses every new connection'],
  [
    'ALTER ROLE "app_writer" SET default_transaction_read_only = on;',
    'access-reducing',
    'ALTER ROLE',
    'makes every new session of role "app_writer" read-only (default_transaction_read_only = on): its writes fail',
  ],
  [
    'ALTER ROLE "app_writer" IN DATABASE "app" SET default_transaction_read_only TO true;',
    'access-reducing',
    'ALTER ROLE',
    'of role "app_writer" in database "app" read-only',
  ],
  ['ALTER DATABASE "app" SET default_transaction_read_only = 1;', 'access-reducing', 'ALTER DATABASE', 'of database "app" read-only'],
  ['ALTER ROLE "app_reader" VALID UNTIL \'2001-01-01\';', 'access-reducing', 'ALTER ROLE', 'gets a password expiry date (VALID UNTIL)'],
];

const BEHAVIOUR: Row[] = [
  [
    'CREATE OR REPLACE FUNCTION "public"."f"() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n  RETURN NEW;\nEND;\n$body$;',
    'behaviour-change',
    'CREATE FUNCTION',
    'creates or replaces function "public"."f": if it already exists, whatever uses it gets the new definition',
  ],
  [
    'CREATE OR REPLACE PROCEDURE "public"."p"() LANGUAGE sql AS $$ SELECT 1 $$;',
    'behaviour-change',
    'CREATE PROCEDURE',
    'creates or replaces procedure "public"."p"',
  ],
  ['CREATE OR REPLACE VIEW "public"."v" AS SELECT 1 AS "one";', 'behaviour-change', 'CREATE VIEW', 'creates or replaces view "public"."v"'],
  [
    'CREATE OR REPLACE TRIGGER "audit" AFTER UPDATE ON "public"."t" FOR EACH ROW EXECUTE FUNCTION "public"."f"();',
    'behaviour-change',
    'CREATE TRIGGER',
    'creates or replaces trigger "audit" on "public"."t"',
  ],
  [
    'CREATE RULE "r" AS ON DELETE TO "public"."orders" DO INSTEAD NOTHING;',
    'behaviour-change',
    'CREATE RULE',
    'creates rule "r" on "public"."orders": every DELETE on it does something else instead (DO INSTEAD)',
  ],
  ['CREATE RULE "r" AS ON INSERT TO "public"."t" DO ALSO NOTIFY "t";', 'behaviour-change', 'CREATE RULE', 'also does more (DO ALSO)'],
  ['ALTER FUNCTION "public"."f"() SECURITY DEFINER;', 'access-widening', 'ALTER FUNCTION', "runs it with its owner's privileges"],
  ['ALTER FUNCTION "public"."f"() SECURITY INVOKER;', 'behaviour-change', 'ALTER FUNCTION', 'changes how an existing function runs'],
];

function check(result: Classification | undefined, [, cls, kind, reason]: Row): void {
  expect(result).toBeDefined();
  expect(result!.class).toBe(cls);
  expect(result!.kind).toBe(kind);
  expect(result!.reason).toContain(reason);
  expect(result!.parsed).toBe(true);
  expect(result!.reason).not.toMatch(/[\n\r]/);
}

describe('classifyStatements, one statement at a time', () => {
  for (const [name, rows] of Object.entries({
    destructive: DESTRUCTIVE,
    'access-reducing': ACCESS_REDUCING,
    locking: LOCKING,
    safe: SAFE,
    'hidden behind another statement': HIDDEN,
    session: SESSION,
    'access-reducing (databases and role defaults)': ACCESS_REDUCING_DATABASE,
    'behaviour-change': BEHAVIOUR,
  })) {
    it.each(rows)(`${name}: %s`, async (...row) => {
      const [result] = await classifyStatements([row[0]]);
      check(result, row);
    });
  }
});

describe('the seed and the benchmark shapes, as Atlas prints them', () => {
  it('classifies every statement of the seed guide as safe, with its kind', async () => {
    const results = await classifyStatements([...ROLES_SQL, ...SCHEMA_SQL, AUDIT_SQL]);
    expect(results.map((r) => [r.class, r.kind])).toEqual([
      ['safe', 'CREATE ROLE'],
      ['safe', 'CREATE ROLE'],
      ['safe', 'GRANT'],
      ['safe', 'GRANT'],
      ['safe', 'CREATE TABLE'],
      ['safe', 'GRANT'],
      ['safe', 'CREATE TABLE'],
    ]);
    expect(results[2]!.reason).toBe('grants membership in "rds_iam" to "atlas_migrator"');
    expect(results[3]!.reason).toBe('grants CREATE and USAGE on schema "public" to "atlas_migrator"');
    expect(results[4]!.reason).toBe('creates table "public"."validation_probe"');
  });

  it("keeps a quoted ';' and newline inside a COMMENT literal as one statement", async () => {
    const [r] = await classifyStatements([`COMMENT ON TABLE "public"."t_000003" IS 'it''s;\nnot the end;';`]);
    expect(r).toMatchObject({ class: 'safe', kind: 'COMMENT', parsed: true });
  });
});

describe('odd identifiers, comments and several statements in one text', () => {
  it.each<Row>([
    ['DROP TABLE "public"."we;ird";', 'destructive', 'DROP TABLE', 'drops table "public"."we;ird"'],
    ['DROP TABLE "public"."say ""hi""";', 'destructive', 'DROP TABLE', 'drops table "public"."say ""hi"""'],
    ['DROP TABLE "public"."two\nlines";', 'destructive', 'DROP TABLE', 'drops table "public"."two\\u{a}lines"'],
    ['DROP TABLE "public"."ünïcødé 表";', 'destructive', 'DROP TABLE', '"public"."ünïcødé 表"'],
    ['-- drop it, Atlas says\nDROP TABLE "public"."t";', 'destructive', 'DROP TABLE', 'drops table "public"."t"'],
    ['/* DROP TABLE "public"."t"; */ CREATE TABLE "public"."t" ("id" integer);', 'safe', 'CREATE TABLE', 'creates table "public"."t"'],
    ['CREATE TABLE "public"."t" ("id" integer); -- DROP TABLE "public"."t";', 'safe', 'CREATE TABLE', 'creates table'],
    ['SELECT \'; DROP TABLE "public"."t"; --\';', 'safe', 'SELECT', 'runs a query'],
    ['-- nothing but a comment', 'safe', 'EMPTY', 'only comments or whitespace'],
    ['/* x */', 'safe', 'EMPTY', 'only comments or whitespace'],
    ['', 'safe', 'EMPTY', 'only comments or whitespace'],
    [
      'CREATE TABLE "public"."x" ("id" int); DROP TABLE "public"."y"; GRANT SELECT ON "public"."x" TO "r";',
      'destructive',
      'DROP TABLE',
      '(statement 2 of 3 in this text)',
    ],
    ['GRANT SELECT ON "t" TO "r"; REVOKE SELECT ON "u" FROM "r";', 'access-reducing', 'REVOKE', 'revokes SELECT on table "u"'],
  ])('%s', async (...row) => {
    const [result] = await classifyStatements([row[0]]);
    check(result, row);
  });

  it('takes the most severe subcommand of an ALTER TABLE and counts the others', async () => {
    const [r] = await classifyStatements([
      'ALTER TABLE "public"."t" ADD COLUMN "x" text, ALTER COLUMN "y" SET NOT NULL, DROP COLUMN "z", OWNER TO "bob";',
    ]);
    expect(r).toMatchObject({ class: 'destructive', kind: 'ALTER TABLE' });
    expect(r!.reason).toBe('drops column "z" of table "public"."t" and the data in it (and 3 other changes)');
  });

  it('gives access-reducing precedence over locking within one ALTER TABLE', async () => {
    const [r] = await classifyStatements(['ALTER TABLE "public"."t" ALTER COLUMN "y" SET NOT NULL, ENABLE ROW LEVEL SECURITY;']);
    expect(r).toMatchObject({ class: 'access-reducing' });
    expect(r!.reason).toContain('enables row-level security on table "public"."t"');
  });
});

describe('statements that do not parse', () => {
  it.each([
    ['SELEC 1;', 'syntax error at or near "SELEC"'],
    ['DROP TABLE;', 'syntax error at or near ";"'],
    ['CREATE FUNCTION "f"() RETURNS int AS $$ SELECT 1;', 'unterminated dollar-quoted string'],
    ['ALTER TABLE "t" ADD COLUMN "x" int; DROP TABL "t";', 'syntax error at or near "TABL"'],
  ])('%s', async (sql, message) => {
    const [r] = await classifyStatements([sql]);
    expect(r).toMatchObject({ class: 'destructive', kind: 'UNPARSED', parsed: false });
    expect(r!.reason).toContain('could not be classified');
    expect(r!.reason).toContain(message);
  });

  it('refuses a NUL character, behind which the C parser would see nothing', async () => {
    const [r] = await classifyStatements(['SELECT 1;\0DROP TABLE "public"."t";']);
    expect(r).toMatchObject({ class: 'destructive', kind: 'UNPARSED', parsed: false });
    expect(r!.reason).toContain('NUL character');
  });

  it("shortens the parser's message to one line", async () => {
    const [r] = await classifyStatements([`SELECT 'never closed\n${'x'.repeat(500)}`]);
    expect(r!.parsed).toBe(false);
    expect(r!.reason).not.toContain('\n');
    expect(r!.reason.length).toBeLessThan(260);
  });

  it('keeps classifying the statements after one that does not parse', async () => {
    const results = await classifyStatements(['NOT SQL AT ALL', 'DROP TABLE "public"."t";', 'CREATE SCHEMA "s";']);
    expect(results.map((r) => [r.class, r.kind, r.parsed])).toEqual([
      ['destructive', 'UNPARSED', false],
      ['destructive', 'DROP TABLE', true],
      ['safe', 'CREATE SCHEMA', true],
    ]);
  });
});

describe('a table created earlier in the same list', () => {
  const CREATE = 'CREATE TABLE "public"."audit_log" (\n  "id" bigint NOT NULL,\n  "note" text NULL,\n  PRIMARY KEY ("id")\n);';

  it('makes its index, constraints and row-level security harmless', async () => {
    const results = await classifyStatements([
      CREATE,
      'CREATE INDEX "audit_note" ON "public"."audit_log" ("note");',
      'ALTER TABLE "public"."audit_log" ADD CONSTRAINT "ck" CHECK ("id" > 0), ENABLE ROW LEVEL SECURITY;',
      'CREATE POLICY "p" ON "public"."audit_log" AS RESTRICTIVE USING (true);',
      'ALTER POLICY "p" ON "public"."audit_log" USING (false);',
    ]);
    expect(results.map((r) => r.class)).toEqual(['safe', 'safe', 'safe', 'safe', 'safe']);
    expect(results[1]!.reason).toBe(
      'builds index "audit_note" on "public"."audit_log"; harmless here: "public"."audit_log" is created earlier in this plan',
    );
  });

  it('still locks a table only named differently, created later, or not created at all', async () => {
    const results = await classifyStatements([
      'CREATE INDEX "a" ON "public"."audit_log" ("note");',
      CREATE,
      'CREATE INDEX "b" ON "audit_log" ("note");',
      'CREATE INDEX "c" ON "public"."other" ("note");',
    ]);
    expect(results.map((r) => r.class)).toEqual(['locking', 'safe', 'locking', 'locking']);
  });

  it('counts CREATE TABLE AS and CREATE MATERIALIZED VIEW as creating the relation', async () => {
    const results = await classifyStatements([
      'CREATE MATERIALIZED VIEW "public"."mv" AS SELECT 1 AS "x";',
      'CREATE INDEX "mv_x" ON "public"."mv" ("x");',
    ]);
    expect(results.map((r) => [r.class, r.kind])).toEqual([
      ['safe', 'CREATE MATERIALIZED VIEW'],
      ['safe', 'CREATE INDEX'],
    ]);
  });

  it('never softens a destructive statement', async () => {
    const results = await classifyStatements([CREATE, 'ALTER TABLE "public"."audit_log" DROP COLUMN "note";']);
    expect(results[1]!.class).toBe('destructive');
  });
});

describe('a statement in the light of the ones before it (issue 17)', () => {
  const TROJAN = 'COMMENT ON TABLE "public"."t" IS \'x\\\'\'; DROP TABLE "public"."orders"; --\';';
  const CREATE = 'CREATE TABLE "public"."t" ("id" bigint);';

  it.each<[name: string, plan: string[], classes: string[]]>([
    [
      'the issue: SET then a COMMENT the server reads as a DROP, as separate statements',
      ['SET standard_conforming_strings = off;', TROJAN],
      ['session', 'unknown'],
    ],
    ['the issue: the same in one text', [`SET standard_conforming_strings = off; ${TROJAN}`], ['session']],
    ['set_config() instead of SET', ["SELECT set_config('standard_conforming_strings', 'off', false);", TROJAN], ['session', 'unknown']],
    [
      'a client encoding the parser does not read',
      ["SET client_encoding = 'SJIS';", 'CREATE SCHEMA "s";', 'SET standard_conforming_strings = on;'],
      ['session', 'unknown', 'session'],
    ],
    ['back to on: what the parser assumes', ['SET standard_conforming_strings = on;', TROJAN], ['session', 'safe']],
    ['PREPARE … DELETE, then EXECUTE', ['PREPARE "p" AS DELETE FROM "public"."orders";', 'EXECUTE "p";'], ['destructive', 'destructive']],
    ['PREPARE and EXECUTE in one text', ['PREPARE p AS DELETE FROM "public"."orders"; EXECUTE p;'], ['destructive']],
    [
      'EXECUTE after DEALLOCATE',
      ['PREPARE p AS INSERT INTO "public"."t" VALUES (1);', 'DEALLOCATE p;', 'EXECUTE p;'],
      ['safe', 'safe', 'unknown'],
    ],
    ['EXECUTE of a harmless PREPARE', ['PREPARE p AS INSERT INTO "public"."t" VALUES (1);', 'EXECUTE p;'], ['safe', 'safe']],
    [
      'ENABLE ROW LEVEL SECURITY on a table CREATE TABLE IF NOT EXISTS names: it may already exist',
      [
        'CREATE TABLE IF NOT EXISTS "public"."t" ("id" bigint);',
        'ALTER TABLE "public"."t" ENABLE ROW LEVEL SECURITY;',
        'ALTER TABLE "public"."t" FORCE ROW LEVEL SECURITY;',
      ],
      ['safe', 'access-reducing', 'access-reducing'],
    ],
    [
      'a live table renamed to the name of a table the plan created',
      [
        CREATE,
        'ALTER TABLE "t" RENAME TO "t_new";',
        'ALTER TABLE "public"."live" RENAME TO "t";',
        'ALTER TABLE "public"."t" ENABLE ROW LEVEL SECURITY;',
      ],
      ['safe', 'access-reducing', 'access-reducing', 'access-reducing'],
    ],
    [
      'an unqualified name after search_path changed',
      ['CREATE TABLE "t" ("id" bigint);', 'SET search_path = "archive";', 'CREATE INDEX "i" ON "t" ("id");'],
      ['safe', 'session', 'locking'],
    ],
    [
      'a qualified name after search_path changed',
      [CREATE, 'SET search_path = "archive";', 'CREATE INDEX "i" ON "public"."t" ("id");'],
      ['safe', 'session', 'safe'],
    ],
  ])('%s', async (_name, plan, classes) => {
    const results = await classifyStatements(plan);
    expect(results.map((r) => r.class)).toEqual(classes);
  });

  it('says which statement made a later one untrustworthy, and what the parser read', async () => {
    const [set, comment, drop] = await classifyStatements(['SET standard_conforming_strings = off;', TROJAN, 'DROP TABLE "public"."x";']);
    expect(set!.reason).toBe(
      'sets standard_conforming_strings to "off" for the rest of the session: it changes how the server reads string literals and bytes, so later statements may run differently from how the parser reads them and this comment shows them',
    );
    expect(comment).toMatchObject({ class: 'unknown', kind: 'COMMENT', parsed: true });
    expect(comment!.reason).toBe(
      'cannot be trusted as parsed: it runs after statement 1 (SET standard_conforming_strings = off), which makes the server read SQL text differently from the parser; parsed, it sets the comment on table "public"."t"',
    );
    // More severe than unknown stays so, with the same note.
    expect(drop).toMatchObject({ class: 'destructive', kind: 'DROP TABLE' });
    expect(drop!.reason).toContain('cannot be trusted as parsed: it runs after statement 1');
  });

  it('names the prepared statement EXECUTE runs', async () => {
    const [, run] = await classifyStatements(['PREPARE "p" AS DELETE FROM "public"."orders";', 'EXECUTE "p";']);
    expect(run).toMatchObject({ class: 'destructive', kind: 'EXECUTE DELETE' });
    expect(run!.reason).toBe('runs prepared statement "p", which deletes every row of "public"."orders"');
  });
});

describe('what a reason never contains', () => {
  it('a password value', async () => {
    const results = await classifyStatements([
      'CREATE ROLE "r" WITH LOGIN PASSWORD \'hunter2-secret\';',
      'ALTER ROLE "r" PASSWORD \'hunter2-secret\';',
      "ALTER USER \"r\" WITH ENCRYPTED PASSWORD 'hunter2-secret' VALID UNTIL 'infinity';",
    ]);
    expect(results.map((r) => r.class)).toEqual(['safe', 'access-reducing', 'access-reducing']);
    for (const r of results) expect(r.reason).not.toContain('hunter2');
    expect(results[1]!.reason).toBe('role "r" gets a new password: clients using the old one can no longer log in');
  });
});

describe('loading', () => {
  it('returns the same promise on every call', () => {
    expect(loadClassifier()).toBe(loadClassifier());
  });

  it('returns nothing for no statements, without loading the parser', async () => {
    vi.resetModules();
    const load = vi.fn();
    vi.doMock('../../src/atlas/pg-parser.js', () => ({ loadPgParser: load }));
    try {
      const fresh = await import('../../src/atlas/classify.js');
      expect(await fresh.classifyStatements([])).toEqual([]);
      expect(load).not.toHaveBeenCalled();
    } finally {
      vi.doUnmock('../../src/atlas/pg-parser.js');
      vi.resetModules();
    }
  });

  it('counts a statement the rules fail on as destructive instead of failing the run', async () => {
    vi.resetModules();
    vi.doMock('../../src/atlas/sql-rules.js', () => ({
      statementVerdict: () => {
        throw new TypeError('unexpected tree');
      },
    }));
    try {
      const fresh = await import('../../src/atlas/classify.js');
      const [r] = await fresh.classifyStatements(['SELECT 1;']);
      expect(r).toMatchObject({ class: 'destructive', kind: 'UNCLASSIFIED', parsed: true });
      expect(r!.reason).toContain('unexpected tree');
    } finally {
      vi.doUnmock('../../src/atlas/sql-rules.js');
      vi.resetModules();
    }
  });

  it('fails with a clear message when the parser cannot be loaded', async () => {
    vi.resetModules();
    vi.doMock('../../src/atlas/pg-parser.js', () => ({ loadPgParser: () => Promise.reject(new Error('ENOENT: libpg-query.wasm')) }));
    try {
      const fresh = await import('../../src/atlas/classify.js');
      await expect(fresh.classifyStatements(['SELECT 1'])).rejects.toThrow(/Could not load the PostgreSQL parser.*ENOENT/);
    } finally {
      vi.doUnmock('../../src/atlas/pg-parser.js');
      vi.resetModules();
    }
  });
});
