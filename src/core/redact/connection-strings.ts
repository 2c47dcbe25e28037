import type { Spans } from './spans.js';
import { isSpace } from './text.js';

// Passwords inside connection strings: `scheme://user:password@host` (also with the slashes
// JSON-escaped, `postgres:\/\/u:pw@host`) and Go MySQL DSNs `user:password@tcp(host)`.
// Scanned by hand rather than by one regex: the password's end (the last `@` before the
// host) needs look-back that a regex would pay for with backtracking on hostile input.

/** The `://` after a scheme, or its JSON-escaped forms `:\/\/` and `:\u002f\u002f`. */
const SCHEME_END = /:(?:\\*\/|\\*u002[fF]){2}/g;
const isSchemeChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2b || c === 0x2e || c === 0x2d;
/** A host after the `@` that ends a password containing white space or quotes. */
const HOST = /(?:[A-Za-z0-9._~%-]+|\[[0-9A-Fa-f:.]+\])(?=[:/?#\s"'\\,;)]|$)/y;
/** How far a password holding spaces or quotes may run before its `@`. */
const MAX_SPACED_PASSWORD = 256;

export function maskUrlPasswords(text: string, spans: Spans): void {
  SCHEME_END.lastIndex = 0;
  for (let m = SCHEME_END.exec(text); m; m = SCHEME_END.exec(text)) {
    // A scheme: a letter, then letters, digits, `+`, `.` or `-` (searched from its end: a
    // regex starting with a character class would be tried at every position).
    let s = m.index;
    while (s > 0 && m.index - s < 32 && isSchemeChar(text.charCodeAt(s - 1))) s--;
    while (s < m.index && !/[A-Za-z]/.test(text[s]!)) s++;
    if (s === m.index) continue;
    const resume = urlPassword(text, m.index + m[0].length, spans);
    if (resume > SCHEME_END.lastIndex) SCHEME_END.lastIndex = resume;
  }
}

/** Masks the password of the URL whose authority starts at p; returns where the scan resumes. */
function urlPassword(text: string, p: number, spans: Spans): number {
  let u = p;
  while (u < text.length && u - p < 256 && !':/?#@"\'\\'.includes(text[u]!) && !isSpace(text.charCodeAt(u))) u++;
  if (text[u] !== ':') return u;
  const q = u + 1;
  // The usual case: the password runs to the last `@` before white space or a quote, so an
  // unencoded `@`, `/` or `:` inside it is masked too.
  let c = q;
  while (c < text.length && !isSpace(text.charCodeAt(c)) && text[c] !== '"' && text[c] !== "'") {
    if (text[c] === '\\' && /^\\+["']/.test(text.slice(c, c + 8))) break; // the end of a JSON-escaped string
    c++;
  }
  let at = c - 1;
  while (at >= q && text[at] !== '@') at--;
  if (at >= q) {
    // An HCL interpolation (`${urlescape(…password)}` in atlas.hcl) is source, not a password.
    if (!/^\$\{[^{}]*\}$/.test(text.slice(q, at))) spans.add(q, at);
    return at + 1;
  }
  // No `@` before the next space or quote: a host:port, or a password holding a space or a
  // quote (`postgres://u:p w"x@host`). Only the latter has an `@host` further on the line.
  if (/^\d{1,5}(?:[/?#\\]|$)/.test(text.slice(q, c))) return c;
  const window = text.slice(q, q + MAX_SPACED_PASSWORD).split(/[\r\n]/, 1)[0]!;
  const nextUrl = window.indexOf('://');
  for (let a = window.indexOf('@'); a > 0 && (nextUrl < 0 || a < nextUrl); a = window.indexOf('@', a + 1)) {
    HOST.lastIndex = q + a + 1;
    if (HOST.test(text)) {
      spans.add(q, q + a);
      return q + a + 1;
    }
  }
  return c;
}

/** Go MySQL DSNs: `user:password@tcp(host:3306)/db`, also unix sockets. */
const DSN_AT = /@(?:tcp[46]?|udp[46]?|unix(?:gram|packet)?)\(/g;

export function maskDsnPasswords(text: string, spans: Spans): void {
  DSN_AT.lastIndex = 0;
  for (let m = DSN_AT.exec(text); m; m = DSN_AT.exec(text)) {
    // Back to the start of the DSN. Not stopping at `/`: the driver takes the DSN's last `/` as
    // the start of the database name, so the password may hold unencoded `/` (and `@`, `:`).
    let t = m.index;
    while (t > 0 && m.index - t < 256 && !'"\'=(,;<>`'.includes(text[t - 1]!) && !isSpace(text.charCodeAt(t - 1))) t--;
    // The user name ends at the first `:`; the password runs from there to the `@`.
    const colon = text.slice(t, m.index).indexOf(':');
    if (colon >= 0) spans.add(t + colon + 1, m.index);
  }
}
