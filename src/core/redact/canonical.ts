// A "canonical" view of a text for finding registered secrets whatever encoder wrote them:
// escapes decoded (percent, once or twice, either hex case; JSON and JS backslash escapes;
// basic HTML entities) and line wraps removed (a line break, JSON-escaped or real, with the
// indentation and Terraform's "│" gutter that follow it). Every canonical character maps back
// to the original characters it came from, so a match is masked in the original without
// splitting an escape and without eating the line break of a wrapped secret.
//
// Registered secrets are canonicalised with the same function, so text and secret meet in the
// same space: `%2f`, `%2F`, `%252F`, `\/` and `\u002f` all read as "/", and a token wrapped
// over two lines reads as one.

/** One event the scanner rewrites; anything between events is copied through. */
const EVENT =
  /%(?:25)?[0-9A-Fa-f]{2}|\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[!-/:-@[-`{-~])|&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});|(?:\r\n?|\n|\\r\\n|\\[nr])(?:[ \t]|\\t)*(?:│(?:[ \t]|\\t)*)?/g;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The decoded text of one event, or '' for a line wrap (removed), or undefined to copy it through. */
function decode(event: string): string | undefined {
  const c0 = event.charCodeAt(0);
  if (c0 === 0x25 /* % */) return String.fromCharCode(parseInt(event.slice(-2), 16));
  if (c0 === 0x26 /* & */) {
    const body = event.slice(1, -1);
    if (body[0] !== '#') return ENTITIES[body];
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
  }
  if (c0 === 0x5c /* \ */) {
    const kind = event[1];
    if (kind === 'u' || kind === 'x') return String.fromCharCode(parseInt(event.slice(2), 16));
    if (kind !== 'n' && kind !== 'r') return kind;
  }
  return ''; // a wrap
}

export interface CanonicalView {
  readonly text: string;
  /** The original ranges a canonical range [start, end) came from: one per line when it spans a wrap. */
  originalRanges(start: number, end: number): [number, number][];
}

/**
 * Segments, parallel arrays: canonical start, original start, canonical length, original
 * length, and whether the segment is copied text (else a decoded escape, which maps all its
 * canonical characters to the whole escape). Wraps are gaps between segments in the original.
 */
class Segments {
  readonly cStart: number[] = [];
  readonly oStart: number[] = [];
  readonly cLen: number[] = [];
  readonly oLen: number[] = [];
  readonly copied: boolean[] = [];
  push(c: number, o: number, cl: number, ol: number, copied: boolean): void {
    this.cStart.push(c);
    this.oStart.push(o);
    this.cLen.push(cl);
    this.oLen.push(ol);
    this.copied.push(copied);
  }
  /** Index of the segment holding canonical position c (binary search). */
  find(c: number): number {
    let lo = 0;
    let hi = this.cStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.cStart[mid]! <= c) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Only line wraps, when the text holds no `%`, `\\` or `&` to decode (the common case). */
const RAW_WRAP = /(?:\r\n?|\n)[ \t]*(?:│[ \t]*)?/g;
const ESCAPE_START = /[%\\&]/;

/** The canonical text alone, cheaply: most texts hold no secret, and need no map back. */
export function canonicalText(text: string): string {
  if (!ESCAPE_START.test(text)) return text.replace(RAW_WRAP, '');
  return text.replace(EVENT, (event) => decode(event) ?? event);
}

export function canonicalView(text: string): CanonicalView {
  const parts: string[] = [];
  const seg = new Segments();
  let canonLength = 0;
  let copiedTo = 0;
  const copy = (to: number): void => {
    if (to <= copiedTo) return;
    parts.push(text.slice(copiedTo, to));
    seg.push(canonLength, copiedTo, to - copiedTo, to - copiedTo, true);
    canonLength += to - copiedTo;
    copiedTo = to;
  };
  EVENT.lastIndex = 0;
  for (let m = EVENT.exec(text); m; m = EVENT.exec(text)) {
    const decoded = decode(m[0]);
    if (decoded === undefined) continue; // copied through with the text around it
    copy(m.index);
    if (decoded) {
      parts.push(decoded);
      seg.push(canonLength, m.index, decoded.length, m[0].length, false);
      canonLength += decoded.length;
    }
    copiedTo = m.index + m[0].length;
  }
  if (copiedTo === 0 && seg.cStart.length === 0) return identityView(text);
  copy(text.length);
  const canon = parts.join('');
  return {
    text: canon,
    originalRanges(start, end) {
      const out: [number, number][] = [];
      for (let i = seg.find(start); i < seg.cStart.length && seg.cStart[i]! < end; i++) {
        const c = seg.cStart[i]!;
        const copied = seg.copied[i];
        // A decoded escape is masked whole; a copied run only where the match covers it.
        const os = copied ? seg.oStart[i]! + Math.max(0, start - c) : seg.oStart[i]!;
        const oe = copied ? seg.oStart[i]! + Math.min(seg.cLen[i]!, end - c) : seg.oStart[i]! + seg.oLen[i]!;
        const last = out[out.length - 1];
        if (last && last[1] === os) last[1] = oe;
        else out.push([os, oe]);
      }
      return out;
    },
  };
}

function identityView(text: string): CanonicalView {
  return { text, originalRanges: (start, end) => [[start, end]] };
}

/** Canonical form of a registered secret (the same rewriting as the text gets). */
export function canonical(value: string): string {
  return canonicalText(value);
}
