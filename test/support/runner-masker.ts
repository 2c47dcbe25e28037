// A model of the runner's secret masker (src/Sdk/DTLogging/Logging/SecretMasker.cs and
// ValueEncoders.cs in actions/runner): each value added is also registered in the forms the
// runner's encoders produce; masking replaces every occurrence of every form, overlapping or
// touching occurrences merged into one "***".

export class RunnerSecretMasker {
  private readonly originals = new Set<string>();
  private readonly values = new Set<string>();

  /** `SecretMasker.AddValue`: the value and its encodings (empty encodings skipped); false if already added. */
  addValue(value: string): boolean {
    if (!value || this.originals.has(value)) return false;
    this.originals.add(value);
    for (const v of [value, ...ENCODERS.map((encode) => encode(value))]) if (v) this.values.add(v);
    return true;
  }

  /** `SecretMasker.MaskSecrets`. */
  mask(input: string): string {
    if (!input) return '';
    const ranges: [number, number][] = [];
    for (const v of this.values) {
      for (let i = input.indexOf(v); i >= 0; i = input.indexOf(v, i + 1)) ranges.push([i, i + v.length]);
    }
    if (ranges.length === 0) return input;
    ranges.sort((a, b) => a[0] - b[0]);
    let out = '';
    let copied = 0;
    let [start, end] = ranges[0]!;
    for (const [s, e] of ranges.slice(1)) {
      if (s <= end) end = Math.max(end, e);
      else {
        out += `${input.slice(copied, start)}***`;
        copied = end;
        [start, end] = [s, e];
      }
    }
    return `${out}${input.slice(copied, start)}***${input.slice(end)}`;
  }
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

const ENCODERS: ((value: string) => string)[] = [
  // Base64StringEscape, and Shift1/Shift2: base64 of the value without its first 1 or 2 bytes.
  (v) => utf8(v).toString('base64'),
  (v) => shiftedBase64(v, 1),
  (v) => shiftedBase64(v, 2),
  // CommandLineArgumentEscape
  (v) => v.replace(/"/g, '\\"'),
  // ExpressionStringEscape
  (v) => v.replace(/'/g, "''"),
  // JsonStringEscape: Newtonsoft's JsonConvert.ToString without the quotes.
  newtonsoftJsonEscape,
  // UriDataEscape: Uri.EscapeDataString (RFC 3986 unreserved characters kept).
  (v) => {
    try {
      return encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    } catch {
      return '';
    }
  },
  // XmlDataEscape: SecurityElement.Escape
  (v) => v.replace(/[<>"'&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '&': '&amp;' })[c]!),
  // TrimDoubleQuotes
  (v) => (v.length > 8 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : ''),
  // PowerShellPreAmpersandEscape / PowerShellPostAmpersandEscape
  (v) => {
    if (!v.includes('&')) return '';
    const i = v.indexOf('&+');
    const section = i >= 0 ? v.slice(0, i + 2) : v.slice(0, v.lastIndexOf('&') + 1);
    return section.length >= 6 ? section : '';
  },
  (v) => {
    if (!v.includes('&')) return '';
    const i = v.indexOf('&+');
    const section = i >= 0 ? (v.length > i + 3 ? v.slice(i + 3) : '') : v.slice(v.lastIndexOf('&') + 1);
    return section.length >= 6 ? section : '';
  },
];

function shiftedBase64(v: string, shift: number): string {
  const bytes = utf8(v);
  return (bytes.length > shift ? bytes.subarray(shift) : bytes).toString('base64');
}

function newtonsoftJsonEscape(v: string): string {
  const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f', '\b': '\\b' };
  let out = '';
  for (const ch of v) {
    const c = ch.charCodeAt(0);
    const escaped = c < 0x20 || c === 0x85 || c === 0x2028 || c === 0x2029;
    out += short[ch] ?? (escaped ? `\\u${c.toString(16).padStart(4, '0')}` : ch);
  }
  return out;
}
