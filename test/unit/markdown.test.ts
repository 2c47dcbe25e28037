import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_GATED_CLASSES } from '../../src/core/types.js';
import { COMMENT_MAX_LENGTH, SUMMARY_MAX_LENGTH } from '../../src/github/limits.js';
import { measure, renderComment, renderSummary } from '../../src/report/fit.js';
import { registerSecret, resetSecretsForTest } from '../../src/core/redact/index.js';
import type { Diagnostic } from '../../src/core/types.js';
import type { Report } from '../../src/roots/types.js';
import type { HoldReason } from '../../src/review/gate.js';
import { headings, renderedText } from '../support/markdown.js';
import { COMMIT_URL, DEV_URL, MARKER, ROLES_SQL, RUN_URL, SCHEMA_SQL, appliedRoot, report, root, seedPlan } from './report-fixtures.js';

const OPTIONS = {
  marker: MARKER,
  commitUrl: COMMIT_URL,
  destructiveLabel: 'allow-destructive-sql',
  gatedClasses: [...DEFAULT_GATED_CLASSES],
};
const comment = (r: Report, maxLength = COMMENT_MAX_LENGTH): string => renderComment(r, { ...OPTIONS, maxLength });
const summary = (r: Report): string => renderSummary(r, { ...OPTIONS, maxLength: SUMMARY_MAX_LENGTH });

interface Block {
  lang: string;
  fence: string;
  content: string;
}

/** Reads fenced code blocks the way CommonMark does; throws if one is left open. */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: { fence: string; lang: string; lines: string[] } | undefined;
  for (const line of markdown.split('\n')) {
    if (!open) {
      const m = /^(`{3,})([^`]*)$/.exec(line);
      if (m) open = { fence: m[1] as string, lang: (m[2] as string).trim(), lines: [] };
    } else if (/^`{3,}\s*$/.test(line) && line.trim().length >= open.fence.length) {
      blocks.push({ lang: open.lang, fence: open.fence, content: open.lines.join('\n') });
      open = undefined;
    } else {
      open.lines.push(line);
    }
  }
  if (open) throw new Error(`code fence ${open.fence} left open`);
  return blocks;
}

const sqlBlocks = (md: string): string[] =>
  codeBlocks(md)
    .filter((b) => b.lang === 'sql')
    .map((b) => b.content);

/** The Markdown with code block contents removed: where HTML is live. */
function outsideCode(md: string): string {
  let out = md;
  for (const b of codeBlocks(md)) out = out.replace(`${b.fence}${b.lang}\n${b.content}\n${b.fence}`, '');
  return out;
}

/** Text outside every <details> element: what a reader sees without expanding anything. */
function visibleText(md: string): string {
  return outsideCode(md).replace(/<details>[\s\S]*?<\/details>/g, '');
}

describe('renderComment: plan runs', () => {
  it("shows the seed's plan: marker first, headline, each root's SQL whole, dev_url noise collapsed, footer links", () => {
    const body = comment(seedPlan());
    expect(body.split('\n')[0]).toBe(MARKER);
    expect(body).toContain('Atlas Plan');
    expect(body).toContain('✅ Plan: 6 statements across 2 roots');
    expect(renderedText(body)).toContain('pull_request event: plans only');
    expect(sqlBlocks(body)).toEqual([ROLES_SQL.join('\n'), SCHEMA_SQL.join('\n')]);
    // Multi-line CREATE TABLE kept as one statement with its line breaks.
    expect(body).toContain('CREATE TABLE "public"."validation_probe" (\n  "id" integer NOT NULL,');
    expect(body).toContain('Why it ran: hcl/roles/roles.pg.hcl changed');
    expect(body).toContain('dev_url is unset');
    expect(visibleText(body)).not.toContain('dev_url is unset');
    expect(body).toContain(`[\`3f2c9e1\`](${COMMIT_URL})`);
    expect(body).toContain(`](${RUN_URL})`);
    expect(body).not.toContain('Shortened');
  });

  it('says why the roles root did not run, using the change-detection reason', () => {
    const r = report(
      'plan',
      [
        root('roles', { outcome: 'skipped', skipReason: 'x', warnings: [] }),
        root('schema', { plannedStatements: SCHEMA_SQL, terraformChanged: true }),
      ],
      {
        rolesChange: {
          changed: false,
          reason: 'no file matching roles-paths changed in this pull request',
          matchedFiles: [],
          failSafe: false,
        },
      },
    );
    const body = comment(r);
    expect(body).toContain('✅ Plan: 2 statements in schema');
    expect(body).toContain('**Not run:** no file matching roles-paths changed in this pull request');
    expect(body).toMatch(/\| roles \| ⏭️ not run \| — \| — \|/);
    expect(sqlBlocks(body)).toEqual([SCHEMA_SQL.join('\n')]);
  });

  it('flags a roles run that happened only to be safe', () => {
    const r = seedPlan();
    r.rolesChange = {
      changed: true,
      reason: 'the push has no usable before commit, so the roles root counts as changed',
      matchedFiles: [],
      failSafe: true,
    };
    expect(comment(r)).toContain('⚠️ **Ran to be safe:** the push has no usable before commit');
  });

  it('reports no changes, and a Terraform-only diff without SQL, without an empty sql block', () => {
    const none = comment(report('plan', [root('roles', { outcome: 'no-changes' }), root('schema', { outcome: 'no-changes' })]));
    expect(none).toContain('✅ Plan: no changes');
    expect(none).toContain('**No changes** — the database matches the HCL.');
    expect(sqlBlocks(none)).toEqual([]);

    const tfOnly = comment(report('plan', [root('roles', { outcome: 'no-changes' }), root('schema', { terraformChanged: true })]));
    expect(tfOnly).toContain('✅ Plan: no SQL — only Terraform state would change (schema)');
    expect(tfOnly).toContain('Atlas plans no SQL');
  });

  it('shows errors of a failed plan with summary and detail in a fenced block, and hints', () => {
    const r = report('plan', [
      root('roles', {
        outcome: 'failed',
        failedStep: 'plan',
        error: 'terraform plan exited 1',
        errors: [
          {
            severity: 'error',
            summary: 'Atlas Plan Error',
            detail: 'Unable to generate migration plan, got error: failed to get shared config profile, tf-sandbox',
          },
        ],
        hints: ['Set the aws-profile input to the profile name atlas.hcl uses (tf-sandbox).'],
      }),
      root('schema', { plannedStatements: SCHEMA_SQL }),
    ]);
    const body = comment(r);
    expect(body).toContain('❌ Plan failed for roles');
    // Each error once: Terraform's diagnostic, not also the one-line message derived from it.
    expect(body).not.toContain('**Error at plan:**');
    expect(body.match(/Atlas Plan Error/g)).toHaveLength(1);
    expect(body).toContain('**Atlas Plan Error**');
    expect(codeBlocks(body).map((b) => b.content)).toContain(
      'Unable to generate migration plan, got error: failed to get shared config profile, tf-sandbox',
    );
    expect(body).toContain('💡 Set the aws-profile input');
  });
});

describe('renderComment: apply runs', () => {
  it('says applied and converged with what each root applied', () => {
    const body = comment(report('apply', [appliedRoot('roles', ROLES_SQL), appliedRoot('schema', SCHEMA_SQL)]));
    expect(body).toContain('Atlas Apply');
    expect(body).toContain('✅ Applied and converged — 6 statements in roles and schema');
    expect(body).toContain('**What was applied:** roles: applied (4 statements), converged · schema: applied (2 statements), converged');
    expect(body).toContain('**Applied SQL**');
    expect(sqlBlocks(body)).toEqual([ROLES_SQL.join('\n'), SCHEMA_SQL.join('\n')]);
  });

  it('reports a second identical push as nothing to apply, still converged', () => {
    const r = report('apply', [root('roles', { outcome: 'skipped', warnings: [] }), root('schema', { outcome: 'converged' })], {
      rolesChange: {
        changed: false,
        reason: 'no file matching roles-paths changed in the pushed commits',
        matchedFiles: [],
        failSafe: false,
      },
    });
    const body = comment(r);
    expect(body).toContain('✅ Nothing to apply — database converged');
    expect(body).toContain('roles: not run (no change to roles-paths) · schema: nothing to apply, converged');
  });

  it('shows residual SQL after apply with the undeclared default privilege hint, and stops the schema root', () => {
    const residual = 'REVOKE USAGE ON SCHEMA "public" FROM PUBLIC;';
    const r = report('apply', [
      appliedRoot('roles', ROLES_SQL, { outcome: 'not-converged', residualStatements: [residual] }),
      root('schema', { outcome: 'not-run', warnings: [] }),
    ]);
    const body = comment(r);
    expect(body).toContain('❌ Applied, but not converged — 1 statement still planned in roles');
    expect(body).toContain('**Still planned after apply (residual SQL)**');
    expect(sqlBlocks(body)).toContain(residual);
    expect(body).toMatch(/USAGE on schema `public`.*Declare that privilege in HCL/);
    expect(body).toContain('Not run because roles did not converge.');
  });

  it('says exactly what was applied when the schema root fails mid-apply', () => {
    const r = report('apply', [
      appliedRoot('roles', ROLES_SQL),
      root('schema', {
        outcome: 'failed',
        failedStep: 'apply',
        plannedStatements: SCHEMA_SQL,
        pendingAfterFailure: SCHEMA_SQL,
        terraformChanged: true,
        error: 'terraform apply exited 1',
        errors: [
          {
            severity: 'error',
            summary: 'Apply Error',
            detail: 'Unable to apply changes, got error: pq: permission denied for schema public',
          },
        ],
      }),
    ]);
    const body = comment(r);
    expect(body).toContain('❌ Apply failed at schema/apply — roles was applied, schema was not');
    expect(body).toContain(
      'roles: applied (4 statements), converged · schema: failed during apply — nothing from this root was committed: a plan after the failure still shows all 2 statements',
    );
    expect(body).toContain('**SQL of the failed apply**');
    // Everything is still pending, so no second copy of the same SQL.
    expect(body).not.toContain('Still pending after the failed apply');
    expect(codeBlocks(body).map((b) => b.content)).toContain('Unable to apply changes, got error: pq: permission denied for schema public');
  });

  it('says what a failed apply left half-done, from the plan run after the failure', () => {
    const failed = (pendingAfterFailure: string[] | undefined): string =>
      comment(
        report('apply', [
          appliedRoot('roles', ROLES_SQL),
          root('schema', {
            outcome: 'failed',
            failedStep: 'apply',
            plannedStatements: SCHEMA_SQL,
            ...(pendingAfterFailure ? { pendingAfterFailure } : {}),
            terraformChanged: true,
            error: 'Apply Error: Unable to apply changes, got error: connection reset',
          }),
        ]),
      );
    const partly = failed([SCHEMA_SQL[1] as string]);
    expect(partly).toContain(
      'schema: failed during apply — partly committed: a plan after the failure still shows 1 of 2 statements (listed below)',
    );
    expect(partly).toContain('**Still pending after the failed apply (not committed)**');
    expect(codeBlocks(partly).map((b) => b.content)).toContain(SCHEMA_SQL[1]);
    expect(failed([])).toContain('a plan after the failure shows nothing pending: the SQL was committed, but Terraform failed afterwards');
    const unknown = failed(undefined);
    expect(unknown).toContain('whether any of it was committed could not be checked (no plan could run after the failure)');
    // The headline says the same as the detail: not "was not applied" when nobody knows.
    expect(unknown).toContain('❌ Apply failed at schema/apply — roles was applied, whether schema was applied could not be checked');
    expect(failed([])).toContain(
      '❌ Apply failed at schema/apply — roles was applied, the SQL of schema was committed, then Terraform failed',
    );
  });

  it('stops after a roles failure and says nothing was applied', () => {
    const r = report('apply', [
      root('roles', { outcome: 'failed', failedStep: 'plan', error: 'terraform plan exited 1' }),
      root('schema', { outcome: 'not-run', warnings: [] }),
    ]);
    const body = comment(r);
    expect(body).toContain('❌ Apply failed at roles/plan — nothing was applied');
    expect(body).toContain('schema: not run because roles failed');
  });

  it('warns, not fails, when the database converged but Terraform state differs', () => {
    const body = comment(
      report('apply', [appliedRoot('roles', ROLES_SQL), appliedRoot('schema', [], { outcome: 'state-differs', applied: false })]),
    );
    expect(body).toContain('⚠️ Database converged, Terraform state differs (schema)');
    expect(body).toContain('A warning, not a failure.');
  });

  it('reports a failure outside any root with its error and what had been applied', () => {
    const body = comment(
      report('apply', [], {
        fatal: 'Could not assume role arn:aws:iam::123456789012:role/atlas-ci with OIDC: AccessDenied',
        notices: ['Preflight skipped: db-endpoint is empty.'],
      }),
    );
    expect(body).toContain(
      '❌ Apply failed: Could not assume role arn:aws:iam::123456789012:role/atlas-ci with OIDC: AccessDenied — nothing was applied',
    );
    expect(body).toContain('> ℹ️ Preflight skipped: db-endpoint is empty.');
    expect(codeBlocks(body).map((b) => b.content)).toContain(
      'Could not assume role arn:aws:iam::123456789012:role/atlas-ci with OIDC: AccessDenied',
    );
  });
});

/** A realistic long statement; index makes each unique. */
function longStatement(i: number): string {
  return `GRANT SELECT, INSERT, UPDATE ON TABLE "public"."customer_order_line_item_${String(i).padStart(5, '0')}" TO "app_reader", "app_writer", "reporting_service_readonly";`;
}

describe('size limits', () => {
  const huge = (n: number): Report =>
    report('plan', [
      root('roles', { plannedStatements: ROLES_SQL }),
      root('schema', { plannedStatements: Array.from({ length: n }, (_, i) => longStatement(i)) }),
    ]);

  it('shortens a 5,000-statement plan in the comment at a statement boundary and points at the job summary', () => {
    const r = huge(5000);
    const body = comment(r);
    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);
    expect(measure(body)).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);
    expect(body).toContain("Shortened to fit GitHub's 65,536-character comment limit");
    const [roles, schema] = sqlBlocks(body);
    // The small block is kept whole; the large one loses statements, never half of one.
    expect(roles).toBe(ROLES_SQL.join('\n'));
    const shown = (schema ?? '').split('\n');
    expect(shown.length).toBeGreaterThan(100);
    expect(shown).toEqual(Array.from({ length: shown.length }, (_, i) => longStatement(i)));
    expect(body).toContain(
      `_… ${(5000 - shown.length).toLocaleString('en-US')} more statements not shown — the full plan is in the [job summary of this run](${RUN_URL})._`,
    );
    // Most of the budget goes to SQL: nothing is shortened that did not need to be.
    expect(body.length).toBeGreaterThan(COMMENT_MAX_LENGTH - longStatement(0).length * 2);
  });

  it('keeps every statement of the same plan in the job summary', () => {
    const body = summary(huge(5000));
    expect(measure(body)).toBeLessThanOrEqual(SUMMARY_MAX_LENGTH);
    expect(measure(body)).toBeGreaterThan(COMMENT_MAX_LENGTH * 5);
    expect(sqlBlocks(body)[1]?.split('\n')).toHaveLength(5000);
    expect(body).not.toContain('not shown');
  });

  it('shortens the job summary only past 1 MiB, saying so', () => {
    const body = summary(huge(9000));
    expect(measure(body)).toBeLessThanOrEqual(SUMMARY_MAX_LENGTH);
    expect(body).toContain('Shortened to fit the 1 MiB job-summary limit');
    expect(body).toMatch(/more statements not shown — the plan is larger than the job summary allows/);
    codeBlocks(body);
  });

  it('counts multi-byte characters conservatively (UTF-8 bytes)', () => {
    const sql = Array.from({ length: 3000 }, (_, i) => `COMMENT ON TABLE "t${i}" IS 'Bestellpositionen für 🐘 Kunden — 顧客の注文';`);
    const body = comment(report('plan', [root('schema', { plannedStatements: sql })]));
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);
    expect(body).toContain('more statements not shown');
    codeBlocks(body);
  });

  it('shortens huge error details too, keeping fences closed and small SQL whole', () => {
    const detail = Array.from({ length: 6000 }, (_, i) => `line ${i}: pq: relation "x${i}" does not exist`).join('\n');
    const r = report('apply', [
      appliedRoot('roles', ROLES_SQL),
      root('schema', {
        outcome: 'failed',
        failedStep: 'apply',
        plannedStatements: Array.from({ length: 2000 }, (_, i) => longStatement(i)),
        error: 'terraform apply exited 1',
        errors: [{ severity: 'error', summary: 'Apply Error', detail }],
      }),
    ]);
    const body = comment(r);
    expect(measure(body)).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);
    expect(body).toMatch(/more characters not shown/);
    expect(body).toContain('1 error/warning detail shortened');
    expect(sqlBlocks(body)[0]).toBe(ROLES_SQL.join('\n'));
    expect(body).toContain('❌ Apply failed at schema/apply — roles was applied, whether schema was applied could not be checked');
    codeBlocks(body);
  });

  it('still fits, with marker and headline, when almost nothing fits', () => {
    const body = comment(huge(5000), 1000);
    expect(measure(body)).toBeLessThanOrEqual(1000);
    expect(body.split('\n')[0]).toBe(MARKER);
    expect(body).toContain('✅ Plan: 5,004 statements across 2 roots');
    expect(body).toContain('too large to show here');
  });
});

describe('warnings', () => {
  const UPDATE: Diagnostic = {
    severity: 'warning',
    summary: 'Update Available',
    detail: 'A new version of Atlas Provider is available (0.10.4)',
    address: 'atlas_schema.roles',
  };
  const ODD: Diagnostic = {
    severity: 'warning',
    summary: 'Deprecated attribute',
    detail: 'tx_mode is deprecated',
    address: 'atlas_schema.roles',
  };
  const DEV = { ...DEV_URL, address: 'atlas_schema.roles' };

  it('render in one defined order whatever order they arrived in: unexpected first, then the expected, each by summary', () => {
    const orders = [
      [UPDATE, DEV, ODD],
      [DEV, UPDATE, ODD],
      [ODD, DEV, UPDATE],
      [DEV, ODD, UPDATE],
    ];
    const bodies = orders.map((warnings) => comment(report('plan', [root('roles', { plannedStatements: ROLES_SQL, warnings })])));
    for (const body of bodies) expect(body).toBe(bodies[0]);
    const shown = renderedText(bodies[0] ?? '');
    const at = (part: string): number => shown.indexOf(part);
    expect(at('Deprecated attribute')).toBeGreaterThan(-1);
    expect(at('Deprecated attribute')).toBeLessThan(at('Update Available —'));
    expect(at('Update Available —')).toBeLessThan(at('dev_url is unset —'));
  });
});

describe('content that fights the Markdown', () => {
  it('uses a longer fence for SQL that contains backticks', () => {
    const tricky = 'COMMENT ON TABLE "t" IS \'usage: ```sql select 1``` or ````x````\';';
    const body = comment(report('plan', [root('schema', { plannedStatements: [tricky, SCHEMA_SQL[1] as string] })]));
    const blocks = codeBlocks(body).filter((b) => b.lang === 'sql');
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.fence).toBe('`````');
    expect(blocks[0]?.content).toBe(`${tricky}\n${SCHEMA_SQL[1]}`);
  });

  it('cannot close the Warnings element or inject HTML from diagnostic text', () => {
    const r = seedPlan();
    r.roots[0]?.warnings.push({ severity: 'warning', summary: 'odd </details><img src=x onerror=alert(1)>', detail: '</details>' });
    const body = comment(r);
    expect(body).not.toContain('<img');
    const live = outsideCode(body);
    expect(live.match(/<details>/g)?.length).toBe(2);
    expect(live.match(/<\/details>/g)?.length).toBe(2);
    expect(visibleText(body)).not.toContain('odd');
  });
});

describe('redaction', () => {
  afterEach(() => resetSecretsForTest());

  it('never shows a registered secret, raw or URL-encoded, in the comment or the summary', () => {
    const secret = 'S3cr3t/pa ss+word';
    registerSecret(secret);
    const r = report(
      'apply',
      [
        appliedRoot('roles', [`ALTER ROLE "app" PASSWORD '${secret}';`]),
        root('schema', {
          outcome: 'failed',
          failedStep: 'plan',
          error: `could not connect to postgres://atlas_migrator:${encodeURIComponent(secret)}@db:5432/app`,
          errors: [
            {
              severity: 'error',
              summary: `Atlas Plan Error ${secret}`,
              detail: `dial postgres://postgres:other-pw@db:5432/app?X-Amz-Signature=abcdef0123 failed: ${secret}`,
            },
          ],
          hints: [`check ${secret}`],
          warnings: [{ severity: 'warning', summary: 'w', detail: secret }],
        }),
      ],
      { fatal: `boom ${secret}`, notices: [`notice ${secret}`] },
    );
    r.rolesChange.reason = `reason ${secret}`;
    for (const body of [comment(r), summary(r), comment(r, 3000)]) {
      expect(body).not.toContain(secret);
      expect(body).not.toContain(encodeURIComponent(secret));
      expect(body).not.toContain('other-pw');
      expect(body).not.toContain('abcdef0123');
      expect(body).toContain('***');
    }
  });
});

describe('risk first', () => {
  const cls = (c: 'destructive' | 'access-reducing' | 'locking' | 'safe', kind: string, reason = `${kind.toLowerCase()} it`) => ({
    class: c,
    kind,
    reason,
    parsed: true,
  });
  const DROP = 'DROP TABLE "public"."legacy";';
  const REVOKE = 'REVOKE SELECT ON TABLE "public"."t" FROM "app_reader";';
  const INDEX = 'CREATE INDEX "i" ON "public"."t" ("a");';
  const risky = () =>
    report('plan', [
      root('roles', {
        plannedStatements: [ROLES_SQL[0] as string, REVOKE],
        classifications: [
          cls('safe', 'CREATE ROLE'),
          cls('access-reducing', 'REVOKE', 'revokes SELECT on table "public"."t" from "app_reader"'),
        ],
      }),
      root('schema', {
        plannedStatements: [DROP, INDEX],
        classifications: [
          cls('destructive', 'DROP TABLE', 'drops table "public"."legacy" and every row in it'),
          cls('locking', 'CREATE INDEX'),
        ],
      }),
    ]);

  it('counts what matters in the headline and lists destructive and access-reducing statements with reasons, above the SQL', () => {
    const body = comment(risky());
    expect(body).toContain('### ⚠️ Plan: 4 statements across 2 roots · 1 destructive · 1 access-reducing · 1 locking');
    const shown = renderedText(body);
    expect(shown).toContain('⚠️ Destructive (1) schema: DROP TABLE "public"."legacy"; — drops table "public"."legacy" and every row in it');
    expect(shown).toContain('⚠️ Access-reducing (1) roles: REVOKE SELECT ON TABLE "public"."t" FROM "app_reader"; — revokes SELECT');
    expect(body.indexOf('Destructive (1)')).toBeLessThan(body.indexOf('```sql'));
    // The SQL block marks each risky statement with a SQL comment that says what it does.
    expect(sqlBlocks(body)[1]).toBe(
      `-- ⚠️ DESTRUCTIVE: drops table "public"."legacy" and every row in it\n${DROP}\n-- 🔒 LOCKING: create index it\n${INDEX}`,
    );
  });

  it('tells reviewers which approval the merge will need, and the label only when one is required (issue 22)', () => {
    const plain = renderedText(renderComment(risky(), { ...OPTIONS, destructiveLabel: '', maxLength: COMMENT_MAX_LENGTH }));
    expect(plain).toContain(
      'Applying this on merge needs an approving review of this plan. The root with destructive and access-reducing SQL is applied only if this pull request is approved by someone other than its author who has write, maintain or admin access to this repository, on commit 3f2c9e1 or after this comment was last updated.',
    );
    expect(plain).not.toContain('label');
    const listed = renderedText(
      renderComment(risky(), {
        ...OPTIONS,
        destructiveLabel: 'allow-destructive-sql',
        approvers: ['dba-lead'],
        maxLength: COMMENT_MAX_LENGTH,
      }),
    );
    expect(listed).toContain(
      'or is listed in approvers (dba-lead), on commit 3f2c9e1 or after this comment was last updated, and the label allow-destructive-sql on this pull request.',
    );
    expect(renderedText(comment(seedPlan()))).not.toContain('needs an approving review');
  });

  it('flags a statement the parser could not read as destructive, saying so', () => {
    const r = report('plan', [
      root('schema', {
        plannedStatements: ['CREAT TABLE x;'],
        classifications: [{ class: 'destructive', kind: 'UNPARSED', reason: 'syntax error at or near "CREAT"', parsed: false }],
      }),
    ]);
    const shown = renderedText(comment(r));
    expect(shown).toContain(
      'could not be classified by the PostgreSQL parser, so it counts as destructive (syntax error at or near "CREAT")',
    );
    expect(sqlBlocks(comment(r))[0]).toContain('-- ⚠️ DESTRUCTIVE: could not be classified: syntax error at or near "CREAT"');
  });

  it('names a destroyed atlas_schema resource and what the provider will do', () => {
    const r = report('plan', [
      root('schema', { destroys: ['atlas_schema.app'], plannedStatements: [DROP], classifications: [cls('destructive', 'DROP TABLE')] }),
    ]);
    const body = comment(r);
    expect(body).toContain('### ⚠️ Plan: 1 statement in schema · 1 resource destroyed · 1 destructive');
    expect(renderedText(body)).toContain(
      "Terraform will destroy atlas_schema.app: the provider runs atlas schema clean, which drops every object in the env's scope.",
    );
  });

  it('folds SQL over 40 lines into <details> with a count per statement kind', () => {
    const grants = Array.from({ length: 45 }, (_, i) => `GRANT SELECT ON TABLE "t${i}" TO "r";`);
    const r = report('plan', [
      root('schema', {
        plannedStatements: [...grants, DROP],
        classifications: [...grants.map(() => cls('safe', 'GRANT')), cls('destructive', 'DROP TABLE')],
      }),
    ]);
    const body = comment(r);
    expect(body).toMatch(/<details><summary>Planned SQL: 46 statements \(47 lines\) — 45 GRANT, 1 DROP TABLE<\/summary>\n\n`{3}sql/);
    expect(sqlBlocks(body)[0]?.split('\n')).toHaveLength(47);
  });

  it('shows bidirectional control characters and warns about them', () => {
    const trojan = "COMMENT ON TABLE t IS 'x\u202e;DROP TABLE users;--';";
    const body = comment(report('plan', [root('schema', { plannedStatements: [trojan], classifications: [cls('safe', 'COMMENT')] })]));
    expect(body).not.toContain('\u202e');
    expect(sqlBlocks(body)[0]).toContain("COMMENT ON TABLE t IS 'x⟪U+202E⟫;DROP TABLE users;--';");
    expect(renderedText(body)).toContain('This SQL contains bidirectional control characters');
  });
});

describe('apply: the gate, the reviewed plan and the history', () => {
  const reviewed = {
    pr: 7,
    commit: 'c'.repeat(40),
    runUrl: RUN_URL,
    at: '2026-11-30T10:00:00.000Z',
    roots: { schema: { fingerprint: 'f'.repeat(64), count: 2, statements: SCHEMA_SQL } },
  };

  const HELD_DROP = 'DROP TABLE "public"."legacy";';
  const HELD_DROP_STATEMENTS = [{ statement: HELD_DROP, class: 'destructive' as const, reason: 'drops table' }];
  /** The DROP was not approved: no approving review, or (with `why`) the reviews could not be read. */
  const unapprovedDrop = (why?: string): HoldReason => ({
    kind: 'unapproved',
    classes: ['destructive'],
    statements: HELD_DROP_STATEMENTS,
    destroys: [],
    findings: [],
    ...(why ? { why } : {}),
  });
  /** The schema root held back before applying one DROP TABLE, for `reasons`. */
  const heldDrop = (reasons: HoldReason[]): ReturnType<typeof root> =>
    root('schema', {
      outcome: 'held',
      plannedStatements: [HELD_DROP],
      classifications: [{ class: 'destructive', kind: 'DROP TABLE', reason: 'drops table', parsed: true }],
      gate: { decision: 'hold', reasons },
    });

  it('says why a root was held back: who approved, when, and why it does not count (issue 22)', () => {
    const held = heldDrop([
      {
        kind: 'unapproved',
        classes: ['destructive'],
        statements: HELD_DROP_STATEMENTS,
        destroys: [],
        findings: [
          { kind: 'author', login: 'dev', at: '2026-03-01T13:00:00Z' },
          { kind: 'no-write', login: 'reader', at: '2026-03-01T13:01:00Z', permission: 'read' },
          { kind: 'stale', login: 'lead', at: '2026-03-01T11:00:00Z', commit: 'a'.repeat(40) },
          { kind: 'dismissed', login: 'ops', at: '2026-03-01T13:02:00Z' },
          { kind: 'changes-requested', login: 'dba', at: '2026-03-01T13:04:00Z', approvedAt: '2026-03-01T13:03:00Z' },
        ],
      },
      { kind: 'label', classes: ['destructive'], label: 'allow-destructive-sql' },
    ]);
    const r = report('apply', [root('roles', { outcome: 'skipped' }), held], { review: { pr: 7, labels: [], reviewed } });
    const body = comment(r);
    expect(body).toContain(
      '### ❌ Apply held back at schema: destructive SQL without an approval, and destructive SQL without the label — nothing was applied',
    );
    const shown = renderedText(body);
    expect(shown).toContain(
      'Destructive SQL needs an approval. This plan has 1 destructive statement (listed above), and no review of #7 approves the SQL planned now:',
    );
    expect(shown).toContain("dev approved at 2026-03-01T13:00:00Z, but is the pull request's author");
    expect(shown).toContain('reader approved at 2026-03-01T13:01:00Z, but has read access to this repository');
    expect(shown).toContain(
      'lead approved at 2026-03-01T11:00:00Z on commit aaaaaaa, before the SQL shown now was planned (planned on commit ccccccc',
    );
    expect(shown).toContain("ops's review of 2026-03-01T13:02:00Z was dismissed.");
    expect(shown).toContain('dba approved at 2026-03-01T13:03:00Z, then requested changes at 2026-03-01T13:04:00Z.');
    expect(shown).toContain('approves #7 on GitHub; then re-run this job');
    expect(shown).toContain('The label allow-destructive-sql is required as well');
    expect(shown).toContain('Planned SQL (held back, not applied)');
  });

  it('names the cause when the approval could not be checked, and asks for no approval on a push without a pull request', () => {
    const hold = (why?: string): ReturnType<typeof root> => heldDrop([unapprovedDrop(why)]);
    const unknown = comment(
      report('apply', [root('roles', { outcome: 'skipped' }), hold('the reviews of #7 could not be read (Not Found)')], {
        review: { pr: 7, labels: [], reviewed },
      }),
    );
    expect(unknown).toContain(
      '### ❌ Apply held back at schema: destructive SQL whose approval could not be checked — nothing was applied',
    );
    expect(renderedText(unknown)).toContain(
      'Destructive SQL is held: whether #7 is approved could not be checked. This plan has 1 destructive statement (listed above). The reviews of #7 could not be read (Not Found).',
    );
    const review = { pullNumbers: [], labels: [], missing: 'commit ddddddd belongs to no pull request (a direct push)' };
    const shown = renderedText(comment(report('apply', [root('roles', { outcome: 'skipped' }), hold()], { review })));
    expect(shown).toContain(
      'Destructive SQL needs an approval. This plan has 1 destructive statement (listed above), and this push belongs to no pull request, so no review can approve it.',
    );
    expect(shown).not.toContain('re-run this job');
  });

  it('never contradicts the record: a labels or reviews 404 is named as such, and a root the PR did not plan says so beside the reviewed plan (issue 22, item 3)', () => {
    const unread = comment(
      report(
        'apply',
        [
          root('roles', { outcome: 'skipped' }),
          heldDrop([
            unapprovedDrop('the reviews of #7 could not be read (Not Found)'),
            { kind: 'label', classes: ['destructive'], label: 'db-ok', why: 'the labels of #7 could not be read (Not Found)' },
          ]),
        ],
        { review: { pr: 7, labels: [], labelsUnknown: 'the labels of #7 could not be read (Not Found)', reviewed } },
      ),
    );
    expect(unread).toContain(
      '### ❌ Apply held back at schema: destructive SQL whose approval could not be checked, and destructive SQL whose label could not be checked — nothing was applied',
    );
    const shown = renderedText(unread);
    expect(shown).toContain('The reviews of #7 could not be read (Not Found).');
    expect(shown).toContain('whether #7 carries it is unknown: the labels of #7 could not be read (Not Found).');
    expect(shown).toContain('Reviewed plan — pull request #7 at commit ccccccc');
    expect(shown).not.toMatch(/not planned|No reviewed plan|without the label/);

    // The record holds a plan of roles only; the schema root's SQL no pull request showed.
    const rolesOnly = { ...reviewed, roots: { roles: { fingerprint: 'e'.repeat(64), count: 1, statements: ['CREATE ROLE "r";'] } } };
    const unplanned = renderedText(
      comment(
        report(
          'apply',
          [
            root('roles', { outcome: 'converged' }),
            heldDrop([{ kind: 'unreviewed-gated', classes: ['destructive'], statements: HELD_DROP_STATEMENTS, destroys: [] }]),
          ],
          {
            review: { pr: 7, labels: [], reviewed: rolesOnly },
          },
        ),
      ),
    );
    expect(unplanned).toContain(
      'Destructive SQL that no pull request showed is never applied automatically. The comment of #7 records the plan reviewed at commit ccccccc, but none for this root: that pull request did not plan it.',
    );
    expect(unplanned).toContain('Reviewed plan — pull request #7 at commit ccccccc');
    expect(unplanned).not.toContain('or the push has none');
  });

  it('shows what changed since review: added and removed statements', () => {
    const held = root('schema', {
      outcome: 'held',
      plannedStatements: [SCHEMA_SQL[0] as string, 'DROP TABLE "public"."by_hand";'],
      gate: {
        decision: 'hold',
        reasons: [
          {
            kind: 'changed-since-review',
            delta: { added: ['DROP TABLE "public"."by_hand";'], removed: [SCHEMA_SQL[1] as string], removedUnknown: 0, exact: true },
            reviewedCount: 2,
            plannedCount: 2,
          },
        ],
      },
    });
    const body = comment(report('apply', [root('roles', { outcome: 'skipped' }), held], { review: { pr: 7, labels: [], reviewed } }));
    expect(body).toContain('### ❌ Apply held back at schema: its SQL changed since review');
    expect(renderedText(body)).toContain(
      `The SQL changed since review. #7 showed 2 statements at commit ccccccc; the merge plans 2 statements.`,
    );
    expect(sqlBlocks(body)).toContain('DROP TABLE "public"."by_hand";');
    expect(sqlBlocks(body)).toContain(SCHEMA_SQL[1]);
  });

  it('keeps the reviewed plan visible, collapsed, with its commit, and says when a root was applied unreviewed', () => {
    const r = report(
      'apply',
      [
        appliedRoot('roles', ROLES_SQL, {
          gate: { decision: 'apply', basis: 'unreviewed-additive', gated: [], approvedBy: [], labelled: false },
        }),
        appliedRoot('schema', SCHEMA_SQL),
      ],
      {
        review: { pr: 7, labels: [], reviewed },
      },
    );
    const body = comment(r);
    expect(body).toMatch(/<details><summary>Reviewed plan — pull request #7 at commit ccccccc: 2 statements<\/summary>/);
    expect(renderedText(body)).toContain(
      'Not reviewed in a pull request: applied because nothing in it is of a gated class (see gated-classes).',
    );
  });

  it('keeps earlier results, collapsed, instead of losing "Applied 6 statements" to "Nothing to apply"', () => {
    const r = report('apply', [root('roles', { outcome: 'converged' }), root('schema', { outcome: 'converged' })], {
      history: [
        {
          at: '2026-11-30T10:00:00.000Z',
          mode: 'apply',
          headline: '✅ Applied and converged — 6 statements in roles and schema',
          commit: 'd'.repeat(40),
          runUrl: RUN_URL,
        },
      ],
    });
    const body = comment(r);
    expect(body).toContain('### ✅ Nothing to apply — database converged');
    expect(body).toMatch(
      /<details><summary>Earlier results \(1\)<\/summary>[\s\S]*Applied and converged — 6 statements in roles and schema[\s\S]*<\/details>/,
    );
  });

  it('names the environment in the title and records the Atlas version in the footer', () => {
    const body = comment({ ...seedPlan(), environment: 'billing-prod' });
    expect(headings(body)[0]?.text).toBe('🗄️ Atlas Plan · billing-prod · PostgreSQL roles & schema');
    expect(renderedText(body)).toContain('Atlas v0.36.1 · rds-atlas-action');
  });
});
