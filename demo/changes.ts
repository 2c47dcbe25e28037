import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { AUDIT_HCL } from '../test/support/seed-sql.js';
import type { Stack } from '../test/support/stack.js';
import { loadSeedScenario, type Scenario } from '../test/support/terraform.js';

// What the demo's team changes after the bootstrap, and what the stand-in Atlas provider
// plans for it. The stand-in does not diff HCL (see test/support/atlas-provider/README.md):
// each statement says when it is desired (substrings of the HCL) and how to tell it is
// already in the database, so the plans below follow from the HCL and the database as
// Atlas's would.

/** The reviewer with write access who approves the follow-up pull request's destructive SQL. */
export const APPROVER = 'db-lead';
export const DROPPED_COLUMN = 'created_at';
export const HAND_MADE_COLUMN = 'hotfix_note';

const CREATED_AT_BLOCK = `  column "created_at" {
    null    = false
    type    = timestamptz
    default = sql("now()")
  }

`;

/** The follow-up pull request: a new table (audit_log) and validation_probe without created_at. */
export async function editFollowUpHcl(workspace: string): Promise<string[]> {
  const schemaFile = path.join(workspace, 'hcl/schema/schema.pg.hcl');
  const schema = await readFile(schemaFile, 'utf8');
  if (!schema.includes(CREATED_AT_BLOCK)) throw new Error(`${schemaFile}: the created_at column block of the seed is not there`);
  await writeFile(schemaFile, schema.replace(CREATED_AT_BLOCK, ''));
  await writeFile(path.join(workspace, 'hcl/schema/audit.pg.hcl'), AUDIT_HCL);
  return ['hcl/schema/schema.pg.hcl', 'hcl/schema/audit.pg.hcl'];
}

/**
 * The seed's scenario (which already knows audit_log) plus what the follow-up HCL and the
 * nightly check need: the DROP COLUMN the edited validation_probe asks for, and the columns
 * someone adds to audit_log by hand, which Atlas would plan to drop.
 */
export async function followUpScenario(): Promise<Scenario> {
  const seed = await loadSeedScenario();
  const schema = seed.envs['schema'];
  if (!schema?.statements) throw new Error('the seed scenario has no schema statements');
  const columns = (table: string): string =>
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}'`;
  return {
    ...seed,
    envs: {
      ...seed.envs,
      schema: {
        ...schema,
        statements: [
          ...schema.statements,
          {
            sql: `ALTER TABLE "public"."validation_probe" DROP COLUMN "${DROPPED_COLUMN}";`,
            when: ['table "validation_probe"'],
            present: `SELECT 1 WHERE NOT EXISTS (${columns('validation_probe')} AND column_name = '${DROPPED_COLUMN}')`,
          },
          {
            query: `SELECT format('ALTER TABLE "public"."audit_log" DROP COLUMN "%s";', column_name) FROM (${columns('audit_log')} AND column_name NOT IN ('id', 'note')) c`,
            when: ['table "audit_log"'],
          },
        ],
      },
    },
  };
}

/** What a hurried hot-fix does by hand in production, outside the HCL. */
export async function handMadeChange(stack: Stack): Promise<string[]> {
  const statements = [
    `ALTER TABLE public.audit_log ADD COLUMN ${HAND_MADE_COLUMN} text`,
    'REVOKE SELECT ON TABLE public.validation_probe FROM app_reader',
  ];
  for (const sql of statements) await stack.pg.adminQuery(sql);
  return statements;
}
