// The pure modules the benchmark measures, loaded by test/bench/run.mjs through one module
// graph (so `redact` inside the renderer sees the secrets registered here), plus the inputs
// it feeds them: a `terraform plan -json` stream built from the recorded fixture's own
// lines, and a report shaped like the pipeline's.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyResult } from '../../src/roots/root-result.js';
import type { Report } from '../../src/roots/types.js';

export { TerraformRunAccumulator } from '../../src/terraform/json-ui.js';
export { atlasPlan } from '../../src/atlas/plan.js';
export { renderComment, renderSummary, measure } from '../../src/report/fit.js';
export { COMMENT_MAX_LENGTH, SUMMARY_MAX_LENGTH } from '../../src/github/limits.js';
export { redact, registerSecret, resetSecretsForTest } from '../../src/core/redact/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** A real `terraform plan -json` of one atlas_schema resource (version, planned_change, summary, 2× dev_url, Atlas Plan). */
export const TEMPLATE_STREAM = path.resolve(here, '../fixtures/streams/roles-plan.jsonl');

const ATLAS_PLAN_HEADER = 'The following SQL statements will be executed:';

/**
 * Statement i of a synthetic plan. Five shapes in turn, covering what the splitter must get
 * right: single-line, multi-line, a quoted `;` at a line end, and a dollar-quoted body whose
 * lines end in `;`. Each is one statement after splitting.
 */
export function statement(i: number): string {
  const n = String(i).padStart(6, '0');
  switch (i % 5) {
    case 0:
      return `CREATE TABLE "public"."t_${n}" (\n  "id" bigint NOT NULL,\n  "note" text NULL,\n  "created_at" timestamptz NOT NULL DEFAULT now(),\n  PRIMARY KEY ("id")\n);`;
    case 1:
      return `GRANT SELECT, INSERT ON TABLE "public"."t_${n}" TO "app_reader";`;
    case 2:
      return `CREATE ROLE "role_${n}" WITH LOGIN;`;
    case 3:
      return `COMMENT ON TABLE "public"."t_${n}" IS 'it''s;\nnot the end;';`;
    default:
      return `CREATE FUNCTION "public"."f_${n}"() RETURNS integer LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN ${i};\nEND;\n$$;`;
  }
}

/** The Atlas Plan detail the provider emits: header + "\n\n\n" + each statement + "\n". */
export function atlasPlanDetail(count: number): string {
  const parts = [`${ATLAS_PLAN_HEADER}\n\n\n`];
  for (let i = 0; i < count; i++) parts.push(`${statement(i)}\n`);
  return parts.join('');
}

/**
 * The recorded plan stream with its Atlas Plan diagnostic carrying `count` statements. Every
 * other line is the fixture's own, so the parser sees Terraform's real line shapes.
 */
export function planStreamLines(count: number): string[] {
  const lines = readFileSync(TEMPLATE_STREAM, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  let replaced = 0;
  const out = lines.map((line) => {
    const event = JSON.parse(line) as { type?: string; diagnostic?: { summary?: string; detail?: string } };
    if (event.type !== 'diagnostic' || event.diagnostic?.summary !== 'Atlas Plan') return line;
    replaced++;
    event.diagnostic.detail = atlasPlanDetail(count);
    return JSON.stringify(event);
  });
  if (replaced !== 1) throw new Error(`${TEMPLATE_STREAM}: expected one Atlas Plan diagnostic, found ${replaced}`);
  return out;
}

/** A plan-mode report like the pipeline builds: roles skipped, schema planned with these statements. */
export function planReport(statements: string[]): Report {
  const sha = '3f2c9e1a7b4d5c6e8f9012345678901234567890';
  const devUrl = {
    severity: 'warning' as const,
    summary: 'dev_url is unset',
    detail:
      "It is highly recommended that you use 'dev_url' to specify a dev database.\nto learn more about it, visit: https://atlasgo.io/dev-database",
    address: 'atlas_schema.app',
  };
  return {
    environment: '',
    atlasVersion: 'v0.36.1',
    lint: [],
    history: [],
    context: {
      eventName: 'pull_request',
      mode: 'plan',
      modeReason: 'pull_request event: plans only; mode auto applies on a push to main.',
      repo: { owner: 'acme', repo: 'db' },
      defaultBranch: 'main',
      ref: 'refs/pull/7/merge',
      sha,
      range: { kind: 'pull_request', number: 7, base: 'b'.repeat(40), head: sha },
      pullNumbers: [7],
      fork: false,
      drift: false,
      runUrl: 'https://github.com/acme/db/actions/runs/4242',
    },
    rolesChange: {
      changed: false,
      reason: 'no file matching roles-paths changed in this pull request.',
      matchedFiles: [],
      failSafe: false,
    },
    roots: [
      emptyResult(
        { root: 'roles', workingDirectory: 'terraform/roles' },
        'skipped',
        'no file matching roles-paths changed in this pull request.',
      ),
      {
        ...emptyResult({ root: 'schema', workingDirectory: 'terraform/schema' }, 'planned'),
        plannedStatements: statements,
        terraformChanged: true,
        warnings: [devUrl],
        durationMs: 12_300,
      },
    ],
    notices: [],
  };
}

export const MARKER = '<!-- rds-atlas-action:v1 roles=terraform/roles schema=terraform/schema -->';
