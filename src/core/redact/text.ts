// Character tests and the quoted-string scanner shared by the form rules.

/** Space or tab: what may sit around a separator on one line. */
export const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;

/** Ends an unquoted value: ASCII controls and space, and Unicode white space. */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return true;
  if (c < 0x85) return false;
  return (
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

/**
 * End of a quoted string whose contents start at `start`, quoted by `q` preceded by `level`
 * backslashes (0 for `"…"`, 1 for `\"…\"` inside a JSON string, 3 one level deeper). A
 * backslash run before a quote closes the string when, read at this level, the quote is not
 * escaped; a run shorter than the level belongs to an enclosing string, which ends this one
 * too. An unterminated string ends at the line end or `limit`.
 */
export function quotedEnd(text: string, start: number, level: number, q: string, limit: number): number {
  const period = 2 * (level + 1);
  for (let j = start; j < limit; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x0a || c === 0x0d) return j;
    if (c === 0x5c) {
      let run = 1;
      while (text.charCodeAt(j + run) === 0x5c) run++;
      if (text[j + run] === q) {
        if (run < level) return j;
        if ((run - level) % period === 0) return j + run - level; // escaped backslashes before the closing quote are contents
      }
      j += run; // the run and the character it escapes
      continue;
    }
    if (text[j] === q) return j;
  }
  return limit;
}
