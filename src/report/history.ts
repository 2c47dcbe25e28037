import { code, details, fence, htmlText, link, text, utcText, type HistoryEntry } from '../core/index.js';
import type { LintFinding } from '../lint/index.js';
import type { Report } from '../roots/index.js';
import { count } from './wording.js';

// The collapsed parts that keep the record: the plan reviewers saw (on the apply comment),
// earlier results for this database, and the HCL guardrail findings. Safe Markdown.

/** Apply mode: the reviewed plan stays visible next to what was applied. */
export function reviewedSection(report: Report): string[] {
  const reviewed = report.review?.reviewed;
  if (report.context.mode !== 'apply') return [];
  if (!reviewed) {
    return report.review?.missing ? [`ℹ️ No reviewed plan on record: ${text(report.review.missing)}.`] : [];
  }
  const parts: string[] = [];
  let total = 0;
  for (const name of ['roles', 'schema'] as const) {
    const root = reviewed.roots[name];
    if (!root) continue;
    total += root.count;
    parts.push(`**${name}** — ${count(root.count, 'statement')}`);
    if (root.statements && root.statements.length > 0) parts.push(fence(root.statements.join('\n'), 'sql'));
    else if (root.count > 0) parts.push('_(too large to keep here; compared by fingerprint)_');
  }
  const commit = reviewed.commit ? ` at commit ${htmlText(reviewed.commit.slice(0, 7))}` : '';
  const summary = `Reviewed plan — pull request #${reviewed.pr}${commit}: ${htmlText(count(total, 'statement'))}`;
  return [details(summary, parts.length > 0 ? parts.join('\n\n') : 'No root had SQL in the reviewed plan.')];
}

/** Earlier results for this database on this pull request, newest first. */
export function historySection(history: readonly HistoryEntry[]): string[] {
  if (history.length === 0) return [];
  const items = history.map((h) => {
    const when = h.at ? `${text(utcText(h.at))} · ` : '';
    const commit = h.commit ? ` · commit ${code(h.commit.slice(0, 7))}` : '';
    const run = h.runUrl ? ` · ${link('run', h.runUrl)}` : '';
    return `- ${when}${h.mode}: ${text(h.headline)}${commit}${run}`;
  });
  return [details(`Earlier results (${history.length})`, items.join('\n'))];
}

/** The HCL guardrails: each finding with its rule, place and reason. */
export function checksSection(findings: readonly LintFinding[]): string[] {
  if (findings.length === 0) return [];
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const head = `### Checks · ${[errors ? count(errors, 'error') : '', warnings ? count(warnings, 'warning') : ''].filter(Boolean).join(', ')}`;
  const items = findings.map(
    (f) => `- ${f.severity === 'error' ? '❌' : '⚠️'} ${code(f.rule)} at ${code(`${f.file}:${f.line}`)}: ${text(f.message)}`,
  );
  return [head, items.join('\n')];
}
