import { createHash } from 'node:crypto';
import { statementKeys } from '../atlas/index.js';
import { array, isObject, str, strings, type HistoryEntry, type ReviewedPlan, type ReviewedRoot } from '../core/index.js';

// What reviewers saw, in a form a later run can compare with.
// A statement's meaning is its key (atlas/sql-key.ts: the parse tree without source positions,
// or the exact text); a root's plan is fingerprinted over its statements' key hashes, in order.
// Per-statement hashes let a merge say which statements were added or removed since review; the
// statements themselves are kept while they are small, so the apply comment can still show the
// reviewed plan.

/** Plans with more statements than this record counts and a fingerprint only. */
const MAX_HASHED_STATEMENTS = 1_000;
/** Reviewed SQL is kept in the comment's record up to this many characters per plan. */
const MAX_KEPT_SQL_CHARS = 12_000;
const HISTORY_LIMIT = 10;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A plan's fingerprint and one short hash per statement. */
export interface PlanPrint {
  fingerprint: string;
  hashes: string[];
}

/** Fingerprints a plan by what its statements mean to PostgreSQL. Loads the parser on first use. */
export async function planPrint(statements: readonly string[]): Promise<PlanPrint> {
  const full = (await statementKeys(statements)).map(sha256);
  // Each hash is 64 hex digits, so the joined list has one reading.
  return { fingerprint: sha256(full.join('\n')), hashes: full.map((h) => h.slice(0, 16)) };
}

/** The reviewed form of one root's plan. */
export async function reviewedRoot(statements: readonly string[], keepText: boolean): Promise<ReviewedRoot> {
  const print = await planPrint(statements);
  const root: ReviewedRoot = { fingerprint: print.fingerprint, count: statements.length };
  if (statements.length <= MAX_HASHED_STATEMENTS) root.hashes = print.hashes;
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

/**
 * What changed between the reviewed plan of a root and the plan now (`now` with its print).
 * The kept statements are matched to hashes by position: the record keeps both in plan order.
 */
export function planDelta(reviewed: ReviewedRoot, now: readonly string[], nowPrint: PlanPrint): PlanDelta {
  if (!reviewed.hashes) return { added: [], removed: [], removedUnknown: 0, exact: false };
  const reviewedHashes = new Set(reviewed.hashes);
  const nowHashes = new Set(nowPrint.hashes);
  const added = now.filter((_, i) => !reviewedHashes.has(nowPrint.hashes[i] ?? ''));
  const kept = reviewed.statements?.length === reviewed.hashes.length ? reviewed.statements : undefined;
  const removed: string[] = [];
  let removedUnknown = 0;
  reviewed.hashes.forEach((h, i) => {
    if (nowHashes.has(h)) return;
    const statement = kept?.[i];
    if (statement === undefined) removedUnknown++;
    else removed.push(statement);
  });
  return { added, removed, removedUnknown, exact: true };
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
  /**
   * Why a merge found no trusted record of the reviewed plan: carried by later apply runs until
   * a plan run records one, so re-running the merge holds again instead of finding "no review".
   */
  recordLost?: string;
}

const DATA_PREFIX = '<!-- rds-atlas-action:data ';
const DATA_SUFFIX = ' -->';
/**
 * The record's format. 2: read only from the line right under the marker, fingerprints from the
 * parse tree. 1 (up to 1.x of this file): fingerprints from whitespace-squeezed text, which a
 * merge cannot compare with; its history and drift dates are still read.
 */
export const RECORD_VERSION = 2;
/** The record line after its prefix: base64url, then the suffix and the end of the line. */
const RECORD_LINE = /^([A-Za-z0-9_-]*) -->(?:\n|$)/;

/**
 * The record as one hidden line, written right under the marker (render.ts). Base64url, so
 * nothing in it can end the HTML comment or the line.
 */
export function encodeData(data: CommentData): string {
  const json = JSON.stringify({ v: RECORD_VERSION, ...data, history: data.history.slice(0, HISTORY_LIMIT) });
  return `${DATA_PREFIX}${Buffer.from(json, 'utf8').toString('base64url')}${DATA_SUFFIX}`;
}

/** What the record position of one of our bodies holds. */
export type RecordRead =
  | { kind: 'current'; data: CommentData }
  /** A record of an older format: history kept, its reviewed plan not comparable. */
  | { kind: 'old'; version: number; data: CommentData }
  /** No record line under the marker. */
  | { kind: 'none' }
  /** A record line that does not decode to a record. */
  | { kind: 'unreadable' };

/**
 * Reads the record of one of our bodies (the caller checked the marker and the author). It is
 * read from exactly one place: the second line, right after the marker line, which we write
 * before anything foreign (render.ts header). The marker is ours and holds no line break
 * (comments.ts/issues.ts sanitise every part), so the position cannot be moved by foreign text;
 * a record-looking line anywhere else (in the SQL, a diagnostic, a name) is never looked at.
 */
export function readRecord(body: string, marker: string): RecordRead {
  const head = `${marker}\n${DATA_PREFIX}`;
  if (marker.includes('\n') || !body.startsWith(head)) return { kind: 'none' };
  const line = RECORD_LINE.exec(body.slice(head.length));
  if (!line) return { kind: 'unreadable' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(line[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return { kind: 'unreadable' };
  }
  if (!isObject(parsed) || typeof parsed['v'] !== 'number') return { kind: 'unreadable' };
  const version = parsed['v'];
  if (version > RECORD_VERSION || version < 1) return { kind: 'unreadable' };
  const data: CommentData = { history: array(parsed['history']).flatMap(historyEntry).slice(0, HISTORY_LIMIT) };
  const current = historyEntry(parsed['current'])[0];
  if (current) data.current = current;
  const since = str(parsed['driftSince']);
  if (since) data.driftSince = since;
  if (version < RECORD_VERSION) return { kind: 'old', version, data };
  const recordLost = str(parsed['recordLost']).slice(0, 500);
  if (recordLost) data.recordLost = recordLost;
  const reviewed = reviewedPlan(parsed['reviewed']);
  if (reviewed) data.reviewed = reviewed;
  return { kind: 'current', data };
}

/** The record's data for carrying forward (history, drift dates, the reviewed plan), or an empty one. */
export function decodeData(body: string, marker: string): CommentData {
  const read = readRecord(body, marker);
  return read.kind === 'current' || read.kind === 'old' ? read.data : { history: [] };
}

/**
 * The reviewed plan with kept statements dropped where they are not what the fingerprint says:
 * kept text is shown to reviewers later.
 */
export async function checkedPlan(plan: ReviewedPlan): Promise<ReviewedPlan> {
  const roots: ReviewedPlan['roots'] = {};
  for (const name of ['roles', 'schema'] as const) {
    const root = plan.roots[name];
    if (!root) continue;
    const { statements, ...rest } = root;
    const same = statements && (await planPrint(statements)).fingerprint === root.fingerprint;
    roots[name] = same ? { ...rest, statements } : rest;
  }
  return { ...plan, roots };
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
  // Checked against the fingerprint by checkedPlan before it is shown as the reviewed plan.
  if (statements) root.statements = statements;
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
