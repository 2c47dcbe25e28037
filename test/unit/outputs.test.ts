import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerSecret, resetSecretsForTest } from '../../src/core/redact/index.js';
import { actionsIO } from '../../src/publish/io.js';
import { OUTPUT, setOutputs } from '../../src/publish/outputs.js';
import type { Report } from '../../src/roots/types.js';
import { ROLES_SQL, SCHEMA_SQL, appliedRoot, report, root, seedPlan } from './report-fixtures.js';

const COMMENT_URL = 'https://github.com/acme/db/pull/7#issuecomment-99';

let dir: string;
let outputFile: string;
let savedOutput: string | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'outputs-test-'));
  outputFile = path.join(dir, 'github_output');
  writeFileSync(outputFile, '');
  savedOutput = process.env['GITHUB_OUTPUT'];
  process.env['GITHUB_OUTPUT'] = outputFile;
});

afterEach(() => {
  if (savedOutput === undefined) delete process.env['GITHUB_OUTPUT'];
  else process.env['GITHUB_OUTPUT'] = savedOutput;
  rmSync(dir, { recursive: true, force: true });
  resetSecretsForTest();
});

/** Reads the runner's file-command format: `name<<delimiter`, value lines, `delimiter`. */
function readOutputs(): Record<string, string> {
  const lines = readFileSync(outputFile, 'utf8').split(os.EOL);
  const outputs: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const head = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!head) continue;
    const [, name, delimiter] = head as unknown as [string, string, string];
    const end = lines.indexOf(delimiter, i + 1);
    expect(end, `delimiter of ${name} is closed`).toBeGreaterThan(i);
    outputs[name] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

function outputsOf(r: Report, commentUrl = COMMENT_URL): Record<string, string> {
  setOutputs(actionsIO, r, { commentUrl });
  return readOutputs();
}

describe('setOutputs', () => {
  it('names exactly the outputs of DESIGN §2 and those added since', () => {
    expect(Object.values(OUTPUT).sort()).toEqual(
      [
        'access-changes',
        'comment-url',
        'converged',
        'destructive-sql',
        'drift',
        'impact',
        'lint',
        'mode',
        'roles-changed',
        'roles-sql',
        'schema-sql',
      ].sort(),
    );
  });

  it("writes the seed's plan: both roots' statements, one after another, multi-line statements intact; converged empty", () => {
    expect(outputsOf(seedPlan())).toEqual({
      mode: 'plan',
      'roles-changed': 'true',
      'roles-sql': ROLES_SQL.join('\n'),
      'schema-sql': SCHEMA_SQL.join('\n'),
      converged: '',
      'comment-url': COMMENT_URL,
      'destructive-sql': '',
      drift: '',
      lint: '[]',
      impact: '[]',
      'access-changes': '',
    });
  });

  it('lists the destructive statements of both roots, and the guardrail findings as JSON', () => {
    const drop = 'DROP TABLE "public"."audit_log";';
    const revoke = 'REVOKE USAGE ON SCHEMA "public" FROM PUBLIC;';
    const cls = (c: 'destructive' | 'access-reducing' | 'safe') => ({ class: c, kind: 'X', reason: 'r', parsed: true });
    const finding = {
      rule: 'public-default-revoked',
      severity: 'warning' as const,
      file: 'hcl/schema/schema.pg.hcl',
      line: 1,
      message: 'm',
    };
    const out = outputsOf(
      report(
        'plan',
        [
          root('roles', { plannedStatements: [ROLES_SQL[0] as string, revoke], classifications: [cls('safe'), cls('access-reducing')] }),
          root('schema', { plannedStatements: [SCHEMA_SQL[0] as string, drop], classifications: [cls('safe'), cls('destructive')] }),
        ],
        { lint: [finding] },
      ),
    );
    expect(out['destructive-sql']).toBe(drop);
    expect(JSON.parse(out['lint'] ?? '')).toEqual([finding]);
  });

  it('says drift only on scheduled or dispatched plan runs, and only when the check completed', () => {
    const drift = (roots: ReturnType<typeof root>[], extra = {}) => {
      const r = report('plan', roots, extra);
      r.context.drift = true;
      return outputsOf(r)['drift'];
    };
    expect(drift([root('roles', { outcome: 'no-changes' }), root('schema', { outcome: 'no-changes' })])).toBe('false');
    expect(drift([root('roles', { outcome: 'no-changes' }), root('schema', { plannedStatements: SCHEMA_SQL })])).toBe('true');
    expect(drift([root('roles', { outcome: 'failed' }), root('schema', { outcome: 'no-changes' })])).toBe('');
    expect(outputsOf(seedPlan())['drift']).toBe('');
  });

  it('leaves roles-sql empty and roles-changed false when the roles root did not run', () => {
    const r = report('plan', [root('roles', { outcome: 'skipped' }), root('schema', { outcome: 'no-changes' })], {
      rolesChange: { changed: false, reason: 'no file matching roles-paths changed', matchedFiles: [], failSafe: false },
    });
    const out = outputsOf(r, '');
    expect(out['roles-changed']).toBe('false');
    expect(out['roles-sql']).toBe('');
    expect(out['schema-sql']).toBe('');
    expect(out['comment-url']).toBe('');
  });

  it('reports converged=true after an apply that converged, with the SQL the apply executed', () => {
    const out = outputsOf(report('apply', [appliedRoot('roles', ROLES_SQL), appliedRoot('schema', SCHEMA_SQL)]));
    expect(out['mode']).toBe('apply');
    expect(out['converged']).toBe('true');
    expect(out['roles-sql']).toBe(ROLES_SQL.join('\n'));
    expect(out['schema-sql']).toBe(SCHEMA_SQL.join('\n'));
  });

  it('counts "database converged, Terraform state differs" and a skipped roles root as converged', () => {
    const r = report('apply', [
      root('roles', { outcome: 'skipped' }),
      appliedRoot('schema', [], { outcome: 'state-differs', applied: false }),
    ]);
    expect(outputsOf(r)['converged']).toBe('true');
  });

  it.each([
    [
      'residual SQL',
      report('apply', [
        appliedRoot('roles', ROLES_SQL, { outcome: 'not-converged', residualStatements: ['REVOKE USAGE ON SCHEMA "public" FROM PUBLIC;'] }),
        root('schema', { outcome: 'not-run' }),
      ]),
    ],
    [
      'a failed apply',
      report('apply', [
        appliedRoot('roles', ROLES_SQL),
        root('schema', { outcome: 'failed', failedStep: 'apply', plannedStatements: SCHEMA_SQL }),
      ]),
    ],
    ['a failure before any root', report('apply', [], { fatal: 'Could not assume role' })],
  ])('reports converged=false after %s', (_name, r) => {
    expect(outputsOf(r)['converged']).toBe('false');
  });

  it('redacts every value', () => {
    const secret = 'tok-9f8e7d6c5b4a';
    registerSecret(secret);
    const r = seedPlan();
    r.roots[0]!.plannedStatements = [`ALTER ROLE "app" PASSWORD '${secret}';`];
    const out = outputsOf(r, `https://example.test/?token=${secret}`);
    expect(readFileSync(outputFile, 'utf8')).not.toContain(secret);
    expect(out['roles-sql']).toBe(`ALTER ROLE "app" PASSWORD '***';`);
    expect(out['comment-url']).toBe('https://example.test/?token=***');
  });
});
