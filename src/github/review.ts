import { errorMessage, type ReviewContext, type RunContext } from '../core/index.js';
import { decodeData } from '../review/index.js';
import type { GitHub } from './client.js';
import { editedByOthers, findOurComment, pullLabels } from './comments.js';
import { pullsForCommit } from './pulls.js';

// On a merge: which pull request was merged, which labels it carries now (a re-run gets the
// original event payload, so labels are read from the API), and the plan its comment showed
// reviewers. Only our own comment counts (marker at the start, our token's author).

export async function reviewContext(gh: GitHub, context: RunContext, marker: string, identity: string): Promise<ReviewContext> {
  let prs: number[];
  try {
    prs = context.pullNumbers.length > 0 ? context.pullNumbers : await pullsForCommit(gh, context.repo, context.sha);
  } catch (err) {
    return { labels: [], missing: `could not find the pull request of commit ${context.sha.slice(0, 7)} (${errorMessage(err)})` };
  }
  const pr = prs[0];
  if (pr === undefined)
    return { pullNumbers: [], labels: [], missing: `commit ${context.sha.slice(0, 7)} belongs to no pull request (a direct push)` };
  try {
    const labels = await pullLabels(gh, context.repo, pr);
    const comment = await findOurComment(gh, context.repo, pr, marker, identity);
    const editor = comment ? await editedByOthers(gh, comment, identity) : undefined;
    if (editor) {
      return {
        pullNumbers: prs,
        pr,
        labels,
        missing: `the plan comment on #${pr} was last edited by ${editor}, not by this action, so its record of the reviewed plan is not trusted`,
      };
    }
    const reviewed = comment ? decodeData(comment.body).reviewed : undefined;
    if (!reviewed)
      return { pullNumbers: prs, pr, labels, missing: `pull request #${pr} has no plan comment of this action for this database` };
    if (reviewed.pr !== pr)
      return { pullNumbers: prs, pr, labels, missing: `the plan comment on #${pr} records a review of another pull request` };
    return { pullNumbers: prs, pr, labels, reviewed };
  } catch (err) {
    return { pullNumbers: prs, pr, labels: [], missing: `could not read pull request #${pr} (${errorMessage(err)})` };
  }
}
