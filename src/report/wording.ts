import type { Report, RootResult } from '../types.js';

// The sentences of the report: the overall status, each root's result, and what an apply
// run did and did not commit. Plain text with light Markdown; render.ts escapes and places.

export interface SqlBlock {
  label: string;
  statements: string[];
}

export function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** The SQL that matters for this root: what was applied, what failed, or what is planned. */
export function mainSql(root: RootResult, report: Report): SqlBlock {
  const planned = root.plannedStatements;
  if (root.applied) {
    // The apply stream re-plans; prefer what it reported, fall back to the plan step's SQL.
    const applied = root.appliedStatements.length > 0 ? root.appliedStatements : planned;
    return { label: 'Applied SQL', statements: applied };
  }
  if (root.failedStep === 'apply') {
    const attempted = planned.length > 0 ? planned : root.appliedStatements;
    return { label: 'SQL of the failed apply', statements: attempted };
  }
  if (report.plan.mode === 'apply' && planned.length > 0) return { label: 'Planned SQL (not applied)', statements: planned };
  return { label: 'Planned SQL', statements: planned };
}

/** The headline: one line a reviewer can stop reading after. */
export function statusLine(report: Report): string {
  const { roots, plan } = report;
  const failed = roots.filter((r) => r.outcome === 'failed');
  if (plan.mode === 'plan') {
    if (report.fatal) return `❌ Plan failed: ${firstLine(report.fatal)}`;
    if (failed.length > 0) return `❌ Plan failed for ${names(failed)}`;
    const withSql = roots.filter((r) => r.plannedStatements.length > 0);
    const total = withSql.reduce((n, r) => n + r.plannedStatements.length, 0);
    if (total === 0) {
      const tfOnly = roots.filter((r) => r.terraformChanged);
      return tfOnly.length > 0 ? `✅ Plan: no SQL — only Terraform state would change (${names(tfOnly)})` : '✅ Plan: no changes';
    }
    const where = withSql.length === 1 ? `in ${names(withSql)}` : `across ${withSql.length} roots`;
    return `✅ Plan: ${count(total, 'statement')} ${where}`;
  }
  if (report.fatal) return `❌ Apply failed: ${firstLine(report.fatal)} — ${appliedSplit(roots)}`;
  const first = failed[0];
  if (first) return `❌ Apply failed at ${first.root}/${first.failedStep ?? 'unknown step'} — ${appliedSplit(roots)}`;
  const notConverged = roots.filter((r) => r.outcome === 'not-converged');
  if (notConverged.length > 0) {
    const residual = notConverged.reduce((n, r) => n + r.residualStatements.length, 0);
    return `❌ Applied, but not converged — ${count(residual, 'statement')} still planned in ${names(notConverged)}`;
  }
  const differs = roots.filter((r) => r.outcome === 'state-differs');
  if (differs.length > 0) return `⚠️ Database converged, Terraform state differs (${names(differs)})`;
  const settled = roots.filter((r) => r.outcome === 'converged');
  if (settled.length === 0) return 'ℹ️ Apply: no root ran';
  const applied = roots.filter((r) => r.applied);
  const total = applied.reduce((n, r) => n + mainSql(r, report).statements.length, 0);
  return total > 0
    ? `✅ Applied and converged — ${count(total, 'statement')} in ${names(applied)}`
    : '✅ Nothing to apply — database converged';
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
      return root.root === 'roles' && !report.rolesChange.changed ? 'not run (no change to roles-paths)' : 'not run';
    case 'not-run':
      return `not run because ${blocker(root, report)}`;
    case 'no-changes':
    case 'planned':
      return 'not applied (plan only)';
    case 'converged':
      return `${did}, converged`;
    case 'state-differs':
      return `${did}, database converged, Terraform state differs`;
    case 'not-converged':
      return `${did}, not converged — ${count(root.residualStatements.length, 'statement')} still planned`;
    case 'failed':
      return failedPhrase(root, n);
  }
}

function failedPhrase(root: RootResult, n: string): string {
  const step = root.failedStep ?? 'an unknown step';
  return root.failedStep === 'apply'
    ? `failed during apply — ${failureConsequence(root, n)}`
    : `failed at ${step} — ${failureConsequence(root, n)}`;
}

/** What a failure in apply mode left behind in the database. */
function failureConsequence(root: RootResult, n: string): string {
  if (root.failedStep === 'apply') return afterFailedApply(root);
  if (root.failedStep === 'verify' || root.applied) return `${n} applied, but the verify plan failed — convergence unknown`;
  return 'nothing from this root was applied';
}

/**
 * What a failed apply committed, from the plan the pipeline runs right after the failure.
 * Atlas usually applies a root in one transaction, but only the database can confirm it.
 */
function afterFailedApply(root: RootResult): string {
  const pending = root.pendingAfterFailure;
  const planned = root.plannedStatements.length;
  if (pending === undefined) return 'whether any of it was committed could not be checked: the plan after the failure did not run';
  if (pending.length === 0) return 'a plan after the failure shows nothing pending: the SQL was committed, but Terraform failed afterwards';
  if (pending.length >= planned)
    return `nothing from this root was committed: a plan after the failure still shows all ${count(pending.length, 'statement')}`;
  return `partly committed: a plan after the failure still shows ${pending.length} of ${count(planned, 'statement')} (listed below)`;
}

/** The line under a root's heading. */
export function outcomeLine(root: RootResult, report: Report): string {
  const n = mainSql(root, report).statements.length;
  const did = root.applied ? `applied ${count(n, 'statement')}; ` : '';
  switch (root.outcome) {
    case 'skipped': {
      const reason = root.root === 'roles' ? report.rolesChange.reason || root.skipReason : root.skipReason;
      return `⏭️ **Not run:** ${reason || 'skipped'}`;
    }
    case 'not-run':
      return `⛔ **Not run because ${blocker(root, report)}.** In apply mode the roots run in order and stop at the first one that fails or does not converge.`;
    case 'no-changes':
      return '✅ **No changes** — the database matches the HCL.';
    case 'planned':
      return n > 0 ? `📝 **Planned: ${count(n, 'statement')}**` : '📝 **Planned: no SQL**';
    case 'converged':
      return root.applied
        ? `✅ **Applied ${count(n, 'statement')} — converged:** the verify plan has no SQL.`
        : '✅ **Nothing to apply — converged:** the plan has no SQL.';
    case 'state-differs':
      return `⚠️ **Database converged, Terraform state differs:** ${did}Atlas has no SQL to run, but Terraform reported a change to the resource (usually HCL text normalisation). A warning, not a failure.`;
    case 'not-converged':
      return `❌ **Not converged:** ${did}the verify plan still has ${count(root.residualStatements.length, 'statement')}.`;
    case 'failed':
      return `❌ **Failed at ${root.failedStep ?? 'an unknown step'}**${report.plan.mode === 'apply' ? ` — ${failureConsequence(root, count(n, 'statement'))}` : ''}.`;
  }
}

/** Short form for the overview table. */
export function outcomeShort(root: RootResult): string {
  switch (root.outcome) {
    case 'skipped':
      return '⏭️ not run';
    case 'not-run':
      return '⛔ not run (earlier root stopped)';
    case 'no-changes':
      return '✅ no changes';
    case 'planned':
      return '📝 planned';
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

/** "roles failed" / "roles did not converge": why a later root was never started. */
function blocker(root: RootResult, report: Report): string {
  const index = report.roots.indexOf(root);
  const before = report.roots.slice(0, index < 0 ? undefined : index);
  const failed = before.filter((r) => r.outcome === 'failed');
  if (failed.length > 0) return `${names(failed)} failed`;
  const diverged = before.filter((r) => r.outcome === 'not-converged');
  if (diverged.length > 0) return `${names(diverged)} did not converge`;
  return 'an earlier root did not finish';
}

function names(roots: RootResult[]): string {
  return joinAnd(roots.map((r) => r.root));
}

function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function appliedSplit(roots: RootResult[]): string {
  const applied = roots.filter((r) => r.applied);
  const notApplied = roots.filter((r) => !r.applied && r.outcome !== 'skipped' && r.outcome !== 'converged');
  if (applied.length === 0) return 'nothing was applied';
  const were = (list: RootResult[]): string => (list.length === 1 ? 'was' : 'were');
  const head = `${names(applied)} ${were(applied)} applied`;
  return notApplied.length > 0 ? `${head}, ${names(notApplied)} ${were(notApplied)} not` : head;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
