import { maskDsnPasswords, maskUrlPasswords } from './connection-strings.js';
import { maskKeyValues } from './key-values.js';
import { Spans } from './spans.js';

// Secrets we never saw, recognised by the shape of the text around them. Each rule only
// records ranges; they are applied together, so the rules neither see nor disturb each
// other's masks.

/** SQL: `CREATE ROLE … PASSWORD 'x'`, `ENCRYPTED PASSWORD 'x'`, `E'x'` strings; `''` is a quote inside. */
const SQL_PASSWORD = /(?<![A-Za-z0-9_])PASSWORD\s+E?'((?:[^'\n]|'')*)'/dgi;
/** HTTP credentials: `Authorization: Bearer …`, `Basic …`, `token …` (a SigV4 header's parts are key=value pairs). */
const AUTHORIZATION = /(?<![A-Za-z0-9_-])authorization\\*["']?\s*[:=]\s*\\*["']?\s*(?:bearer|basic|token|digest)\s+([^\s"'\\,]+)/dgi;
/**
 * AWS access key ids are not secret alone, but they name the credentials; after a percent or
 * JSON escape (`%2FASIA…`, `\u0026ASIA…`) they count as starting a word.
 */
const ACCESS_KEY_ID = /(?<=^|[^A-Z0-9]|%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4})(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/g;

export function maskByForm(text: string): string {
  const spans = new Spans();
  maskUrlPasswords(text, spans);
  maskDsnPasswords(text, spans);
  maskKeyValues(text, spans);
  for (const re of [SQL_PASSWORD, AUTHORIZATION]) {
    for (const m of text.matchAll(re)) {
      const [s, e] = m.indices![1]!;
      spans.add(s, e);
    }
  }
  for (const m of text.matchAll(ACCESS_KEY_ID)) spans.add(m.index, m.index + m[0].length);
  return spans.apply(text);
}
