// The .NET string operations the runner's command parser relies on, with their .NET
// semantics where JavaScript's differ. Used by the runner-log model (runner-log.ts).

/**
 * `char.IsWhiteSpace`: Unicode White_Space, as .NET defines it. Not JavaScript's `\s`, which
 * adds U+FEFF and lacks U+0085 (so `String.prototype.trimStart` is not `TrimStart()`).
 */
export function isDotnetWhiteSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

export function trimStart(s: string): string {
  let i = 0;
  while (i < s.length && isDotnetWhiteSpace(s.charCodeAt(i))) i++;
  return s.slice(i);
}

export function trim(s: string): string {
  let end = s.length;
  while (end > 0 && isDotnetWhiteSpace(s.charCodeAt(end - 1))) end--;
  return trimStart(s.slice(0, end));
}

export const isNullOrWhiteSpace = (s: string): boolean => trim(s) === '';

/**
 * `string.Split(char[] separators, int count, RemoveEmptyEntries [| TrimEntries])`, after
 * .NET's SplitWithPostProcessing: empty entries do not count toward `count`, and when the
 * last slot is reached the empty entries before the remainder are skipped, so
 * `"a==b".Split('=', 2, RemoveEmptyEntries)` is `["a", "b"]`.
 */
export function splitRemoveEmpty(s: string, separators: string, count = Infinity, trimEntries = false): string[] {
  const seps: number[] = [];
  for (let i = 0; i < s.length; i++) if (separators.includes(s[i]!)) seps.push(i);
  const out: string[] = [];
  const entry = (from: number, to: number): string => (trimEntries ? trim(s.slice(from, to)) : s.slice(from, to));
  let curr = 0;
  if (count <= 1) {
    const only = entry(0, s.length);
    return only === '' ? [] : [only];
  }
  for (let i = 0; i < seps.length; i++) {
    const e = entry(curr, seps[i]!);
    if (e !== '') out.push(e);
    curr = seps[i]! + 1;
    if (out.length === count - 1) {
      while (++i < seps.length && entry(curr, seps[i]!) === '') curr = seps[i]! + 1;
      break;
    }
  }
  const last = entry(curr, s.length);
  if (last !== '') out.push(last);
  return out;
}

/** `StringComparison.OrdinalIgnoreCase`: per UTF-16 unit, simple upper-case mapping. */
export function equalsOrdinalIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (upper(a[i]!) !== upper(b[i]!)) return false;
  return true;
}

function upper(ch: string): string {
  const u = ch.toUpperCase();
  return u.length === 1 ? u : ch; // full mappings (ß → SS) are not simple ones
}

// Culture-sensitive search. `message.StartsWith("::")`, `message.IndexOf("::", 2)` and
// `message.IndexOf("##[")` in ActionCommand.cs use the current culture; on Linux that is ICU
// collation, which treats some characters as absent: ASCII controls other than \t–\r, DEL,
// C1 controls, soft hyphen, zero-width space/joiners, word joiner, BOM… So `:\u00ad:` is
// found as "::" (dotnet/runtime#39523, #72992, #67313 show the same for "\0" and controls).
// .NET takes an ordinal fast path only for ASCII text without such characters, which gives
// the same answer. Node's own ICU decides which characters are ignorable here.

const collator = new Intl.Collator('und');
const ignorable = new Map<number, boolean>();

export function isCollationIgnorable(c: number): boolean {
  if (c >= 0x20 && c < 0x7f) return false;
  let known = ignorable.get(c);
  if (known === undefined) {
    known = collator.compare(`a${String.fromCharCode(c)}b`, 'ab') === 0;
    ignorable.set(c, known);
  }
  return known;
}

/** Where `pattern` (ASCII, no ignorable characters) matches at `i`, skipping ignorable characters between its characters; the index after the match, or -1. */
function matchAt(s: string, pattern: string, i: number): number {
  let j = i;
  for (let k = 0; k < pattern.length; k++) {
    if (k > 0) while (j < s.length && isCollationIgnorable(s.charCodeAt(j))) j++;
    if (s[j] !== pattern[k]) return -1;
    j++;
  }
  return j;
}

/** Culture-sensitive `s.IndexOf(pattern, from)`: the index of the match's first character. */
export function cultureIndexOf(s: string, pattern: string, from = 0): number {
  for (let i = from; i < s.length; i++) if (matchAt(s, pattern, i) >= 0) return i;
  return -1;
}

/** Culture-sensitive `s.StartsWith(pattern)`: ignorable characters before the match do not count. */
export function cultureStartsWith(s: string, pattern: string): boolean {
  let i = 0;
  while (i < s.length && isCollationIgnorable(s.charCodeAt(i))) i++;
  return matchAt(s, pattern, i) >= 0;
}
