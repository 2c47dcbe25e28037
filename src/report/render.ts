import { redact } from '../redact.js';
import type { Diagnostic, Report, RootResult } from '../types.js';
import { appliedLine, mainSql, outcomeLine, outcomeShort, statusLine, count, type SqlBlock } from './wording.js';

// Builds the Markdown of a report under given limits. markdown.ts chooses the limits that
// make the body fit; this file only knows how to draw. Pure.

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

interface Options {
  marker: string;
  commitUrl?: string | undefined;
}

interface Ctx {
  report: Report;
  target: Target;
  limits: Limits;
  omittedStatements: number;
  shortenedDetails: number;
}

export function renderDocument(report: Report, opts: Options, target: Target, limits: Limits): string {
  const ctx: Ctx = { report, target, limits, omittedStatements: 0, shortenedDetails: 0 };
  // Roots first: the shortening notice at the top needs to know what they left out.
  const roots = report.roots.map((root) => rootSection(root, ctx));
  const fatal = report.fatal ? ['### ❌ Error', detailBlock(report.fatal, ctx)] : [];
  const parts = [
    ...header(report, opts),
    ...shortenedNotice(ctx),
    ...report.notices.map((n) => `> ℹ️ ${inline(n)}`),
    ...overview(report),
    ...fatal,
    ...roots.flat(),
    footer(report, opts),
  ];
  return parts.filter((p) => p !== '').join('\n\n') + '\n';
}

/** Header, status and footer only: what is left when nothing else fits. */
export function renderMinimal(report: Report, opts: Options, target: Target): string {
  const where = target === 'comment' ? 'the job summary and the log of' : 'the log of';
  const tooLarge = `> ✂️ This report is too large to show here; see ${where} ${link('this run', report.plan.runUrl)}.`;
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

function header(report: Report, opts: Options): string[] {
  const { plan } = report;
  const title = plan.mode === 'apply' ? 'Apply' : 'Plan';
  return [
    markerLine(opts.marker),
    `## 🗄️ Atlas ${title} · PostgreSQL roles & schema`,
    `### ${inline(statusLine(report))}`,
    `Mode: **${plan.mode}** — ${inline(plan.modeReason)}`,
  ];
}

function markerLine(marker: string): string {
  if (!marker) return '';
  return /^<!--[\s\S]*-->$/.test(marker.trim()) ? marker.trim() : `<!-- ${marker.replace(/--/g, '- -')} -->`;
}

function shortenedNotice(ctx: Ctx): string[] {
  if (!ctx.limits.shortened || (ctx.omittedStatements === 0 && ctx.shortenedDetails === 0)) return [];
  const what = [
    ctx.omittedStatements ? `${count(ctx.omittedStatements, 'SQL statement')} not shown` : '',
    ctx.shortenedDetails ? `${count(ctx.shortenedDetails, 'error/warning detail')} shortened` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const url = ctx.report.plan.runUrl;
  return ctx.target === 'comment'
    ? [
        `> ✂️ **Shortened to fit GitHub's 65,536-character comment limit:** ${what}. The full plan is in the ${link('job summary of this run', url)}.`,
      ]
    : [`> ✂️ **Shortened to fit the 1 MiB job-summary limit:** ${what}. See the log of ${link('this run', url)} for the rest.`];
}

function overview(report: Report): string[] {
  if (report.roots.length === 0) return [];
  const rows = report.roots.map((r) => {
    const ran = r.outcome !== 'skipped' && r.outcome !== 'not-run';
    const n = ran ? String(mainSql(r, report).statements.length) : '—';
    return `| ${r.root} | ${cell(outcomeShort(r))} | ${n} | ${ran ? duration(r.durationMs) : '—'} |`;
  });
  const table = ['| Root | Result | SQL statements | Time |', '| --- | --- | ---: | ---: |', ...rows].join('\n');
  return report.plan.mode === 'apply' ? [table, `**What was applied:** ${inline(appliedLine(report))}`] : [table];
}

function rootSection(root: RootResult, ctx: Ctx): string[] {
  const { report } = ctx;
  const out = [`### ${root.root} · ${code(root.workingDirectory)}`, inline(outcomeLine(root, report))];
  if (root.root === 'roles' && root.outcome !== 'skipped') out.push(...whyRolesRan(report));
  if (root.terraformChanged && mainSql(root, report).statements.length === 0 && root.outcome === 'planned') {
    out.push('Terraform would update the resource, but Atlas plans no SQL: the database already matches (usually HCL text normalisation).');
  }
  for (const block of sqlBlocks(root, report)) out.push(...sqlSection(block, ctx));
  if (root.residualStatements.length > 0) out.push(residualHint(root.residualStatements));
  if (root.error) out.push(`**Error${root.failedStep ? ` at ${root.failedStep}` : ''}:** ${inline(root.error)}`);
  for (const e of root.errors) out.push(`**${inline(e.summary)}**${e.address ? ` (${code(e.address)})` : ''}`, detailBlock(e.detail, ctx));
  if (root.hints.length > 0) out.push(root.hints.map((h) => `- 💡 ${inline(h)}`).join('\n'));
  out.push(warnings(root.warnings, ctx));
  return out;
}

function whyRolesRan(report: Report): string[] {
  const { rolesChange } = report;
  return [rolesChange.failSafe ? `⚠️ **Ran to be safe:** ${inline(rolesChange.reason)}` : `Why it ran: ${inline(rolesChange.reason)}`];
}

function sqlBlocks(root: RootResult, report: Report): SqlBlock[] {
  const blocks = [mainSql(root, report)];
  if (root.residualStatements.length > 0) {
    blocks.push({ label: 'Still planned after apply (residual SQL)', statements: root.residualStatements });
  }
  const pending = root.pendingAfterFailure;
  if (pending && pending.length > 0 && !sameStatements(pending, root.plannedStatements)) {
    blocks.push({ label: 'Still pending after the failed apply (not committed)', statements: pending });
  }
  return blocks.filter((b) => b.statements.length > 0);
}

function sameStatements(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function sqlSection(block: SqlBlock, ctx: Ctx): string[] {
  // Redact only up to the cap: the shortening search renders many times, and the statements
  // past the cap are never shown.
  const shownStatements: string[] = [];
  let size = 0;
  for (const raw of block.statements) {
    const s = redact(raw.replace(/\s+$/, ''));
    size += s.length + 1;
    if (size > ctx.limits.sqlCap) break;
    shownStatements.push(s);
  }
  const shown = shownStatements.length;
  const omitted = block.statements.length - shown;
  ctx.omittedStatements += omitted;
  const out = [`**${block.label}**`];
  if (shown > 0) out.push(fenced(shownStatements.join('\n'), 'sql'));
  if (omitted > 0) out.push(`_… ${count(omitted, 'more statement')} not shown — ${whereIsTheRest(ctx)}._`);
  return out;
}

function whereIsTheRest(ctx: Ctx): string {
  const url = ctx.report.plan.runUrl;
  return ctx.target === 'comment'
    ? `the full plan is in the ${link('job summary of this run', url)}`
    : `the plan is larger than the job summary allows; see the log of ${link('this run', url)}`;
}

function blockSize(statements: string[]): number {
  return statements.reduce((sum, s) => sum + s.replace(/\s+$/, '').length + 1, 0);
}

function residualHint(residual: string[]): string {
  const publicGrant = residual.some((s) => /\bPUBLIC\b/i.test(s));
  const example = publicGrant
    ? 'Here the SQL touches `PUBLIC`: PostgreSQL grants some privileges to PUBLIC by default (USAGE on schema `public`, EXECUTE on new functions).'
    : 'The classic cause is a PostgreSQL default privilege, such as USAGE on schema `public` for PUBLIC or EXECUTE on new functions for PUBLIC.';
  return `💡 SQL that is still planned right after an apply means the HCL does not describe what the database keeps doing on its own. ${example} Declare that privilege in HCL (a \`permission\` block, e.g. \`to = PUBLIC\`, \`for = schema.public\`, \`privileges = [USAGE]\`) so the next plan is empty.`;
}

function warnings(list: Diagnostic[], ctx: Ctx): string {
  if (list.length === 0) return '';
  const expected = list.some(isDevUrlUnset) ? ', including the expected “dev_url is unset”' : '';
  const items = list.map((w) => {
    if (isDevUrlUnset(w)) return `- **dev_url is unset** — expected: this flow plans against the live database without a dev database.`;
    const detail = w.detail ? `\n\n${detailBlock(w.detail, ctx)}` : '';
    return `- **${inline(w.summary)}**${detail}`;
  });
  return `<details><summary>Warnings (${list.length})${expected}</summary>\n\n${items.join('\n')}\n\n</details>`;
}

function isDevUrlUnset(d: Diagnostic): boolean {
  return /dev_url is unset/i.test(d.summary);
}

/** A fenced block of at most detailCap characters, cut at a line boundary when one is near. */
function detailBlock(text: string, ctx: Ctx): string {
  const clean = redact(text.replace(/\s+$/, ''));
  if (clean === '') return '';
  const cap = ctx.limits.detailCap;
  if (clean.length <= cap) return fenced(clean, '');
  ctx.shortenedDetails++;
  let cut = Math.max(0, Math.floor(cap));
  const newline = clean.lastIndexOf('\n', cut);
  if (newline > cut / 2) cut = newline;
  if (/[\uD800-\uDBFF]/.test(clean.charAt(cut - 1))) cut--;
  const note = `_… ${(clean.length - cut).toLocaleString('en-US')} more characters not shown — see the log of ${link('this run', ctx.report.plan.runUrl)}._`;
  return cut > 0 ? `${fenced(clean.slice(0, cut), '')}\n\n${note}` : note;
}

function footer(report: Report, opts: Options): string {
  const { plan } = report;
  const sha = plan.sha ? link(code(plan.sha.slice(0, 7)), opts.commitUrl ?? commitUrlFromRun(plan.runUrl, plan.sha)) : '';
  const parts = [sha ? `Commit ${sha}` : '', plan.runUrl ? link('workflow run', plan.runUrl) : '', 'rds-atlas-action'];
  return `---\n<sub>${parts.filter(Boolean).join(' · ')}</sub>`;
}

/** https://github.com/o/r/actions/runs/1[/attempts/2] → https://github.com/o/r/commit/<sha> */
function commitUrlFromRun(runUrl: string, sha: string): string {
  const m = /^(https?:\/\/[^\s]+?)\/actions\/runs\/\d+/.exec(runUrl);
  return m?.[1] ? `${m[1]}/commit/${sha}` : '';
}

/** A fence longer than any backtick run inside, so SQL with ``` cannot close it early. */
export function fenced(body: string, lang: string): string {
  const longest = longestBacktickRun(body);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${body}\n${fence}`;
}

/** Without spreading matches into Math.max: a 1 MiB body can hold more runs than a call takes arguments. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

function code(text: string): string {
  const longest = longestBacktickRun(text);
  const ticks = '`'.repeat(longest + 1);
  const pad = longest > 0 ? ' ' : '';
  return `${ticks}${pad}${redact(text).replace(/\s*\n\s*/g, ' ')}${pad}${ticks}`;
}

function link(text: string, url: string): string {
  return url ? `[${text}](${url.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)})` : text;
}

/** One line of prose from untrusted text: no raw HTML, no line breaks. */
function inline(text: string): string {
  return redact(text)
    .replace(/\s*\r?\n\s*/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function cell(text: string): string {
  return inline(text).replace(/\|/g, '\\|');
}

function duration(ms: number): string {
  if (ms < 1000) return '<1s';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}
