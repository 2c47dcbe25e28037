import { createHash } from 'node:crypto';
import { array, isObject, str, strings, type HistoryEntry, type ReviewedPlan, type ReviewedRoot } from '../core/index.js';

// What reviewers saw, in a form a later run can compare with. Pure.
// A root's plan is fingerprinted over its statements with whitespace normalised (Atlas's
// indentation is not part of what a statement does); per-statement hashes let a merge say
// which statements were added or removed since review; the statements themselves are kept
// while they are small, so the apply comment can still show the reviewed plan.

/** Plans with more statements than this record counts and a fingerprint only. */
const MAX_HASHED_STATEMENTS = 1_000;
/** Reviewed SQL is kept in the comment's record up to this many characters per plan. */
const MAX_KEPT_SQL_CHARS = 12_000;
const HISTORY_LIMIT = 10;

function normalise(statement: string): string {
  return statement.replace(/\s+/g, ' ').trim();
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function fingerprint(statements: readonly string[]): string {
  return sha256(statements.map(normalise).join('\n'));
}

export function statementHash(statement: string): string {
  return sha256(normalise(statement)).slice(0, 16);
}

export function reviewedRoot(statements: readonly string[], keepText: boolean): ReviewedRoot {
  const root: ReviewedRoot = { fingerprint: fingerprint(statements), count: statements.length };
  if (statements.length <= MAX_HASHED_STATEMENTS) root.hashes = statements.map(statementHash);
  if (keepText) root.statements = [...statements];
  return root;
}

/** Whether a plan of this size keeps its statements in the record. */
export function keepsText(statements: readonly string[]): boolean {
  return statements.reduce((n, s) => n + s.length, 0) <= MAX_KEPT_SQL_CHARS;
}

export interface PlanDelta {
  /** Planned now, not in the reviewed plan (known in full). */
  added: string[];
  /** In the reviewed plan, not planned now; the text when the record kept it. */
  removed: string[];
  /** Removed statements whose text the record did not keep. */
  removedUnknown: number;
  /** True when per-statement hashes were recorded, so added/removed are exact. */
  exact: boolean;
}

/** What changed between the reviewed plan of a root and the plan now. */
export function planDelta(reviewed: ReviewedRoot, now: readonly string[]): PlanDelta {
  if (!reviewed.hashes) return { added: [], removed: [], removedUnknown: 0, exact: false };
  const reviewedHashes = new Set(reviewed.hashes);
  const nowHashes = new Set(now.map(statementHash));
  const added = now.filter((s) => !reviewedHashes.has(statementHash(s)));
  const removedHashes = reviewed.hashes.filter((h) => !nowHashes.has(h));
  const textByHash = new Map((reviewed.statements ?? []).map((s) => [statementHash(s), s] as const));
  const removed = removedHashes.flatMap((h) => textByHash.get(h) ?? []);
  return { added, removed, removedUnknown: removedHashes.length - removed.length, exact: true };
}

/** The record hidden in our comment. */
export interface CommentData {
  /** The plan the PR's reviewers were shown (written by pull_request runs, carried by the rest). */
  reviewed?: ReviewedPlan;
  /** The result this comment shows; the next run moves it into the history. */
  current?: HistoryEntry;
  /** Earlier results, newest first. */
  history: HistoryEntry[];
  /** Drift issues: when this drift was first seen. */
  driftSince?: string;
}

const DATA_PREFIX = '<!-- rds-atlas-action:data ';
const DATA_SUFFIX = ' -->';

/** The record as one hidden line. Base64url, so nothing in the SQL can end the HTML comment. */
export function encodeData(data: CommentData): string {
  const json = JSON.stringify({ v: 1, ...data, history: data.history.slice(0, HISTORY_LIMIT) });
  return `${DATA_PREFIX}${Buffer.from(json, 'utf8').toString('base64url')}${DATA_SUFFIX}`;
}

/**
 * The record of one of our comments, or an empty one. The body is only trusted this far
 * because the caller checked it is ours (marker at the start, our token's author); its
 * shape is still checked field by field.
 */
export function decodeData(body: string): CommentData {
  const start = body.lastIndexOf(DATA_PREFIX);
  if (start < 0) return { history: [] };
  const end = body.indexOf(DATA_SUFFIX, start + DATA_PREFIX.length);
  if (end < 0) return { history: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.slice(start + DATA_PREFIX.length, end), 'base64url').toString('utf8'));
  } catch {
    return { history: [] };
  }
  if (!isObject(parsed) || parsed['v'] !== 1) return { history: [] };
  const data: CommentData = { history: array(parsed['history']).flatMap(historyEntry).slice(0, HISTORY_LIMIT) };
  const reviewed = reviewedPlan(parsed['reviewed']);
  if (reviewed) data.reviewed = reviewed;
  const current = historyEntry(parsed['current'])[0];
  if (current) data.current = current;
  const since = str(parsed['driftSince']);
  if (since) data.driftSince = since;
  return data;
}

function reviewedPlan(value: unknown): ReviewedPlan | undefined {
  if (!isObject(value)) return undefined;
  const pr = value['pr'];
  if (typeof pr !== 'number' || !Number.isInteger(pr)) return undefined;
  const roots: ReviewedPlan['roots'] = {};
  const rawRoots = isObject(value['roots']) ? value['roots'] : {};
  for (const name of ['roles', 'schema'] as const) {
    const root = reviewedRootOf(rawRoots[name]);
    if (root) roots[name] = root;
  }
  return { pr, commit: str(value['commit']), runUrl: str(value['runUrl']), at: str(value['at']), roots };
}

function reviewedRootOf(value: unknown): ReviewedRoot | undefined {
  if (!isObject(value)) return undefined;
  const fp = value['fingerprint'];
  const count = value['count'];
  if (typeof fp !== 'string' || !/^[0-9a-f]{64}$/.test(fp) || typeof count !== 'number') return undefined;
  const root: ReviewedRoot = { fingerprint: fp, count };
  const hashes = strings(value['hashes']);
  if (hashes && hashes.every((h) => /^[0-9a-f]{16}$/.test(h))) root.hashes = hashes;
  const statements = strings(value['statements']);
  // Kept text is shown to reviewers later, so it must be what the fingerprint says it is.
  if (statements && fingerprint(statements) === fp) root.statements = statements;
  return root;
}

function historyEntry(value: unknown): HistoryEntry[] {
  if (!isObject(value)) return [];
  const mode = value['mode'];
  if (mode !== 'plan' && mode !== 'apply') return [];
  return [
    {
      at: str(value['at']),
      mode,
      headline: str(value['headline']).slice(0, 300),
      commit: str(value['commit']),
      runUrl: str(value['runUrl']),
    },
  ];
}

/** Prepends an entry and keeps the newest few. */
export function withHistory(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  return [entry, ...history].slice(0, HISTORY_LIMIT);
}
