import { classList, type ApprovalFinding, type HoldReason } from '../review/index.js';
import type { Report } from '../roots/index.js';
import { code, link, text, type StatementClass } from '../core/index.js';

// What the approval requirement says in the comment: in a plan, what the merge will need; on a
// hold, exactly what was missing, naming who reviewed and when. Logins, times and causes come
// from GitHub and go out through text()/code() only (text() also keeps @mentions from pinging).

interface ApprovalInputs {
  approvers: readonly string[];
  destructiveLabel: string;
}

/** Plan mode: the approval (and label) the gated SQL of this plan will need on merge. */
export function approvalNeeded(gated: readonly StatementClass[], report: Report, inputs: ApprovalInputs): string {
  const who =
    inputs.approvers.length > 0
      ? `someone other than its author who has write, maintain or admin access to this repository or is listed in \`approvers\` (${inputs.approvers.map(text).join(', ')})`
      : 'someone other than its author who has write, maintain or admin access to this repository';
  const label = inputs.destructiveLabel ? `, and the label ${code(inputs.destructiveLabel)} on this pull request` : '';
  return (
    `> 🔐 **Applying this on merge needs an approving review of this plan.** The root with ${classList(gated)} SQL is applied only if this pull request is approved by ${who}, ` +
    `on commit ${code(report.context.sha.slice(0, 7))} or after this comment was last updated${label}. An approval given before the SQL changed, a dismissed one, or one followed by a request for changes does not count. ` +
    'Without it the merge applies nothing from that root (nor any root after it) and the run fails; an approval given after the merge counts when the merge job is re-run.'
  );
}

/** Apply mode: why gated SQL was not approved, and how to approve it. */
export function unapprovedReason(
  reason: Extract<HoldReason, { kind: 'unapproved' }>,
  prRef: string,
  report: Report,
  held: { what: string; list: string },
): string[] {
  const classes = classList(reason.classes);
  const rerun = `re-run this job (${link('this run', report.context.runUrl)} → “Re-run all jobs”)`;
  if (report.review?.pullNumbers?.length === 0) {
    return [
      `**${capital(classes)} SQL needs an approval.** This plan ${held.what} (listed above), and this push belongs to no pull request, so no review can approve it.`,
      held.list,
      'To apply it: open a pull request with this change so its plan is shown, have it approved, and merge it.',
    ].filter(Boolean);
  }
  if (reason.why !== undefined) {
    return [
      `**${capital(classes)} SQL is held: whether ${prRef} is approved could not be checked.** This plan ${held.what} (listed above). ${text(capital(reason.why))}.`,
      held.list,
      `Nothing of a gated class is applied without a known approval. To proceed: ${rerun} once GitHub answers.`,
    ].filter(Boolean);
  }
  const lines = reason.findings.map((f) => `- ${finding(f, report)}`);
  return [
    `**${capital(classes)} SQL needs an approval.** This plan ${held.what} (listed above), and ` +
      (lines.length === 0 ? `${prRef} has no approving review.` : `no review of ${prRef} approves the SQL planned now:`),
    // A lead-in between the two lists, or Markdown would join them into one.
    ...(lines.length > 0 ? [lines.join('\n'), held.list ? 'Held:' : ''] : []),
    held.list,
    `To approve: someone other than the author, with write, maintain or admin access (or listed in \`approvers\`), approves ${prRef} on GitHub; then ${rerun}. It is re-planned and applied only if its SQL is still the reviewed plan.`,
  ].filter(Boolean);
}

/** Apply mode: destructive-label is set and the merged PR lacks it (or its labels could not be read). */
export function labelReason(reason: Extract<HoldReason, { kind: 'label' }>, prRef: string, report: Report): string[] {
  const state = reason.why !== undefined ? `whether ${prRef} carries it is unknown: ${text(reason.why)}` : `${prRef} does not carry it`;
  return [
    `**The label ${code(reason.label)} is required as well** (\`destructive-label\` makes it a second key besides the approval), and ${state}.`,
    `To proceed: add the label ${code(reason.label)} to ${prRef}, then re-run this job (${link('this run', report.context.runUrl)} → “Re-run all jobs”).`,
  ];
}

/** Apply mode: who approved the gated SQL that was applied. */
export function approvedBy(by: readonly { login: string; at: string }[]): string {
  return by.map((b) => `${text(b.login)} (${text(b.at)})`).join(', ');
}

function finding(f: ApprovalFinding, report: Report): string {
  const who = `${text(f.login)} approved at ${text(f.at)}`;
  switch (f.kind) {
    case 'author':
      return `${who}, but is the pull request's author: an author's own approval does not count.`;
    case 'stale': {
      const reviewed = report.review?.reviewed;
      const shown = reviewed ? ` (planned on commit ${code(reviewed.commit.slice(0, 7))} at ${text(reviewed.at)})` : '';
      return `${who} on commit ${code(f.commit.slice(0, 7))}, before the SQL shown now was planned${shown}: an approval from before the SQL changed does not count.`;
    }
    case 'no-write':
      return `${who}, but has ${code(f.permission)} access to this repository: an approval needs write, maintain or admin access, or a listing in \`approvers\`.`;
    case 'permission-unknown':
      return `${who}, but their access to this repository could not be checked: ${text(f.why)}.`;
    case 'dismissed':
      return `${text(f.login)}'s review of ${text(f.at)} was dismissed.`;
    case 'changes-requested':
      return `${text(f.login)} approved at ${text(f.approvedAt)}, then requested changes at ${text(f.at)}.`;
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
