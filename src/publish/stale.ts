import { code, errorMessage, link, log } from '../core/index.js';
import { markStalePlans, type GitHub } from '../github/index.js';
import { failureMessage } from '../report/index.js';
import type { PublishContext } from './publish.js';

// After a successful apply: the plans on other open pull requests for this database were
// computed before it. github/stale.ts marks their comments; here, when to and what the line says.

/** Marks other open pull requests' plans for this database as stale, after a successful apply. */
export async function markOthersStale(gh: GitHub, p: PublishContext): Promise<void> {
  const { report } = p;
  const { context } = report;
  if (context.mode !== 'apply' || !report.roots.some((r) => r.applied) || failureMessage(report, p.inputs) !== undefined) return;
  const merged = report.review?.pullNumbers ?? context.pullNumbers;
  const what = report.review?.pr ? `#${report.review.pr} was merged and applied` : 'A push was applied';
  const line =
    `> ⏳ **This plan is stale.** ${what} to this database as commit ${code(context.sha.slice(0, 7))} (${link('run', context.runUrl)}); ` +
    "the plan below was computed before that. To re-plan, re-run this pull request's plan job or push a commit.";
  try {
    const result = await markStalePlans(gh, context.repo, {
      marker: p.marker,
      tokenIdentity: await p.tokenIdentity(),
      exclude: merged,
      sha: context.sha,
      line,
    });
    if (result.marked.length > 0) log.info(`Marked the plans of ${result.marked.map((n) => `#${n}`).join(', ')} as stale.`);
    if (result.skippedEdited.length > 0)
      log.info(`Left the plan comments of ${result.skippedEdited.map((n) => `#${n}`).join(', ')} alone: someone else edited them last.`);
  } catch (err) {
    log.warning(`Could not mark the plans of other open pull requests as stale: ${errorMessage(err)}.`);
  }
}
