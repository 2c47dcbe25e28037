import { code, details, fence, htmlText, link, text, type Diagnostic, type StatementClass, thousands } from '../core/index.js';
import type { Report, RootResult } from '../roots/index.js';
import { headline, riskCounts } from './headline.js';
import { checksSection, historySection, reviewedSection } from './history.js';
import { gateNote, holdSection, approvalNotice, riskList } from './risk.js';
import { impactPart } from './impact.js';
import { accessSection } from './access.js';
import { blockSize, renderSql } from './sql.js';
import { COUNTED_CLASSES, appliedLine, count, mainSql, outcomeLine, outcomeShort, type SqlBlock } from './wording.js';

// Draws the Markdown of a report under given limits; fit.ts chooses the limits that make the
// body fit. Everything foreign goes through md.ts; the structure around it is ours. Pure.

export type Target = 'comment' | 'summary';

export interface Limits {
  /** Per SQL block: show the longest prefix of whole statements whose size is <= sqlCap. */
  sqlCap: number;
  /** Per error/warning detail: characters kept. */
  detailCap: number;
  /** Set while shortening, so the body says so at the top. */
  shortened: boolean;
}

export const NO_LIMITS: Limits = { sqlCap: Infinity, detailCap: Infinity, shortened: false };

export interface RenderOptions {
  /** Identifies our comment; the body starts with it. */
  marker: string;
  /** Link for the commit sha in the footer. */
  commitUrl?: string | undefined;
  /** The destructive-label input (a second key besides the approval), for the plan comment's notice. */
  destructiveLabel: string;
  /** The gated-classes input: which classes the plan comment says will need an approval. */
  gatedClasses: readonly StatementClass[];
  /** The approvers input, named in the plan comment's notice (empty when not given). */
  approvers?: readonly string[];
  /** The hidden record line (review.ts encodeData), appended to the body. */
  data?: string;
}

interface Ctx {
  report: Report;
  target: Target;
  limits: Limits;
  omittedStatements: number;
  shortenedDetails: number;
}

export function renderDocument(report: Report, opts: RenderOptions, target: Target, limits: Limits): string {
  const ctx: Ctx = { report, target, limits, omittedStatements: 0, shortenedDetails: 0 };
  // Roots first: the shortening notice at the top needs to know what they left out.
  const roots = report.roots.map((root) => rootSection(root, ctx));
  const fatal = report.fatal ? ['### ❌ Error', detailBlock(report.fatal, ctx)] : [];
  const parts = [
    ...header(report, opts),
    ...shortenedNotice(ctx),
    ...report.notices.map((n) => `> ℹ️ ${text(n)}`),
    ...overview(report),
    ...fatal,
    ...checksSection(report.lint),
    ...riskList(report.roots),
    ...accessSection(report.access, target),
    ...(report.context.mode === 'plan' ? approvalNotice(report, { ...opts, approvers: opts.approvers ?? [] }) : holdSection(report)),
    ...roots.flat(),
    ...reviewedSection(report),
    ...historySection(report.history),
    footer(report, opts),
  ];
  return parts.filter((p) => p !== '').join('\n\n') + '\n';
}

/** Header, status and footer only: what is left when nothing else fits. */
export function renderMinimal(report: Report, opts: RenderOptions, target: Target): string {
  const where = target === 'comment' ? 'the job summary and the log of' : 'the log of';
  const tooLarge = `> ✂️ This report is too large to show here; see ${where} ${link('this run', report.context.runUrl)}.`;
  return [...header(report, opts), tooLarge, footer(report, opts)].filter((p) => p !== '').join('\n\n') + '\n';
}

/** Sizes of every SQL block the document can draw, in the units sqlCap is compared with. */
export function sqlBlockSizes(report: Report): number[] {
  return report.roots.flatMap((root) => sqlBlocks(root, report).map((b) => blockSize(b.statements)));
}

export function detailSizes(report: Report): number[] {
  const details = report.roots.flatMap((r) => [...r.errors, ...r.warnings].map((d) => d.detail.length));
  return report.fatal ? [...details, report.fatal.length] : details;
}

function header(report: Report, opts: RenderOptions): string[] {
  const { context } = report;
  const title = context.drift ? 'Drift check' : context.mode === 'apply' ? 'Apply' : 'Plan';
  const env = report.environment ? ` · ${code(report.environment)}` : '';
  // The record sits right under the marker: if a body ever had to be cut, it is cut at the end.
  return [
    opts.data ? `${opts.marker}\n${opts.data}` : opts.marker,
    `## 🗄️ Atlas ${title}${env} · PostgreSQL roles & schema`,
    `### ${text(headline(report))}`,
    `Mode: **${context.mode}** — ${text(context.modeReason)}`,
  ];
}

function shortenedNotice(ctx: Ctx): string[] {
  if (!ctx.limits.shortened || (ctx.omittedStatements === 0 && ctx.shortenedDetails === 0)) return [];
  const what = [
    ctx.omittedStatements ? `${count(ctx.omittedStatements, 'SQL statement')} not shown` : '',
    ctx.shortenedDetails ? `${count(ctx.shortenedDetails, 'error/warning detail')} shortened` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const url = ctx.report.context.runUrl;
  return ctx.target === 'comment'
    ? [
        `> ✂️ **Shortened to fit GitHub's 65,536-character comment limit:** ${what}. The full plan is in the ${link('job summary of this run', url)}.`,
      ]
    : [`> ✂️ **Shortened to fit the 1 MiB job-summary limit:** ${what}. See the log of ${link('this run', url)} for the rest.`];
}

function overview(report: Report): string[] {
  if (report.roots.length === 0) return [];
  const rows = report.roots.map((r) => {
    const ran = r.outcome !== 'skipped' && r.outcome !== 'not-run' && r.outcome !== 'deferred';
    const n = ran ? String(mainSql(r, report).statements.length) : '—';
    return `| ${r.root} | ${text(outcomeShort(r))} | ${n} | ${ran ? riskCell(r) : '—'} | ${ran ? duration(r.durationMs) : '—'} |`;
  });
  const table = ['| Root | Result | SQL statements | Risk | Time |', '| --- | --- | ---: | --- | ---: |', ...rows].join('\n');
  return report.context.mode === 'apply' ? [table, `**What was applied:** ${text(appliedLine(report))}`] : [table];
}

function riskCell(root: RootResult): string {
  const counts = riskCounts([root]);
  const parts = [
    root.destroys.length > 0 ? `${root.destroys.length} destroy` : '',
    ...COUNTED_CLASSES.map((c) => (counts[c] > 0 ? `${counts[c]} ${c}` : '')),
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : root.plannedStatements.length > 0 ? 'safe' : '—';
}

function rootSection(root: RootResult, ctx: Ctx): string[] {
  const { report } = ctx;
  const out = [`### ${root.root} · ${code(root.workingDirectory)}`, outcomeLine(root, report)];
  if (root.root === 'roles' && root.outcome !== 'skipped') out.push(whyRolesRan(report));
  const note = gateNote(root);
  if (note) out.push(note);
  // Each error once, before the SQL: the diagnostics when Terraform gave some, else the message.
  if (root.errors.length > 0) {
    for (const e of root.errors) out.push(`**${text(e.summary)}**${e.address ? ` (${code(e.address)})` : ''}`, detailBlock(e.detail, ctx));
  } else if (root.error) {
    out.push(`**Error${root.failedStep ? ` at ${root.failedStep}` : ''}:**`, detailBlock(root.error, ctx));
  }
  if (root.hints.length > 0) out.push(root.hints.map((h) => `- 💡 ${h}`).join('\n'));
  if (root.appliedDiffers) {
    out.push(
      '❌ **Atlas re-planned inside the apply and ran SQL that differs from the plan the gate approved** (the database changed in between). It has run; compare the applied SQL below with the plan, and check the database.',
    );
  }
  if (root.terraformChanged && mainSql(root, report).statements.length === 0 && root.outcome === 'planned') {
    out.push('Terraform would update the resource, but Atlas plans no SQL: the database already matches (usually HCL text normalisation).');
  }
  out.push(...impactPart(root));
  for (const block of sqlBlocks(root, report)) out.push(...sqlSection(block, root, ctx));
  if (root.residualStatements.length > 0) out.push(residualHint(root.residualStatements));
  out.push(warnings(root.warnings, ctx));
  return out;
}

function whyRolesRan(report: Report): string {
  const { rolesChange } = report;
  return rolesChange.failSafe ? `⚠️ **Ran to be safe:** ${text(rolesChange.reason)}` : `Why it ran: ${text(rolesChange.reason)}`;
}

function sqlBlocks(root: RootResult, report: Report): SqlBlock[] {
  const blocks = [mainSql(root, report)];
  if (root.residualStatements.length > 0)
    blocks.push({ label: 'Still planned after apply (residual SQL)', statements: root.residualStatements });
  const pending = root.pendingAfterFailure;
  if (pending && pending.length > 0 && !sameStatements(pending, root.plannedStatements)) {
    blocks.push({ label: 'Still pending after the failed apply (not committed)', statements: pending });
  }
  return blocks.filter((b) => b.statements.length > 0);
}

function sameStatements(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function sqlSection(block: SqlBlock, root: RootResult, ctx: Ctx): string[] {
  const rendered = renderSql(block, block.classes ? root.classifications : undefined, ctx.limits.sqlCap);
  ctx.omittedStatements += rendered.omitted;
  const out = [`**${block.label}**`];
  if (rendered.markdown) out.push(rendered.markdown);
  if (rendered.omitted > 0) out.push(`_… ${count(rendered.omitted, 'more statement')} not shown — ${whereIsTheRest(ctx)}._`);
  return out;
}

function whereIsTheRest(ctx: Ctx): string {
  const url = ctx.report.context.runUrl;
  return ctx.target === 'comment'
    ? `the full plan is in the ${link('job summary of this run', url)}`
    : `the plan is larger than the job summary allows; see the log of ${link('this run', url)}`;
}

function residualHint(residual: string[]): string {
  const publicGrant = residual.some((s) => /\bPUBLIC\b/i.test(s));
  const example = publicGrant
    ? 'Here the SQL touches `PUBLIC`: PostgreSQL grants some privileges to PUBLIC by default (USAGE on schema `public`, EXECUTE on new functions).'
    : 'The classic cause is a PostgreSQL default privilege, such as USAGE on schema `public` for PUBLIC or EXECUTE on new functions for PUBLIC.';
  return `💡 SQL that is still planned right after an apply means the HCL does not describe what the database keeps doing on its own. ${example} Declare that privilege in HCL (a \`permission\` block, e.g. \`to = PUBLIC\`, \`for = schema.public\`, \`privileges = [USAGE]\`) so the next plan is empty.`;
}

/** Warnings the flow expects (and the provider's update notice) are named as such, all collapsed. */
const EXPECTED_WARNINGS: { match: RegExp; note: string }[] = [
  { match: /dev_url is unset/i, note: 'expected: this flow plans against the live database without a dev database.' },
  { match: /^Update Available$/i, note: 'the ariga/atlas provider has a newer version; not a problem for this run.' },
];

/**
 * Warnings in a defined order, whatever order the provider's processes sent them in (two
 * processes race under load): the ones a reviewer must read first, then the expected ones; each
 * group by summary, address and detail, compared by code unit so no locale changes it.
 */
export function orderWarnings(list: readonly Diagnostic[]): Diagnostic[] {
  const rank = (w: Diagnostic): number => (EXPECTED_WARNINGS.some((e) => e.match.test(w.summary)) ? 1 : 0);
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...list].sort(
    (a, b) => rank(a) - rank(b) || cmp(a.summary, b.summary) || cmp(a.address ?? '', b.address ?? '') || cmp(a.detail, b.detail),
  );
}

function warnings(unordered: Diagnostic[], ctx: Ctx): string {
  if (unordered.length === 0) return '';
  const list = orderWarnings(unordered);
  const expected = list.filter((w) => EXPECTED_WARNINGS.some((e) => e.match.test(w.summary)));
  const note = expected.length > 0 ? `, including the expected ${expected.map((w) => `“${htmlText(w.summary)}”`).join(', ')}` : '';
  const items = list.map((w) => {
    const known = EXPECTED_WARNINGS.find((e) => e.match.test(w.summary));
    if (known) return `- **${text(w.summary)}** — ${known.note}`;
    const detail = w.detail ? `\n\n${detailBlock(w.detail, ctx)}` : '';
    return `- **${text(w.summary)}**${detail}`;
  });
  return details(`Warnings (${list.length})${note}`, items.join('\n'));
}

/** A fenced block of at most detailCap characters, cut at a line boundary when one is near. */
function detailBlock(raw: string, ctx: Ctx): string {
  const clean = raw.replace(/\s+$/, '');
  if (clean === '') return '';
  const cap = ctx.limits.detailCap;
  if (clean.length <= cap) return fence(clean);
  ctx.shortenedDetails++;
  let cut = Math.max(0, Math.floor(cap));
  const newline = clean.lastIndexOf('\n', cut);
  if (newline > cut / 2) cut = newline;
  if (/[\uD800-\uDBFF]/.test(clean.charAt(cut - 1))) cut--;
  const note = `_… ${thousands(clean.length - cut)} more characters not shown — see the log of ${link('this run', ctx.report.context.runUrl)}._`;
  return cut > 0 ? `${fence(clean.slice(0, cut))}\n\n${note}` : note;
}

function footer(report: Report, opts: RenderOptions): string {
  const { context } = report;
  const sha = context.sha ? link(code(context.sha.slice(0, 7)), opts.commitUrl ?? '') : '';
  const parts = [
    sha ? `Commit ${sha}` : '',
    context.runUrl ? link('workflow run', context.runUrl) : '',
    report.atlasVersion ? `Atlas ${code(report.atlasVersion)}` : '',
    'rds-atlas-action',
  ];
  return `---\n<sub>${parts.filter(Boolean).join(' · ')}</sub>`;
}

function duration(ms: number): string {
  if (ms < 1000) return '<1s';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}
