import { classList, type GatedStatement, type HoldReason } from '../review/index.js';
import type { Report, RootResult } from '../roots/index.js';
import { code, DEFAULT_GATED_CLASSES, fence, link, STATEMENT_CLASSES, text, type StatementClass } from '../core/index.js';
import { count, RISKY_CLASSES } from './wording.js';
import { approvalNeeded, approvedBy, labelReason, unapprovedReason } from './approval.js';

// The part of the report that leads with risk: which statements can lose data or access, change
// the session, do what no rule knows, or change behaviour (each with the parser's reason), what
// the merge will need (an approval, for the gated classes), and, when the merge held a root back,
// exactly why and how to proceed. Returns safe Markdown.

const PREVIEW_CHARS = 120;
/** A hold reason names this many statements; the risk list above has them all. */
const HELD_LISTED = 10;

function preview(statement: string): string {
  const line = statement.replace(/\s+/g, ' ').trim();
  return code(line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS)}…` : line);
}

/** The headings of the risk lists, one per risky class, in the order of RISKY_CLASSES. */
const HEADINGS: Record<(typeof RISKY_CLASSES)[number], string> = {
  destructive: '⚠️ Destructive',
  'access-widening': '🔓 Access-widening',
  'access-reducing': '⚠️ Access-reducing',
  session: '⚠️ Changes session or parsing state',
  unknown: '❓ Unknown: no rule knows what it does',
  'behaviour-change': '🔁 Behaviour changes',
  locking: '',
  safe: '',
};

/** Statements of every risky class (and resource destroys), listed under their class with their reason. */
export function riskList(roots: readonly RootResult[]): string[] {
  const out: string[] = [];
  const destroys = roots.flatMap((r) => r.destroys.map((address) => ({ root: r.root, address })));
  const listed = (cls: StatementClass): string[] =>
    roots.flatMap((r) =>
      r.classifications.flatMap((c, i) =>
        c.class === cls
          ? [
              `- ${r.root}: ${preview(r.plannedStatements[i] ?? '')} — ${c.parsed ? text(c.reason) : `could not be classified by the PostgreSQL parser, so it counts as destructive (${text(c.reason)})`}`,
            ]
          : [],
      ),
    );
  for (const cls of RISKY_CLASSES) {
    const lines = [
      ...(cls === 'destructive'
        ? destroys.map(
            (d) =>
              `- ${d.root}: Terraform will destroy ${code(d.address)}: the provider runs \`atlas schema clean\`, which drops every object in the env's scope.`,
          )
        : []),
      ...listed(cls),
    ];
    if (lines.length > 0) out.push(`#### ${HEADINGS[cls]} (${lines.length})`, lines.join('\n'));
  }
  return out;
}

/** The gated classes a report's plan has, most severe first; a resource destroy counts as destructive. */
function gatedIn(roots: readonly RootResult[], gatedClasses: readonly StatementClass[]): StatementClass[] {
  const present = new Set(
    roots.flatMap((r) => [...r.classifications.map((c) => c.class), ...(r.destroys.length > 0 ? ['destructive' as const] : [])]),
  );
  return STATEMENT_CLASSES.filter((c) => present.has(c) && gatedClasses.includes(c));
}

/** Plan mode: what the merge will require, said while reviewers still read the plan. */
export function approvalNotice(
  report: Report,
  inputs: { approvers: readonly string[]; destructiveLabel: string; gatedClasses: readonly StatementClass[] },
): string[] {
  if (report.context.drift) return [];
  const gated = gatedIn(report.roots, inputs.gatedClasses);
  const ungated = gatedIn(report.roots, DEFAULT_GATED_CLASSES).filter((c) => !gated.includes(c));
  const out =
    ungated.length > 0
      ? [
          `> ⚠️ ${classList(ungated)} SQL is not gated here (\`gated-classes\` leaves ${ungated.length === 1 ? 'it' : 'them'} out): it will be applied on merge without an approval.`,
        ]
      : [];
  return gated.length === 0 ? out : [...out, approvalNeeded(gated, report, inputs)];
}

/** Apply mode: for each root the gate held back, why, and the way forward. */
export function holdSection(report: Report): string[] {
  const out: string[] = [];
  const pr = report.review?.pr;
  const prRef = pr ? `#${pr}` : 'the merged pull request';
  for (const root of report.roots) {
    if (root.gate?.decision !== 'hold') continue;
    out.push(`#### ✋ ${root.root}: held back, nothing applied`);
    for (const reason of root.gate.reasons) out.push(...holdReason(reason, prRef, report));
  }
  return out;
}

function holdReason(reason: HoldReason, prRef: string, report: Report): string[] {
  const runUrl = report.context.runUrl;
  switch (reason.kind) {
    case 'unapproved': {
      const what = [
        reason.destroys.length > 0 ? `destroys ${reason.destroys.map(code).join(', ')}` : '',
        reason.statements.length > 0 ? `has ${perClass(reason.statements)}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      return unapprovedReason(reason, prRef, report, { what, list: heldList(reason.statements) });
    }
    case 'label':
      return labelReason(reason, prRef, report);
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
    case 'will-fail':
      return [
        `**It would fail on the rows in the database now, so it was not started.** The merge re-checked the predicted failures read-only, just before the apply; a failed apply prevented beats a rolled-back one.`,
        reason.failures.map((f) => `- ${code(f.table)}: ${text(f.fails)} — ${preview(f.statement)}`).join('\n'),
        `To proceed: fix the rows (or change the HCL so the statement allows them, e.g. add a default or use NOT VALID), then re-run this job (${link('this run', runUrl)} → “Re-run all jobs”).`,
      ];
    case 'unreviewed-gated': {
      const classes = classList(reason.classes);
      return [
        `**${capitalised(classes)} SQL that no pull request showed is never applied automatically.** ${unreviewedWhy(report)}`,
        heldList(reason.statements),
        `To apply it: open a pull request so this SQL is planned and shown in its comment, have it approved, and merge. To skip the review check, a maintainer can set \`require-reviewed-plan: false\`; the ${classes} SQL then still needs an approval of the merged pull request.`,
      ].filter(Boolean);
    }
  }
}

/**
 * Why a root has no reviewed plan, from the same record the reviewed-plan part shows, so the
 * hold never says "not planned" beside a plan that was (issue 22, item 3).
 */
function unreviewedWhy(report: Report): string {
  const review = report.review;
  const reviewed = review?.reviewed;
  if (reviewed) {
    const at = reviewed.commit ? ` at commit ${code(reviewed.commit.slice(0, 7))}` : '';
    return `The comment of #${reviewed.pr} records the plan reviewed${at}, but none for this root: that pull request did not plan it.`;
  }
  return review?.missing ? `No reviewed plan is on record: ${text(review.missing)}.` : 'No reviewed plan is on record for this root.';
}

/** Apply mode, per root: on what basis the gate let it through, when that is worth saying. */
export function gateNote(root: RootResult): string {
  const gate = root.gate;
  if (gate?.decision !== 'apply') return '';
  if (gate.basis === 'unreviewed-additive')
    return 'ℹ️ Not reviewed in a pull request: applied because nothing in it is of a gated class (see `gated-classes`).';
  if (gate.basis === 'review-off') return 'ℹ️ Applied without comparing with a reviewed plan (`require-reviewed-plan: false`).';
  if (gate.basis === 'reviewed')
    return `✅ Matches the SQL reviewed in the pull request${gate.gated.length > 0 ? `; ${classList(gate.gated)} SQL approved by ${approvedBy(gate.approvedBy)}${gate.labelled ? ', with the label' : ''}` : ''}.`;
  return '';
}

/** "1 destructive statement and 2 access-reducing statements". */
function perClass(statements: readonly GatedStatement[]): string {
  const classes = STATEMENT_CLASSES.filter((c) => statements.some((s) => s.class === c));
  const parts = classes.map((c) => count(statements.filter((s) => s.class === c).length, `${c} statement`));
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** The held statements, each with its class and the classifier's reason; a long list ends with a count. */
function heldList(statements: readonly GatedStatement[]): string {
  const lines = statements.slice(0, HELD_LISTED).map((s) => `- ${s.class}: ${preview(s.statement)} — ${text(s.reason)}`);
  if (statements.length > HELD_LISTED) lines.push(`- and ${count(statements.length - HELD_LISTED, 'more statement')} (listed above)`);
  return lines.join('\n');
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
