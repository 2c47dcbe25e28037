import { driftStatus } from '../report/index.js';
import { redact, type RootName } from '../core/index.js';
import { accessChangesJson } from '../access/index.js';
import type { Report } from '../roots/index.js';
import type { ActionIO } from './io.js';

// Output names are a contract with users' workflows; action.yml is checked against these
// constants by test/unit/contract.test.ts.
export const OUTPUT = {
  mode: 'mode',
  rolesChanged: 'roles-changed',
  rolesSql: 'roles-sql',
  schemaSql: 'schema-sql',
  converged: 'converged',
  commentUrl: 'comment-url',
  destructiveSql: 'destructive-sql',
  drift: 'drift',
  lint: 'lint',
  impact: 'impact',
  accessChanges: 'access-changes',
} as const;

export type OutputName = (typeof OUTPUT)[keyof typeof OUTPUT];

/** The value of every output, redacted. Pure apart from the secret registry. */
export function outputValues(report: Report, extra: { commentUrl: string }): Record<OutputName, string> {
  const values: Record<OutputName, string> = {
    [OUTPUT.mode]: report.context.mode,
    [OUTPUT.rolesChanged]: String(report.rolesChange.changed),
    [OUTPUT.rolesSql]: sqlOf(report, 'roles'),
    [OUTPUT.schemaSql]: sqlOf(report, 'schema'),
    [OUTPUT.converged]: report.context.mode === 'apply' ? String(converged(report)) : '',
    [OUTPUT.commentUrl]: extra.commentUrl,
    [OUTPUT.destructiveSql]: destructiveSql(report),
    [OUTPUT.drift]: drift(report),
    [OUTPUT.lint]: JSON.stringify(report.lint.map(({ rule, severity, file, line, message }) => ({ rule, severity, file, line, message }))),
    [OUTPUT.impact]: impactJson(report),
    // Plan runs with planned SQL: every change (the comment caps its table); '' when not computed.
    [OUTPUT.accessChanges]: report.access ? JSON.stringify(accessChangesJson(report.access.diff.changes)) : '',
  };
  for (const key of Object.keys(values) as OutputName[]) values[key] = redact(values[key]);
  return values;
}

/** Sets every output from the report. */
export function setOutputs(io: ActionIO, report: Report, extra: { commentUrl: string }): void {
  for (const [name, value] of Object.entries(outputValues(report, extra))) io.setOutput(name, value);
}

/**
 * The statements of the root's plan step, in order, one after another on their own lines
 * (a multi-line statement keeps its line breaks). In an apply run these are the plan the
 * apply executed from, so the output means the same thing in both modes; empty when the
 * root did not run or planned no SQL.
 */
function sqlOf(report: Report, root: RootName): string {
  const result = report.roots.find((r) => r.root === root);
  if (!result || result.outcome === 'skipped' || result.outcome === 'not-run') return '';
  return result.plannedStatements.map((s) => s.replace(/\s+$/, '')).join('\n');
}

/**
 * After an apply: true only when every root that ran ended with no Atlas SQL in its verify
 * plan (a Terraform-only diff still counts as converged, DESIGN §4) and nothing failed.
 */
function converged(report: Report): boolean {
  if (report.fatal) return false;
  const ran = report.roots.filter((r) => r.outcome !== 'skipped');
  return ran.length > 0 && ran.every((r) => r.outcome === 'converged' || r.outcome === 'state-differs');
}

/** The destructive statements of both roots' plans, in order; empty when none. */
function destructiveSql(report: Report): string {
  return report.roots
    .flatMap((r) => r.plannedStatements.filter((_, i) => r.classifications[i]?.class === 'destructive'))
    .map((s) => s.replace(/\s+$/, ''))
    .join('\n');
}

/**
 * Scheduled and dispatched plan runs: true when any root has SQL pending, false when every
 * root was checked and has none; empty on other events, or when the check could not complete
 * (a failed root says nothing about drift).
 */
function drift(report: Report): string {
  if (!report.context.drift) return '';
  const status = driftStatus(report);
  return status === 'unknown' ? '' : String(status === 'drift');
}

/**
 * The impact rows of every root whose facts were read, as JSON (docs/impact.md): what each
 * statement does to each table, and `fails`, null or why it will fail with a count. Counts
 * and sizes only, never a value from a row.
 */
function impactJson(report: Report): string {
  const rows = report.roots.flatMap((r) => r.impact?.report?.rows ?? []);
  return JSON.stringify(
    rows.map(({ root, statement, table, rows: n, bytes, lock, rewrite, scan, fails, unchecked }) => ({
      root,
      statement,
      table,
      rows: n,
      bytes,
      lock,
      rewrite,
      scan,
      fails,
      unchecked,
    })),
  );
}
