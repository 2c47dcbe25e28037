// What the seed guide's layout plans, as the stand-in's scenario (test/fixtures/scenarios/
// seed.json) produces it: the statements the guide shows, plus one extra table tests add.

export const ROLES_SQL = [
  'CREATE ROLE "atlas_migrator" WITH LOGIN;',
  'CREATE ROLE "app_reader" WITH LOGIN;',
  'GRANT "rds_iam" TO "atlas_migrator";',
  'GRANT CREATE, USAGE ON SCHEMA "public" TO "atlas_migrator";',
];

export const SCHEMA_SQL = [
  'CREATE TABLE "public"."validation_probe" (\n  "id" integer NOT NULL,\n  "created_at" timestamptz NOT NULL DEFAULT now(),\n  PRIMARY KEY ("id")\n);',
  'GRANT SELECT ON TABLE "public"."validation_probe" TO "app_reader";',
];

/** hcl/schema/audit.pg.hcl, which tests add to plan schema SQL after the bootstrap. */
export const AUDIT_HCL =
  'table "audit_log" {\n  schema = schema.public\n  column "id" {\n    type = bigint\n  }\n  column "note" {\n    type = text\n    null = true\n  }\n  primary_key {\n    columns = [column.id]\n  }\n}\n';
export const AUDIT_SQL = 'CREATE TABLE "public"."audit_log" (\n  "id" bigint NOT NULL,\n  "note" text NULL,\n  PRIMARY KEY ("id")\n);';
