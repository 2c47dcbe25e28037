import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATED_CLASSES, type Classification } from '../../src/core/types.js';
import { COMMENT_MAX_LENGTH } from '../../src/github/limits.js';
import { renderComment } from '../../src/report/index.js';
import type { Report } from '../../src/roots/types.js';
import { repoRoot } from '../support/action.js';
import { COMMIT_URL, MARKER, ROLES_SQL, SCHEMA_SQL, appliedRoot, report, root, runPlan, seedPlan } from './report-fixtures.js';

// The rendered comment of each main scenario is checked in under test/golden/, so a change of
// wording shows up as a diff of those files in review. UPDATE_GOLDEN=1 rewrites them.

const OPTIONS = {
  marker: MARKER,
  commitUrl: COMMIT_URL,
  destructiveLabel: 'allow-destructive-sql',
  gatedClasses: [...DEFAULT_GATED_CLASSES],
};
const cls = (c: Classification['class'], kind: string, reason = ''): Classification => ({ class: c, kind, reason, parsed: true });
const DROP = 'DROP TABLE "public"."legacy";';

const SCENARIOS: Record<string, () => Report> = {
  'plan-sql': seedPlan,
  'plan-destructive-sql': () =>
    report('plan', [
      root('roles', { plannedStatements: ROLES_SQL, classifications: ROLES_SQL.map(() => cls('safe', 'CREATE ROLE')) }),
      root('schema', {
        plannedStatements: [DROP, SCHEMA_SQL[0] as string],
        classifications: [
          cls('destructive', 'DROP TABLE', 'drops table "public"."legacy" and every row in it'),
          cls('safe', 'CREATE TABLE'),
        ],
      }),
    ]),
  'apply-converged': () => report('apply', [appliedRoot('roles', ROLES_SQL), appliedRoot('schema', SCHEMA_SQL)]),
  'apply-held': () =>
    report(
      'apply',
      [
        root('roles', { outcome: 'skipped' }),
        root('schema', {
          outcome: 'held',
          plannedStatements: [DROP],
          classifications: [cls('destructive', 'DROP TABLE', 'drops table')],
          gate: {
            decision: 'hold',
            reasons: [
              {
                kind: 'unapproved',
                classes: ['destructive'],
                statements: [{ statement: DROP, class: 'destructive', reason: 'drops table' }],
                destroys: [],
                findings: [{ kind: 'author', login: 'alice', at: '2026-12-01T10:00:00Z' }],
              },
            ],
          },
        }),
      ],
      { review: { pr: 7, labels: [] } },
    ),
  'plan-failed': () =>
    report('plan', [
      root('roles', {
        outcome: 'failed',
        failedStep: 'plan',
        error: 'terraform plan exited 1',
        errors: [
          {
            severity: 'error',
            summary: 'atlas_schema.roles: migration plan failed',
            detail: 'Unable to generate migration plan, got error: failed to get shared config profile, tf-sandbox',
          },
        ],
      }),
      root('schema', { outcome: 'not-run', warnings: [] }),
    ]),
  drift: () =>
    report('plan', [root('roles', { plannedStatements: ROLES_SQL }), root('schema', { outcome: 'converged' })], {
      context: {
        ...runPlan('plan'),
        eventName: 'schedule',
        drift: true,
        range: { kind: 'none', reason: 'a scheduled run has no commit range' },
        pullNumbers: [],
        ref: 'refs/heads/main',
      },
    }),
};

describe('golden comments', () => {
  it.each(Object.keys(SCENARIOS))('%s renders as its checked-in file under test/golden/', (name) => {
    const body = renderComment((SCENARIOS[name] as () => Report)(), { ...OPTIONS, maxLength: COMMENT_MAX_LENGTH });
    const file = path.join(repoRoot, 'test', 'golden', `${name}.md`);
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, body);
    expect(body).toBe(readFileSync(file, 'utf8'));
  });
});
