import { redact } from './redact/index.js';

// The one Markdown writer for text the action did not author. GitHub renders a comment as
// GFM and then links @mentions, #references and bare URLs in the text it produced; none of
// that may happen to a file name, a branch name, a diagnostic or an error message. So:
// - prose (`text`) is escaped character by character and has its mentions, references and
//   autolinks broken with a zero-width space, so it renders as the same visible text and
//   nothing else;
// - code (`code`, `fence`) is literal by construction (GitHub never links or pings inside
//   code), with fences longer than any backtick run inside;
// - everything is redacted, and bidirectional control characters ("Trojan Source") are
//   replaced by a visible marker so a reviewer sees what will really run.
// Strings this module returns are safe Markdown; strings written by the action itself around
// them are trusted.

/** U+202A–U+202E and U+2066–U+2069 reorder text on screen; U+200E/U+200F/U+061C mark direction. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
const ZWSP = '\u200b';

/** True when `text` holds a bidirectional control character. */
export function hasBidi(text: string): boolean {
  BIDI.lastIndex = 0;
  return BIDI.test(text);
}

/** Replaces each bidirectional control character with a visible `⟪U+202E⟫`. */
export function showBidi(text: string): string {
  return text.replace(BIDI, (c) => `⟪U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟫`);
}

/** Untrusted text as one line of inert prose. */
export function text(untrusted: string): string {
  // Inline syntax (emphasis, code, links and images, strikethrough, tables, HTML, entities)
  // is escaped wherever it appears; block syntax (headings, lists, quotes) only matters where
  // the text starts, since it is always one line.
  const escaped = inertOneLine(untrusted)
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/^(\s*)([#+\-=])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2');
  return unlinked(escaped);
}

/** Untrusted text inside HTML (a `<summary>`), where Markdown is not parsed: entities only. */
export function htmlText(untrusted: string): string {
  return unlinked(inertOneLine(untrusted).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'));
}

function inertOneLine(untrusted: string): string {
  return showBidi(redact(untrusted)).replace(/\s*(?:\r\n|\r|\n|\u2028|\u2029)\s*/g, ' ');
}

/**
 * GitHub finds mentions (@user, @org/team), issue references (#12, repo#12) and autolinks
 * (https://…, www.…, emails) in the text it rendered, so escaping cannot stop them: a
 * zero-width space breaks their shape and leaves the visible text unchanged.
 */
function unlinked(s: string): string {
  return s
    .replace(/@(?=[\p{L}\p{N}_])/gu, `@${ZWSP}`)
    .replace(/#(?=\d)/g, `#${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\b(www)(\\?\.)/gi, `$1${ZWSP}$2`);
}

/** Untrusted text as an inline code span: shown literally, on one line. */
export function code(untrusted: string): string {
  const body = inertOneLine(untrusted);
  const ticks = '`'.repeat(longestBacktickRun(body) + 1);
  // A span that starts or ends with a backtick (or is all spaces) needs a space of padding.
  const pad = /^`|`$|^ +$/.test(body) || body === '' ? ' ' : '';
  return `${ticks}${pad}${body}${pad}${ticks}`;
}

/** Untrusted text as a fenced block, literal, with a fence no line inside can close. */
export function fence(untrusted: string, lang = ''): string {
  const body = showBidi(redact(untrusted.replace(/\s+$/, '')));
  return fenceTrusted(body, lang);
}

/** A fenced block around text that was already made safe (redacted, bidi shown). */
export function fenceTrusted(body: string, lang = ''): string {
  const fenceMark = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  return `${fenceMark}${lang}\n${body}\n${fenceMark}`;
}

/** A link whose label is already safe Markdown and whose URL the action built itself. */
export function link(label: string, url: string): string {
  if (!url) return label;
  const safeUrl = url.replace(/[()\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${label}](${safeUrl})`;
}

/**
 * `<details>` around safe Markdown. The summary is HTML (build foreign parts of it with
 * `htmlText`); blank lines around the body let GitHub render the Markdown inside.
 */
export function details(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/** Without spreading matches into Math.max: a 1 MiB body can hold more runs than a call takes arguments. */
export function longestBacktickRun(s: string): number {
  let longest = 0;
  for (const run of s.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}
