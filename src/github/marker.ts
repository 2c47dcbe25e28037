import { code } from '../core/index.js';

// The hidden first line that names a database: its environment (when set) and its two roots.
// The PR comment and the drift issue use the same one, with a different prefix.
//
// Injective: every character outside [A-Za-z0-9./@+=,~] is percent-encoded (UTF-8, `%` itself
// included), so two different databases never share a marker. `-` and `_` are encoded too:
// the markers of versions up to 1.1.0 squeezed runs of `-` into one and wrote `_` for every
// other character, so `billing-prod` and `billing--prod` (or the directories `a b` and `a_b`)
// shared one marker. With `-` and `_` encoded, a new marker equals an old one exactly when
// the old one was unambiguous (only [A-Za-z0-9./@+=,~] in every part): those comments and
// issues are found as they are. No `-` in the marker also means no `--` inside the HTML comment.
//
// An old marker with `-` or `_` may belong to either of several databases. Such a comment or
// issue is taken over only when its own body (ours: our token wrote it) names this database
// where nothing foreign can stand: the environment in the title, the first line starting
// with `## `, and each directory that needed it in its root's heading (`### roles · `…`),
// the first such line outside code blocks. Otherwise it is left alone and a new one is
// written: a stale comment is harmless, another database's record is not.

export type MarkerKind = 'comment' | 'drift';

const PREFIX: Record<MarkerKind, string> = { comment: 'rds-atlas-action:v1', drift: 'rds-atlas-action:drift:v1' };
const PLAIN = /^[A-Za-z0-9./@+=,~]*$/;

/** One part of a marker: plain characters as they are, every other byte as %XX. */
export function encodePart(value: string): string {
  let out = '';
  for (const ch of value) {
    if (PLAIN.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The marker of a database: injective over (environment, roles directory, schema directory). */
export function databaseMarker(kind: MarkerKind, environment: string, rolesDir: string, schemaDir: string): string {
  const env = environment ? ` env=${encodePart(environment)}` : '';
  return `<!-- ${PREFIX[kind]}${env} roles=${encodePart(rolesDir)} schema=${encodePart(schemaDir)} -->`;
}

/** What versions up to 1.1.0 wrote (not injective: see above). */
function legacyMarker(kind: MarkerKind, environment: string, rolesDir: string, schemaDir: string): string {
  const safe = (s: string): string => s.replace(/[^\w./@+=,~-]/g, '_').replace(/-{2,}/g, '-');
  const env = environment ? ` env=${safe(environment)}` : '';
  return `<!-- ${PREFIX[kind]}${env} roles=${safe(rolesDir)} schema=${safe(schemaDir)} -->`;
}

interface Parsed {
  kind: MarkerKind;
  environment: string;
  rolesDir: string;
  schemaDir: string;
}

const SHAPE = /^<!-- rds-atlas-action:(drift:)?v1(?: env=([^\s]+))? roles=([^\s]*) schema=([^\s]*) -->$/;

function parse(marker: string): Parsed | undefined {
  const m = SHAPE.exec(marker);
  if (!m) return undefined;
  try {
    return {
      kind: m[1] ? 'drift' : 'comment',
      environment: decodeURIComponent(m[2] ?? ''),
      rolesDir: decodeURIComponent(m[3] ?? ''),
      schemaDir: decodeURIComponent(m[4] ?? ''),
    };
  } catch {
    return undefined;
  }
}

/**
 * Whether a body of ours (our token wrote it) belongs to the database `marker` names: it
 * starts with the marker, or with the marker an earlier version wrote for it and names this
 * database in the places described above.
 */
export function bodyBelongsTo(marker: string, body: string): boolean {
  if (body.startsWith(marker)) return true;
  const db = parse(marker);
  if (!db) return false;
  const legacy = legacyMarker(db.kind, db.environment, db.rolesDir, db.schemaDir);
  if (legacy === marker || !body.startsWith(legacy)) return false;
  const needs = (part: string): boolean => part !== '' && !PLAIN.test(part);
  const lines = body.split('\n');
  if (needs(db.environment)) {
    const title = lines.find((l) => l.startsWith('## '));
    if (!title?.includes(` · ${code(db.environment)} · `)) return false;
  }
  const headings = rootHeadings(lines);
  if (needs(db.rolesDir) && headings.get('roles') !== code(db.rolesDir)) return false;
  if (needs(db.schemaDir) && headings.get('schema') !== code(db.schemaDir)) return false;
  return true;
}

/** `### roles · <dir>` and `### schema · <dir>`: the first of each outside fenced code blocks. */
function rootHeadings(lines: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  let fence: string | undefined;
  for (const line of lines) {
    const f = /^(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && f) {
      fence = f;
      continue;
    }
    if (fence !== undefined) {
      if (line.trim().startsWith(fence[0]!.repeat(fence.length)) && /^(`+|~+)\s*$/.test(line.trim())) fence = undefined;
      continue;
    }
    const h = /^### (roles|schema) · (.*)$/.exec(line);
    if (h && !found.has(h[1]!)) found.set(h[1]!, h[2]!);
  }
  return found;
}
