import type { AtlasPlan, Diagnostic, TerraformRun } from '../core/index.js';

// The Atlas provider reports the SQL it will run only as a warning diagnostic, summary
// "Atlas Plan", detail = header + "\n\n\n" + each statement + "\n". This module turns a
// run's diagnostics into the ordered statements, the errors and the other warnings.

export const ATLAS_PLAN_SUMMARY = 'Atlas Plan';
const ATLAS_PLAN_HEADER = 'The following SQL statements will be executed:';

export function atlasPlan(run: TerraformRun): AtlasPlan {
  const statements: string[] = [];
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  // The provider re-plans inside apply and validates twice, so identical diagnostics repeat.
  const planDetailsByAddress = new Map<string, string[]>();
  const seen = new Set<string>();

  for (const d of run.diagnostics) {
    if (d.severity === 'warning' && d.summary.trim() === ATLAS_PLAN_SUMMARY) {
      const details = planDetailsByAddress.get(d.address ?? '') ?? [];
      if (details.includes(d.detail)) continue;
      details.push(d.detail);
      planDetailsByAddress.set(d.address ?? '', details);
      // A loop, not push(...spread): a plan with ~100k statements would overflow the call stack.
      for (const statement of parseAtlasPlanDetail(d.detail)) statements.push(statement);
      continue;
    }
    const key = JSON.stringify([d.severity, d.summary, d.detail, d.address ?? '']);
    if (seen.has(key)) continue;
    seen.add(key);
    (d.severity === 'error' ? errors : warnings).push(d);
  }
  return { statements, errors, warnings };
}

/** The statements of one `Atlas Plan` detail, in order, multi-line statements intact. */
export function parseAtlasPlanDetail(detail: string): string[] {
  const text = detail.trimStart();
  const body = text.startsWith(ATLAS_PLAN_HEADER) ? text.slice(ATLAS_PLAN_HEADER.length) : text;
  return splitStatements(body);
}

const SEMICOLON = 0x3b;
const NEWLINE = 0x0a;

/**
 * Splits SQL where a line ends with `;` outside quotes, comments and dollar-quoted bodies
 * (a function body holds `;` at line ends that do not end the statement).
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  const push = (s: string): void => {
    const trimmed = s.trim();
    if (trimmed) out.push(trimmed);
  };
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (c === SEMICOLON) {
      const lineEnd = endOfStatementLine(sql, i + 1);
      if (lineEnd >= 0) {
        push(sql.slice(start, i + 1));
        start = i = lineEnd;
        continue;
      }
      i++;
      continue;
    }
    const next = skipQuotedOrComment(sql, i);
    if (next < 0) {
      // Unterminated quote or body: the scanner has lost track, so fall back to the plain
      // line rule for the rest rather than swallowing every later statement into one.
      for (const s of splitOnLineEndings(sql.slice(start))) push(s);
      return out;
    }
    i = next;
  }
  push(sql.slice(start));
  return out;
}

/**
 * After a `;`: the index where the next statement starts when only blanks (or a `--`
 * comment) follow on this line, -1 when more SQL follows on the same line.
 */
function endOfStatementLine(sql: string, from: number): number {
  let i = from;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === ' ' || ch === '\t' || ch === '\r') i++;
    else break;
  }
  if (i >= sql.length) return i;
  if (sql.charCodeAt(i) === NEWLINE) return i + 1;
  if (sql.startsWith('--', i)) {
    const nl = sql.indexOf('\n', i);
    return nl < 0 ? sql.length : nl + 1;
  }
  return -1;
}

/** Index just past the quoted string, comment or dollar body starting at i (i + 1 if none); -1 if unterminated. */
function skipQuotedOrComment(sql: string, i: number): number {
  const ch = sql[i];
  if (ch === "'") return skipSingleQuoted(sql, i, isEscapeString(sql, i));
  if (ch === '"') return skipDoubled(sql, i, '"');
  if (ch === '-' && sql[i + 1] === '-') {
    const nl = sql.indexOf('\n', i);
    return nl < 0 ? sql.length : nl;
  }
  if (ch === '/' && sql[i + 1] === '*') return skipBlockComment(sql, i);
  if (ch === '$') {
    const tag = dollarTag(sql, i);
    if (tag) {
      const end = sql.indexOf(tag, i + tag.length);
      return end < 0 ? -1 : end + tag.length;
    }
  }
  return i + 1;
}

/** 'it''s' (standard strings) or E'it\'s' (escape strings). */
function skipSingleQuoted(sql: string, open: number, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslashEscapes && ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === "'") {
      if (sql[i + 1] === "'") {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return -1;
}

function skipDoubled(sql: string, open: number, quote: string): number {
  let i = open + 1;
  for (;;) {
    const close = sql.indexOf(quote, i);
    if (close < 0) return -1;
    if (sql[close + 1] !== quote) return close + 1;
    i = close + 2;
  }
}

/** PostgreSQL block comments nest. */
function skipBlockComment(sql: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return -1;
}

function isIdentifierChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(ch);
}

/** E'...' / e'...' where the E is a prefix, not the end of an identifier such as `name'`. */
function isEscapeString(sql: string, quote: number): boolean {
  const prefix = sql[quote - 1];
  return (prefix === 'E' || prefix === 'e') && !isIdentifierChar(sql[quote - 2]);
}

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** `$$` or `$tag$` opening a dollar-quoted body; undefined for `$1` parameters or `a$b` identifiers. */
function dollarTag(sql: string, i: number): string | undefined {
  if (isIdentifierChar(sql[i - 1])) return undefined;
  DOLLAR_TAG.lastIndex = i;
  return DOLLAR_TAG.exec(sql)?.[0];
}

/** The plain rule: a line whose last non-blank character is `;` ends a statement. */
function splitOnLineEndings(sql: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const line of sql.split('\n')) {
    current.push(line);
    if (line.trimEnd().endsWith(';')) {
      out.push(current.join('\n'));
      current = [];
    }
  }
  if (current.length > 0) out.push(current.join('\n'));
  return out;
}

/**
 * True when one of the statements creates `user` (CREATE ROLE/USER, quoted or bare). Used to
 * recognise a first bootstrap, where the schema root's login user does not exist yet.
 */
export function createsRole(statements: string[], user: string): boolean {
  const quoted = `"${user.replace(/"/g, '""')}"`;
  return statements.some((statement) => {
    const match = /^\s*CREATE\s+(?:ROLE|USER)\s+("(?:[^"]|"")+"|[A-Za-z_][\w$]*)/i.exec(statement);
    if (!match) return false;
    const name = match[1] as string;
    return name.startsWith('"') ? name === quoted : name.toLowerCase() === user.toLowerCase();
  });
}
