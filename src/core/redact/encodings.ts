// The literal forms a registered secret takes when some encoder between it and our output
// rewrote it. Each form is handed to the runner's masker (core.setSecret), which only
// matches literal text; our own redactor also canonicalises text (see canonical.ts), so it
// catches mixtures these literal forms do not list (e.g. half upper-, half lower-case hex).

/**
 * Base64 runs shorter than this are not registered. Base64 of a secret is only stable from
 * the first whole 3-byte group, so each alignment yields a shorter "core"; 12 characters
 * carry 72 bits, which no ordinary text reproduces by chance (a 1 MiB log holds about 2^20
 * windows: a chance match is ~2^-52). Secrets of 11 bytes or more yield a core at all three
 * alignments.
 */
export const MIN_BASE64_CORE = 12;

/** A literal form; a base64 core also says how many characters around it still carry bits of the secret. */
export interface Form {
  text: string;
  /** Base64 characters before the core that mix the secret's first bytes with the payload's. */
  left: number;
  /** Base64 characters after it that mix its last byte with what follows. */
  right: number;
}

export function literalForms(value: string): Form[] {
  const plain = [value, ...percentForms(value), ...jsonForms(value)].map((text) => ({ text, left: 0, right: 0 }));
  return [...plain, ...base64Cores(value)];
}

/** encodeURIComponent, RFC 3986 (Go, .NET: also `!'()*`), Go's QueryEscape (space as `+`); either hex case; twice. */
function percentForms(value: string): string[] {
  let js: string;
  try {
    js = encodeURIComponent(value);
  } catch {
    return []; // a lone surrogate cannot be encoded, so no encoder printed it encoded either
  }
  const rfc = js.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = rfc.replace(/%20/g, '+');
  const once = [js, rfc, query];
  const twice = once.map((f) => f.replace(/%/g, '%25'));
  const lower = (f: string): string => f.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  return [...once, ...twice].flatMap((f) => [f, lower(f)]);
}

/** Inside a JSON string: JS/.NET style, with `\/` or `\u002f` for "/", Go's HTML-safe `\u003c\u003e\u0026`, Gson's (also `=` and `'`); and twice. */
function jsonForms(value: string): string[] {
  const js = JSON.stringify(value).slice(1, -1);
  const unicode = (chars: RegExp) => (f: string) => f.replace(chars, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const go = unicode(/[<>&\u2028\u2029]/g)(js);
  const gson = unicode(/[<>&='\u2028\u2029]/g)(js);
  const once = [js, go, gson, js.replace(/\//g, '\\/'), unicode(/\//g)(js)];
  // A JSON document quoted inside another (an HCL diagnostic in `terraform -json`): escaped twice.
  const twice = [js, go].map((f) => JSON.stringify(f).slice(1, -1));
  return [...once, ...twice];
}

/**
 * The stable part of the base64 of the secret at each alignment (standard and URL-safe
 * alphabets): inside a larger payload the secret's first byte may fall at any of the three
 * positions of a 3-byte group; skipping 0, 1 or 2 of its bytes puts the rest on a group
 * boundary, and the characters are fixed up to the last one whose 6 bits all come from the
 * secret.
 */
function base64Cores(value: string): Form[] {
  const bytes = Buffer.from(value, 'utf8');
  const cores: Form[] = [];
  for (const skip of [0, 1, 2]) {
    const n = bytes.length - skip;
    const stable = 4 * Math.floor(n / 3) + (n % 3);
    if (stable < MIN_BASE64_CORE) continue;
    const core = bytes.subarray(skip).toString('base64').slice(0, stable);
    // Skipped bytes sit at the end of the group before: 1 byte in its last 2 characters, 2 in its last 3.
    const left = [0, 2, 3][skip]!;
    const right = n % 3 === 0 ? 0 : 1;
    cores.push({ text: core, left, right }, { text: core.replace(/\+/g, '-').replace(/\//g, '_'), left, right });
  }
  return cores;
}
