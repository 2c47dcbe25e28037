import type { Spans } from './spans.js';
import { isBlank, isSpace, quotedEnd } from './text.js';

// Values we never saw but whose name says they are secret: `password=…`, `password: …`,
// `"password":"…"` (also JSON-escaped inside a diagnostic: `\"password\":\"…\"`),
// `PGPASSWORD=…`, `DB_PASSWORD=…`, `AWS_SESSION_TOKEN=…`, `"SecretAccessKey": "…"`, Go struct
// dumps `Password:…`, and SigV4's `Signature=`/`Credential=` (header, query string or
// `\u0026X-Amz-Signature=`). The scan is linear: the keyword search resumes after each value.

/**
 * A name ends in one of these. `password`/`passwd` count however they are written; the rest
 * count when the name is longer (`DB_PWD`, `aws_session_token`, `clientSecret`), quoted as a
 * key, or assigned with `=`: a bare `token:` or `secret:` is too often prose ("unexpected
 * token: }", "failed to read secret: AccessDenied"). Terraform's `TF_TOKEN_<host>` counts too.
 */
const KEYWORD =
  /(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|signature|credential|tf_token_\w+)(?![A-Za-z0-9_])/gi;

/** Values that stand for a secret rather than being one: an HCL interpolation or a workflow expression, Terraform's `(sensitive value)`, our own `(set)`. */
const PLACEHOLDER =
  /(?:\$\{\{[^{}]{0,256}\}\}|\$\{[^{}]{0,256}\}|[(<[](?:set|unset|not set|none|empty|hidden|redacted|masked|sensitive|sensitive value)[)>\]])(?=[\s"'`\\,;&)]|$)/iy;

/** A value longer than this is masked up to here: no password is this long, and it bounds the work. */
const MAX_VALUE = 1024;

type Kind = 'password' | 'short' | 'sigv4';

function kindOf(keyword: string): Kind {
  const k = keyword.toLowerCase();
  if (k === 'password' || k === 'passwd') return 'password';
  if (k === 'signature' || k === 'credential') return 'sigv4';
  return 'short';
}

const isKeyChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2e || c === 0x2d;

export function maskKeyValues(text: string, spans: Spans): void {
  KEYWORD.lastIndex = 0;
  for (let m = KEYWORD.exec(text); m; m = KEYWORD.exec(text)) {
    const end = valueAfterKey(text, m.index, m.index + m[0].length, kindOf(m[0]), spans);
    if (end > KEYWORD.lastIndex) KEYWORD.lastIndex = end;
  }
}

/** Masks the value of the key whose keyword is text[ks, ke); returns where the scan resumes. */
function valueAfterKey(text: string, ks: number, ke: number, kind: Kind, spans: Spans): number {
  let keyStart = ks;
  while (keyStart > 0 && ks - keyStart < 64 && isKeyChar(text.charCodeAt(keyStart - 1))) keyStart--;
  const prefix = text.slice(keyStart, ks);

  // A quoted key: `"password"`, `'password'`, or escaped once or more inside a JSON string.
  let pos = ke;
  let quoted = false;
  const open = text[keyStart - 1];
  if (open === '"' || open === "'") {
    let level = 0;
    while (text[keyStart - 2 - level] === '\\') level++;
    const close = '\\'.repeat(level) + open;
    if (text.startsWith(close, ke)) {
      quoted = true;
      pos = ke + close.length;
    }
  }

  const beforeSep = pos;
  while (pos < text.length && isBlank(text.charCodeAt(pos)) && pos - beforeSep < 16) pos++;
  const sep = separatorAt(text, pos);
  if (!sep) return ke;
  const tight = pos === beforeSep && sep.kind === ':';
  pos += sep.length;
  const afterSep = pos;
  while (pos < text.length && isBlank(text.charCodeAt(pos)) && pos - afterSep < 16) pos++;

  if (kind !== 'password') {
    const bare = prefix === '' || /^u00[0-9a-f]{2}$/i.test(prefix); // after `\u0026`, still a bare name
    if (kind === 'short' && bare && !quoted && sep.kind === ':') return ke;
    // `ExpiredToken: The security token…`, `InvalidIdentityToken: Incorrect token audience`:
    // an AWS error code, not a YAML key (those are snake, kebab or lower camel case).
    const key = text.slice(keyStart, ke);
    if (kind === 'short' && !quoted && sep.kind === ':' && pos > afterSep && /^[A-Z][A-Za-z0-9]*$/.test(key) && /[a-z]/.test(key))
      return ke;
    if (kind === 'sigv4' && (!(bare || /x-amz-$/i.test(prefix)) || (sep.kind === ':' && !quoted))) return ke;
  }

  if (placeholderAt(text, pos)) return PLACEHOLDER.lastIndex;
  const value = valueAt(text, pos, quoted, tight && pos === afterSep && /[A-Z]/.test(text[keyStart] ?? ''));
  if (!value) return pos;
  const placeholder = placeholderAt(text, value[0]) && PLACEHOLDER.lastIndex === value[1];
  // A workflow's `permissions:` block: `id-token: write`.
  const permission =
    ke - keyStart === 8 && /^id-token$/i.test(text.slice(keyStart, ke)) && /^(?:read|write|none)$/.test(text.slice(value[0], value[1]));
  if (!placeholder && !permission) spans.add(value[0], value[1]);
  return value[1];
}

/** Whether a placeholder starts at pos (then PLACEHOLDER.lastIndex is its end). */
function placeholderAt(text: string, pos: number): boolean {
  if (!'$(<['.includes(text[pos] ?? ' ')) return false;
  PLACEHOLDER.lastIndex = pos;
  return PLACEHOLDER.test(text);
}

function separatorAt(text: string, pos: number): { kind: '=' | ':'; length: number } | undefined {
  const c = text[pos];
  if (c === '=') return { kind: '=', length: text[pos + 1] === '>' ? 2 : 1 };
  if (c === ':') return text[pos + 1] === '=' ? { kind: '=', length: 2 } : { kind: ':', length: 1 };
  const lower = text.slice(pos, pos + 6).toLowerCase();
  if (lower.startsWith('%3d')) return { kind: '=', length: 3 };
  if (lower === '\\u003d') return { kind: '=', length: 6 };
  return undefined;
}

/** The [start, end) of the value at pos, or undefined when there is none to mask. */
function valueAt(text: string, pos: number, quotedKey: boolean, goStruct: boolean): [number, number] | undefined {
  const limit = Math.min(text.length, pos + MAX_VALUE);
  let level = 0;
  while (text[pos + level] === '\\') level++;
  const q = text[pos + level];
  if (q === '"' || q === "'") {
    const start = pos + level + 1;
    return [start, quotedEnd(text, start, level, q, limit)];
  }
  if (level > 0) return undefined; // `\n`, `\u0026`…: an escape, not a value
  if (quotedKey) {
    // A JSON number or word: mask a number, leave null/true/false and objects alone.
    let end = pos;
    while (end < limit && /[A-Za-z0-9+/=._~-]/.test(text[end]!)) end++;
    return /^(?:null|true|false|)$/.test(text.slice(pos, end)) ? undefined : [pos, end];
  }
  const end = goStruct ? goFieldEnd(text, pos, limit) : tokenEnd(text, pos, limit);
  return end > pos ? [pos, end] : undefined;
}

/**
 * An unquoted value runs to white space, `&`, a quote (the end of an enclosing string, raw or
 * JSON-escaped), a JSON-escaped line break or `&`, or a `,`/`;` that starts the next
 * `key=`. Other punctuation stays inside: a password may hold it, and masking a closing
 * bracket too is better than leaving half a password.
 */
function tokenEnd(text: string, start: number, limit: number): number {
  for (let j = start; j < limit; j++) {
    const c = text.charCodeAt(j);
    if (isSpace(c) || c === 0x26 /* & */ || c === 0x22 /* " */ || c === 0x27 /* ' */) return j;
    if (c === 0x5c /* \ */) {
      let run = 1;
      while (text.charCodeAt(j + run) === 0x5c) run++;
      const next = text[j + run];
      if (next === '"' || next === "'") return j;
      if (run % 2 === 1 && (next === 'n' || next === 'r' || next === 't')) return j;
      if (run % 2 === 1 && next === 'u' && /^00(?:26|22|27|3c|3e)$/i.test(text.slice(j + run + 1, j + run + 5))) return j;
      j += run - 1;
      continue;
    }
    if ((c === 0x2c /* , */ || c === 0x3b) /* ; */ && /^\s*[A-Za-z_][\w.-]{0,63}\s*[=:]/.test(text.slice(j + 1, j + 80))) return j;
    if (')]}>'.includes(text[j]!) && (j + 1 >= text.length || /[\s"',;.:)\]}>]/.test(text[j + 1]!))) return j;
  }
  return limit;
}

/**
 * Go's `%+v` prints `{Host:db Password:p w Database:app}`: strings unquoted, fields separated
 * by a space. The value runs to the next ` Field:` or the end of the line, less the closing
 * braces of the struct.
 */
function goFieldEnd(text: string, start: number, limit: number): number {
  let j = start;
  for (; j < limit; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x0a || c === 0x0d) break;
    const next = text.charCodeAt(j + 1);
    if (c === 0x20 && next >= 0x41 && next <= 0x5a && /^[A-Z][A-Za-z0-9_]{0,63}:/.test(text.slice(j + 1, j + 66))) break;
  }
  while (j > start && ' })]>'.includes(text[j - 1]!)) j--;
  return j;
}
