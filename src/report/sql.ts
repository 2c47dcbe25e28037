import { details, fenceTrusted, hasBidi, htmlText, showBidi, redact, type Classification, type StatementClass } from '../core/index.js';
import { count, type SqlBlock } from './wording.js';

// One block of SQL as the comment shows it: literal (a fence no statement can close), every
// risky statement preceded by a SQL comment that says what it does, bidirectional control
// characters made visible and flagged, and long blocks folded into <details> with a count
// per statement kind. Pure.

/** Blocks longer than this many lines are folded. */
export const FOLD_LINES = 40;

const MARK: Record<StatementClass, string> = {
  destructive: '⚠️ DESTRUCTIVE',
  'access-widening': '🔓 ACCESS-WIDENING',
  'access-reducing': '⚠️ ACCESS-REDUCING',
  session: '⚠️ SESSION',
  unknown: '❓ UNKNOWN',
  'behaviour-change': '🔁 BEHAVIOUR CHANGE',
  locking: '🔒 LOCKING',
  safe: '',
};

export interface RenderedSql {
  markdown: string;
  /** Statements cut by the size cap. */
  omitted: number;
  shown: number;
}

/** Size of a block in the units the cap is measured in (what `renderSql` will print). */
export function blockSize(statements: readonly string[]): number {
  return statements.reduce((sum, s) => sum + s.replace(/\s+$/, '').length + 1, 0);
}

export function renderSql(block: SqlBlock, classifications: readonly Classification[] | undefined, cap: number): RenderedSql {
  // Redact only up to the cap: the shortening search renders many times, and the statements
  // past the cap are never shown.
  const lines: string[] = [];
  let size = 0;
  let shown = 0;
  let bidi = false;
  for (const [i, raw] of block.statements.entries()) {
    const statement = raw.replace(/\s+$/, '');
    size += statement.length + 1;
    if (size > cap) break;
    shown++;
    const c = classifications?.[i];
    if (c && c.class !== 'safe')
      lines.push(`-- ${MARK[c.class]}: ${oneLine(c.parsed ? c.reason : `could not be classified: ${c.reason}`)}`);
    bidi ||= hasBidi(statement);
    lines.push(statement);
  }
  const omitted = block.statements.length - shown;
  const out: string[] = [];
  if (bidi) {
    out.push(
      '> ⚠️ **This SQL contains bidirectional control characters** (shown as `⟪U+…⟫`): text around them can display in a different order than it runs ("Trojan Source"). Review the statements below character by character.',
    );
  }
  if (shown > 0) {
    // Marker lines carry names from the SQL too: redact and show bidi over the whole block.
    const body = showBidi(redact(lines.join('\n')));
    const fenced = fenceTrusted(body, 'sql');
    const lineCount = body.split('\n').length;
    out.push(
      lineCount > FOLD_LINES
        ? details(`${htmlText(block.label)}: ${foldSummary(block.statements.slice(0, shown), classifications, lineCount)}`, fenced)
        : fenced,
    );
  }
  return { markdown: out.join('\n\n'), omitted, shown };
}

function foldSummary(statements: readonly string[], classifications: readonly Classification[] | undefined, lines: number): string {
  const kinds = new Map<string, number>();
  for (const [i, s] of statements.entries()) {
    const kind = classifications?.[i]?.kind ?? firstWords(s);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const byCount = [...kinds].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const listed = byCount
    .slice(0, 8)
    .map(([kind, n]) => `${n} ${htmlText(kind)}`)
    .join(', ');
  const more = byCount.length > 8 ? `, ${byCount.length - 8} more kinds` : '';
  return `${count(statements.length, 'statement')} (${count(lines, 'line')}) — ${listed}${more}`;
}

function firstWords(statement: string): string {
  return statement
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .join(' ')
    .toUpperCase()
    .replace(/[^A-Z ]/g, '');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
