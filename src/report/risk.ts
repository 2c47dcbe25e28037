import type { HoldReason } from '../review/index.js';
import type { Report, RootResult } from '../roots/index.js';
import { code, fence, link, text } from '../core/index.js';
import { count } from './wording.js';

// The part of the report that leads with risk: which statements can lose data or access (with
// the parser's reason), what the merge will need (the label), and, when the merge held a root
// back, exactly why and how to proceed. Returns safe Markdown.

const PREVIEW_CHARS = 120;

function preview(statement: string): string {
  const line = statement.replace(/\s+/g, ' ').trim();
  return code(line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS)}…` : line);
}

/** Destructive and access-reducing statements (and resource destroys), listed with their reason. */
export function riskList(roots: readonly RootResult[]): string[] {
  const out: string[] = [];
  const destroys = roots.flatMap((r) => r.destroys.map((address) => ({ root: r.root, address })));
  const listed = (cls: 'destructive' | 'access-reducing'): string[] =>
    roots.flatMap((r) =>
      r.classifications.flatMap((c, i) =>
        c.class === cls
          ? [
              `- ${r.root}: ${preview(r.plannedStatements[i] ?? '')} — ${c.parsed ? text(c.reason) : `could not be classified by the PostgreSQL parser, so it counts as destructive (${text(c.reason)})`}`,
            ]
          : [],
      ),
    );
  const destructive = [
    ...destroys.map(
      (d) =>
        `- ${d.root}: Terraform will destroy ${code(d.address)}: the provider runs \`atlas schema clean\`, which drops every object in the env's scope.`,
    ),
    ...listed('destructive'),
  ];
  if (destructive.length > 0) out.push(`#### ⚠️ Destructive (${destructive.length})`, destructive.join('\n'));
  const reducing = listed('access-reducing');
  if (reducing.length > 0) out.push(`#### ⚠️ Access-reducing (${reducing.length})`, reducing.join('\n'));
  return out;
}

/** Plan mode: what the merge will require, said while reviewers still read the plan. */
export function labelNotice(report: Report, destructiveLabel: string): string[] {
  const destructive = report.roots.some((r) => r.destroys.length > 0 || r.classifications.some((c) => c.class === 'destructive'));
  if (!destructive || report.context.drift) return [];
  if (!destructiveLabel) {
    return ['> ⚠️ The destructive-SQL gate is off (`destructive-label` is empty): this SQL will be applied on merge without a label.'];
  }
  return [
    `> 🏷️ **Applying this on merge needs the label ${code(destructiveLabel)} on this pull request.** Without it the merge applies nothing from the root with destructive SQL (nor any root after it) and the run fails. Add the label before merging, or add it afterwards and re-run the merge job.`,
  ];
}

/** Apply mode: for each root the gate held back, why, and the way forward. */
export function holdSection(report: Report): string[] {
  const out: string[] = [];
  const pr = report.review?.pr;
  const prRef = pr ? `#${pr}` : 'the merged pull request';
  for (const root of report.roots) {
    if (root.gate?.verdict !== 'hold') continue;
    out.push(`#### ✋ ${root.root}: held back, nothing applied`);
    for (const reason of root.gate.reasons) out.push(...holdReason(reason, prRef, report));
  }
  return out;
}

function holdReason(reason: HoldReason, prRef: string, report: Report): string[] {
  const runUrl = report.context.runUrl;
  switch (reason.kind) {
    case 'destructive': {
      const what = [
        reason.destroys.length > 0 ? `destroys ${reason.destroys.map(code).join(', ')}` : '',
        reason.statements.length > 0 ? `has ${count(reason.statements.length, 'destructive statement')}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      if (report.review?.pullNumbers?.length === 0) {
        // A push that belongs to no pull request: there is nothing to put the label on.
        return [
          `**Destructive SQL needs an explicit yes.** This plan ${what} (listed above), and this push belongs to no pull request, so no label can approve it.`,
          `To apply it: open a pull request with this change so its plan is shown and reviewed, add the label ${code(reason.label)} to it, and merge it.`,
        ];
      }
      return [
        `**Destructive SQL needs an explicit yes.** This plan ${what} (listed above), and ${prRef} does not carry the label ${code(reason.label)}.`,
        `To approve: add the label ${code(reason.label)} to ${prRef}, then re-run this job (${link('this run', runUrl)} → “Re-run all jobs”). It is re-planned and applied only if its SQL is still the same.`,
      ];
    }
    case 'changed-since-review': {
      const reviewed = report.review?.reviewed;
      const at = reviewed?.commit ? ` at commit ${code(reviewed.commit.slice(0, 7))}` : '';
      const out = [
        `**The SQL changed since review.** ${prRef} showed ${count(reason.reviewedCount, 'statement')}${at}; the merge plans ${count(reason.plannedCount, 'statement')}. The database or the HCL moved between the review and the merge.`,
      ];
      const { delta } = reason;
      if (delta.exact) {
        if (delta.added.length > 0) out.push(`Added since review (${delta.added.length}):`, fence(delta.added.join('\n'), 'sql'));
        if (delta.removed.length > 0) out.push(`No longer planned (${delta.removed.length}):`, fence(delta.removed.join('\n'), 'sql'));
        if (delta.removedUnknown > 0)
          out.push(`${count(delta.removedUnknown, 'reviewed statement')} no longer planned (their text was too long to keep).`);
      } else {
        out.push('The reviewed plan was too large to record statement by statement: only the counts can be compared.');
      }
      out.push(
        'To proceed: if the database was changed by hand, put it back and re-run this job; otherwise open a pull request (an empty commit is enough) so the SQL planned now is shown and reviewed in its comment, and merge it.',
      );
      return out;
    }
    case 'record-lost':
      return [
        `**No trusted record of the plan reviewed in ${prRef}.** ${text(capitalised(reason.why))}.`,
        `Because ${prRef} was planned by this action, a missing record is not read as "not reviewed": nothing is applied without knowing that this SQL is what reviewers saw. To proceed: re-run the plan job of ${prRef} (its comment then records the plan again; check it is what was reviewed), then re-run this job (${link('this run', runUrl)} → “Re-run all jobs”). Or open a new pull request (an empty commit is enough) so the SQL is planned, shown and reviewed, and merge it.`,
      ];
    case 'unreviewed-destructive':
      return [
        '**Destructive SQL that no pull request showed is never applied automatically.** No reviewed plan is on record for this root (it was not planned in the pull request, or the push has none).',
        'To apply it: open a pull request so this SQL is planned and shown in its comment, get it reviewed, add the destructive label, and merge. To skip the review check, a maintainer can set `require-reviewed-plan: false`; the destructive SQL then still needs the label on the merged pull request.',
      ];
  }
}

/** Apply mode, per root: on what basis the gate let it through, when that is worth saying. */
export function gateNote(root: RootResult): string {
  const gate = root.gate;
  if (gate?.verdict !== 'apply') return '';
  if (gate.basis === 'unreviewed-additive') return 'ℹ️ Not reviewed in a pull request: applied because it only adds (nothing destructive).';
  if (gate.basis === 'review-off') return 'ℹ️ Applied without comparing with a reviewed plan (`require-reviewed-plan: false`).';
  if (gate.basis === 'reviewed')
    return `✅ Matches the SQL reviewed in the pull request${gate.destructive ? (gate.labelled ? '; destructive SQL approved by the label' : '; the destructive-SQL gate is off') : ''}.`;
  return '';
}

function capitalised(line: string): string {
  return line.charAt(0).toUpperCase() + line.slice(1);
}
