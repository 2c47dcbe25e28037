import { text, type StatementClass, thousands } from '../core/index.js';
import type { Report, RootResult } from '../roots/index.js';
import { INPUT } from '../inputs/index.js';

// The sentences of the report: each root's result, and what an apply run did and did not
// commit. Plain text, except outcomeLine, which is Markdown with its foreign parts escaped. What a root "did" is always read
// from what the database showed: the apply's exit, or the plan run after a failed apply.

export interface SqlBlock {
  label: string;
  statements: string[];
  /** Classes per statement, when the block is the root's plan (others are not classified). */
  classes?: StatementClass[];
}

/** Classes the comment lists with their statements, and that make the headline a warning. */
export const RISKY_CLASSES: readonly StatementClass[] = [
  'destructive',
  'access-widening',
  'access-reducing',
  'session',
  'unknown',
  'behaviour-change',
];
/** Classes the headline and the overview count: the risky ones and locking. */
export const COUNTED_CLASSES: readonly StatementClass[] = [...RISKY_CLASSES, 'locking'];

export function count(n: number, noun: string): string {
  return `${thousands(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** The SQL that matters for this root: what was applied, what failed, or what is planned. */
export function mainSql(root: RootResult, report: Report): SqlBlock {
  const planned = root.plannedStatements;
  const classes = root.classifications.map((c) => c.class);
  if (root.applied) {
    // The apply stream re-plans; prefer what it reported, fall back to the plan step's SQL.
    if (root.appliedStatements.length > 0 && root.appliedDiffers) return { label: 'Applied SQL', statements: root.appliedStatements };
    return { label: 'Applied SQL', statements: root.appliedStatements.length > 0 ? root.appliedStatements : planned, classes };
  }
  if (root.failedStep === 'apply') return { label: 'SQL of the failed apply', statements: planned, classes };
  if (root.outcome === 'held') return { label: 'Planned SQL (held back, not applied)', statements: planned, classes };
  if (report.context.mode === 'apply' && planned.length > 0) return { label: 'Planned SQL (not applied)', statements: planned, classes };
  return { label: 'Planned SQL', statements: planned, classes };
}

/** What the database shows a root's apply committed. */
export type Committed = 'all' | 'partly' | 'unknown' | 'none';

export function committed(root: RootResult): Committed {
  if (root.applied) return 'all';
  if (root.failedStep !== 'apply') return 'none';
  const pending = root.pendingAfterFailure;
  if (pending === undefined) return 'unknown';
  if (pending.length === 0) return 'all';
  return pending.length >= root.plannedStatements.length ? 'none' : 'partly';
}

/** "roles: applied (4 statements) · schema: failed during apply — …" */
export function appliedLine(report: Report): string {
  if (report.roots.length === 0) return report.fatal ? 'nothing — the run failed before any root started' : 'nothing';
  return report.roots.map((r) => `${r.root}: ${appliedPhrase(r, report)}`).join(' · ');
}

function appliedPhrase(root: RootResult, report: Report): string {
  const n = count(mainSql(root, report).statements.length, 'statement');
  const did = root.applied ? `applied (${n})` : 'nothing to apply';
  switch (root.outcome) {
    case 'skipped':
      return root.root === 'roles' && !report.rolesChange.changed ? `not run (no change to ${INPUT.rolesPaths})` : 'not run';
    case 'deferred':
      return 'deferred';
    case 'not-run':
      return `not run because ${blocker(root, report)}`;
    case 'no-changes':
    case 'planned':
      return 'not applied (plan only)';
    case 'held':
      return `held back, nothing applied (${n} planned)`;
    case 'converged':
      return `${did}, converged`;
    case 'state-differs':
      return `${did}, database converged, Terraform state differs`;
    case 'not-converged':
      return `${did}, not converged — ${count(root.residualStatements.length, 'statement')} still planned`;
    case 'failed':
      return root.failedStep === 'apply'
        ? `failed during apply — ${failureConsequence(root, n)}`
        : `failed at ${root.failedStep ?? 'an unknown step'} — ${failureConsequence(root, n)}`;
  }
}

/** What a failure in apply mode left behind in the database. */
export function failureConsequence(root: RootResult, n: string): string {
  if (root.failedStep === 'verify' || (root.applied && root.failedStep !== 'apply'))
    return `${n} applied, but the verify plan failed — convergence unknown`;
  if (root.failedStep !== 'apply') return 'nothing from this root was applied';
  const pending = root.pendingAfterFailure;
  const planned = root.plannedStatements.length;
  switch (committed(root)) {
    case 'unknown':
      return "whether any of it was committed could not be checked (no plan could run after the failure); the next run's plan will show what is still pending";
    case 'all':
      return 'a plan after the failure shows nothing pending: the SQL was committed, but Terraform failed afterwards';
    case 'none':
      return `nothing from this root was committed: a plan after the failure still shows all ${count(pending?.length ?? planned, 'statement')}`;
    case 'partly':
      return `partly committed: a plan after the failure still shows ${pending?.length ?? 0} of ${count(planned, 'statement')} (listed below)`;
  }
}

/** The line under a root's heading. */
export function outcomeLine(root: RootResult, report: Report): string {
  const n = mainSql(root, report).statements.length;
  const did = root.applied ? `applied ${count(n, 'statement')}; ` : '';
  switch (root.outcome) {
    case 'skipped':
      return `⏭️ **Not run:** ${text(root.root === 'roles' ? report.rolesChange.reason || root.skipReason || 'skipped' : root.skipReason || 'skipped')}`;
    case 'deferred':
      return `⏭️ **Deferred:** ${text(root.skipReason ?? 'planned on merge')}`;
    case 'not-run':
      return `⛔ **Not run because ${text(blocker(root, report))}.** In apply mode the roots run in order and stop at the first one that fails, is held back or does not converge.`;
    case 'no-changes':
      return '✅ **No changes** — the database matches the HCL.';
    case 'planned':
      return n > 0 ? `📝 **Planned: ${count(n, 'statement')}**` : '📝 **Planned: no SQL**';
    case 'held':
      return `✋ **Held back: ${count(n, 'statement')} not applied.** See why and how to proceed above.`;
    case 'converged':
      return root.applied
        ? `✅ **Applied ${count(n, 'statement')} — converged:** the verify plan has no SQL.`
        : '✅ **Nothing to apply — converged:** the plan has no SQL.';
    case 'state-differs':
      return `⚠️ **Database converged, Terraform state differs:** ${did}Atlas has no SQL to run, but Terraform reported a change to the resource (usually HCL text normalisation). A warning, not a failure.`;
    case 'not-converged':
      return `❌ **Not converged:** ${did}the verify plan still has ${count(root.residualStatements.length, 'statement')}.`;
    case 'failed':
      return `❌ **Failed at ${root.failedStep ?? 'an unknown step'}**${report.context.mode === 'apply' ? ` — ${text(failureConsequence(root, count(n, 'statement')))}` : ''}.`;
  }
}

/** Short form for the overview table. */
export function outcomeShort(root: RootResult): string {
  switch (root.outcome) {
    case 'skipped':
      return '⏭️ not run';
    case 'deferred':
      return '⏭️ deferred to the merge';
    case 'not-run':
      return '⛔ not run (earlier root stopped)';
    case 'no-changes':
      return '✅ no changes';
    case 'planned':
      return '📝 planned';
    case 'held':
      return '✋ held back';
    case 'converged':
      return root.applied ? '✅ applied, converged' : '✅ converged';
    case 'state-differs':
      return '⚠️ converged, state differs';
    case 'not-converged':
      return '❌ not converged';
    case 'failed':
      return `❌ failed at ${root.failedStep ?? 'unknown step'}`;
  }
}

/** "roles failed" / "roles was held back": why a later root was never started. */
function blocker(root: RootResult, report: Report): string {
  const index = report.roots.indexOf(root);
  const before = report.roots.slice(0, index < 0 ? undefined : index);
  const failed = before.filter((r) => r.outcome === 'failed');
  if (failed.length > 0) return `${names(failed)} failed`;
  const held = before.filter((r) => r.outcome === 'held');
  if (held.length > 0) return `${names(held)} was held back`;
  const diverged = before.filter((r) => r.outcome === 'not-converged');
  if (diverged.length > 0) return `${names(diverged)} did not converge`;
  return 'an earlier root did not finish';
}

export function names(roots: RootResult[]): string {
  return joinAnd(roots.map((r) => r.root));
}

export function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function firstNonBlankLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
