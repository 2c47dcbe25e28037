import { STATEMENT_CLASSES, type StatementClass } from '../core/index.js';
import { classList } from '../review/index.js';
import type { Report, RootResult } from '../roots/index.js';
import { COUNTED_CLASSES, RISKY_CLASSES, committed, count, firstNonBlankLine, mainSql, names } from './wording.js';

// The headline: one line a reviewer can stop reading after. It leads with risk and is derived
// only from what the roots' results say the database showed, so it never contradicts the
// detail below it. Plain text; the renderer makes foreign parts inert.

/** Statement counts per class across the roots' plans. */
export function riskCounts(roots: readonly RootResult[]): Record<StatementClass, number> {
  const counts = Object.fromEntries(STATEMENT_CLASSES.map((c) => [c, 0])) as Record<StatementClass, number>;
  for (const root of roots) for (const c of root.classifications) counts[c.class]++;
  return counts;
}

function riskSuffix(roots: readonly RootResult[]): string {
  const counts = riskCounts(roots);
  const destroys = roots.reduce((n, r) => n + r.destroys.length, 0);
  const parts = [
    destroys > 0 ? `${count(destroys, 'resource')} destroyed` : '',
    ...COUNTED_CLASSES.map((c) => (counts[c] > 0 ? `${counts[c]} ${c}` : '')),
  ].filter(Boolean);
  return parts.map((p) => ` · ${p}`).join('');
}

function risky(roots: readonly RootResult[]): boolean {
  const counts = riskCounts(roots);
  return RISKY_CLASSES.some((c) => counts[c] > 0) || roots.some((r) => r.destroys.length > 0);
}

export function headline(report: Report): string {
  return report.context.mode === 'plan' ? planHeadline(report) : applyHeadline(report);
}

function planHeadline(report: Report): string {
  const { roots } = report;
  const failed = roots.filter((r) => r.outcome === 'failed');
  const lintErrors = report.lint.filter((f) => f.severity === 'error').length;
  if (report.fatal && roots.length === 0 && lintErrors > 0)
    return `❌ Checks failed: ${count(lintErrors, 'error')} in the HCL — nothing was planned`;
  if (report.fatal) return `❌ Plan failed: ${firstNonBlankLine(report.fatal)}`;
  if (failed.length > 0) return `❌ Plan failed for ${names(failed)}`;
  const withSql = roots.filter((r) => r.plannedStatements.length > 0 || r.destroys.length > 0);
  const total = withSql.reduce((n, r) => n + r.plannedStatements.length, 0);
  const deferred = roots.some((r) => r.outcome === 'deferred')
    ? ' · schema deferred: planned and applied on merge without a PR review of its SQL'
    : '';
  const what = report.context.drift ? 'Drift' : 'Plan';
  if (withSql.length === 0) {
    const tfOnly = roots.filter((r) => r.terraformChanged);
    if (tfOnly.length > 0) return `✅ ${what}: no SQL — only Terraform state would change (${names(tfOnly)})${deferred}`;
    return report.context.drift ? '✅ No drift: the database matches the HCL' : `✅ Plan: no changes${deferred}`;
  }
  const where = withSql.length === 1 ? `in ${names(withSql)}` : `across ${withSql.length} roots`;
  const willFail = roots.filter((r) => r.impact?.report?.willFail);
  if (willFail.length > 0)
    return `❌ ${what}: ${count(total, 'statement')} ${where} — will fail on today's rows in ${names(willFail)}${riskSuffix(roots)}${deferred}`;
  const icon = risky(roots) || report.context.drift ? '⚠️' : '✅';
  return `${icon} ${what}: ${count(total, 'statement')} ${where}${riskSuffix(roots)}${deferred}`;
}

function applyHeadline(report: Report): string {
  const { roots } = report;
  if (report.fatal) return `❌ Apply failed: ${firstNonBlankLine(report.fatal)} — ${appliedSplit(roots)}`;
  const held = roots.find((r) => r.outcome === 'held');
  if (held) return `❌ Apply held back at ${held.root}: ${heldWhy(held)} — ${appliedSplit(roots)}`;
  const failed = roots.find((r) => r.outcome === 'failed');
  if (failed) return `❌ Apply failed at ${failed.root}/${failed.failedStep ?? 'unknown step'} — ${appliedSplit(roots)}`;
  const differs = roots.filter((r) => r.appliedDiffers);
  if (differs.length > 0) return `❌ Applied SQL differs from the approved plan in ${names(differs)} — ${appliedSplit(roots)}`;
  const notConverged = roots.filter((r) => r.outcome === 'not-converged');
  if (notConverged.length > 0) {
    const residual = notConverged.reduce((n, r) => n + r.residualStatements.length, 0);
    return `❌ Applied, but not converged — ${count(residual, 'statement')} still planned in ${names(notConverged)}`;
  }
  const stateDiffers = roots.filter((r) => r.outcome === 'state-differs');
  if (stateDiffers.length > 0) return `⚠️ Database converged, Terraform state differs (${names(stateDiffers)})`;
  const settled = roots.filter((r) => r.outcome === 'converged');
  if (settled.length === 0) return 'ℹ️ Apply: no root ran';
  const applied = roots.filter((r) => r.applied);
  const total = applied.reduce((n, r) => n + mainSql(r, report).statements.length, 0);
  return total > 0
    ? `✅ Applied and converged — ${count(total, 'statement')} in ${names(applied)}${riskSuffix(applied)}`
    : '✅ Nothing to apply — database converged';
}

function heldWhy(root: RootResult): string {
  if (root.gate?.decision !== 'hold') return 'held back';
  const { reasons } = root.gate;
  const changed = reasons.some((r) => r.kind === 'changed-since-review');
  const parts = [
    reasons.some((r) => r.kind === 'record-lost') ? 'no trusted record of the reviewed plan' : '',
    reasons.some((r) => r.kind === 'will-fail') ? 'it would fail on the rows in the database now' : '',
    changed ? 'its SQL changed since review' : '',
    ...reasons.map((r) =>
      r.kind === 'unreviewed-gated'
        ? `${classList(r.classes)} SQL that no pull request showed`
        : r.kind === 'unapproved'
          ? r.why !== undefined
            ? `${classList(r.classes)} SQL whose approval could not be checked`
            : `${classList(r.classes)} SQL without an approval`
          : r.kind === 'label'
            ? r.why !== undefined
              ? `${classList(r.classes)} SQL whose label could not be checked`
              : `${classList(r.classes)} SQL without the label`
            : '',
    ),
  ].filter(Boolean);
  return parts.join(', and ');
}

/** "roles was applied, schema was not" — from what the database showed, root by root. */
export function appliedSplit(roots: readonly RootResult[]): string {
  const applied = roots.filter((r) => r.applied);
  // The apply failed but a plan afterwards shows nothing pending: the SQL is in the database.
  const committedAnyway = roots.filter((r) => !r.applied && committed(r) === 'all');
  const partly = roots.filter((r) => committed(r) === 'partly');
  const unknown = roots.filter((r) => committed(r) === 'unknown');
  const ran = roots.filter((r) => r.outcome !== 'skipped' && r.outcome !== 'deferred' && !(r.outcome === 'converged' && !r.applied));
  const not = ran.filter((r) => committed(r) === 'none');
  const were = (list: RootResult[]): string => (list.length === 1 ? 'was' : 'were');
  const parts = [
    applied.length > 0 ? `${names(applied)} ${were(applied)} applied` : '',
    committedAnyway.length > 0 ? `the SQL of ${names(committedAnyway)} was committed, then Terraform failed` : '',
    partly.length > 0 ? `${names(partly)} ${were(partly)} partly applied` : '',
    unknown.length > 0 ? `whether ${names(unknown)} ${were(unknown)} applied could not be checked` : '',
  ].filter(Boolean);
  if (parts.length === 0) return 'nothing was applied';
  return not.length > 0 ? `${parts.join(', ')}, ${names(not)} ${were(not)} not` : parts.join(', ');
}
