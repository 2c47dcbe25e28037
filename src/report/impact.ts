import { code, text, thousands } from '../core/index.js';
import type { Blocker, TableImpact } from '../impact/index.js';
import type { RootResult } from '../roots/index.js';
import { count } from './wording.js';

// The "Impact" part of a root, above its SQL: per affected table, what the plan does to it
// (rows, size, the lock and how long it is held, rewrite or scan), who holds a conflicting
// lock right now, and what will fail on today's rows. Counts and sizes only: no value of any
// row is ever in the report. Table names are hostile: code spans, with `|` escaped so a name
// cannot split a table cell (GFM splits cells before it parses code spans). Returns safe Markdown.

/** The impact part of a root; [] when its facts were not read for it. */
export function impactPart(root: RootResult): string[] {
  const impact = root.impact;
  if (!impact) return [];
  if (impact.skipped !== undefined) return [`**Impact:** ${text(impact.skipped)}`];
  const report = impact.report;
  if (!report || report.tables.length === 0) return [];
  const rows = report.tables.map(
    (t) =>
      `| ${cellCode(t.table)} | ${rowsCell(t)} | ${sizeCell(t)} | ${lockCell(t)} | ${workCell(t)} | ${blockersCell(t.blockers)} | ${failsCell(t)} |`,
  );
  const out = [
    `**Impact** (read-only facts from the database now; ${report.willFail ? '❌ **will fail**' : 'no failure predicted'})`,
    [
      '| Table | Rows | Size | Lock, held for | Work | Blocking now | Predicted failures |',
      '| --- | ---: | ---: | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  ];
  if (report.notes.length > 0) out.push(report.notes.map((n) => `- ℹ️ ${text(n)}`).join('\n'));
  return out;
}

function cellCode(untrusted: string): string {
  return code(untrusted).replace(/\|/g, '\\|');
}

function rowsCell(t: TableImpact): string {
  if (t.rows === null) return '—';
  return `${t.rowsExact ? '' : '≈'}${thousands(t.rows)}`;
}

function sizeCell(t: TableImpact): string {
  return t.bytes === null ? '—' : `${t.bytesEstimated ? '≈' : ''}${bytes(t.bytes)}`;
}

function lockCell(t: TableImpact): string {
  if (t.lock === null) return '—';
  const held = t.heldFor === 'transaction' ? `the whole plan's transaction (from statement ${t.fromStatement + 1})` : 'the statement';
  return `${t.lock}, ${held}`;
}

function workCell(t: TableImpact): string {
  return t.rewrite ? 'rewrites the table' : t.scan ? 'scans the table' : 'catalog only';
}

function blockersCell(blockers: readonly Blocker[]): string {
  if (blockers.length === 0) return 'none';
  return blockers
    .map((b) => {
      const age =
        b.transactionAgeMs === null
          ? 'transaction age not visible (pg_read_all_stats)'
          : `transaction open ${duration(b.transactionAgeMs)}`;
      return `pid ${b.pid}: ${text(b.mode)}${b.granted ? '' : ' (waiting)'}, ${age}`;
    })
    .join('; ');
}

function failsCell(t: TableImpact): string {
  const parts = [...t.fails.map((f) => `❌ ${text(f)}`), ...t.unchecked.map((u) => `⚠️ ${text(u)}`)];
  return parts.length > 0 ? parts.join('; ') : 'none';
}

/** 1536 → "1.5 kB": binary multiples, as pg_size_pretty shows them. */
function bytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? count(n, 'byte') : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
