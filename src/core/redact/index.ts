import * as core from '@actions/core';
import { maskByForm } from './by-form.js';
import { canonical, canonicalText, canonicalView } from './canonical.js';
import { literalForms } from './encodings.js';
import { Spans } from './spans.js';

// Every string that leaves the action (our log lines, the comment, the summary, outputs)
// goes through redact(). Secrets are registered once, as soon as they exist, and also
// handed to core.setSecret so the runner masks anything we did not route through here.
// The comment, the summary and outputs are never masked by the runner: this is all there is.
//
// Two layers. Registered secrets are found in any encoding and across a line wrap, by
// matching their canonical forms against the canonical view of the text (canonical.ts).
// Secrets we never see (the RDS master password Atlas fetches itself) are found by the
// shape of the text around them (by-form.ts).

/** Secrets shorter than this are not registered: masking "a" or "1" would shred every log. */
const MIN_SECRET_LENGTH = 4;

/** Literal forms already handed to the runner. */
const registered = new Set<string>();
/** Canonical forms searched for in the canonical view of a text, with how far a base64 match widens. */
const searched = new Map<string, { left: number; right: number }>();
/** Literal forms whose escapes decode to too little to search for canonically (`%41%42%43`): matched as written. */
const asWritten = new Set<string>();

/** Masks `value` in the runner log and in everything redact() passes from now on (also its encodings). */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  for (const { text, left, right } of literalForms(value)) {
    if (text.length < MIN_SECRET_LENGTH || registered.has(text)) continue;
    registered.add(text);
    core.setSecret(text);
    const c = canonical(text);
    if (c.length < MIN_SECRET_LENGTH) {
      asWritten.add(text);
      continue;
    }
    const known = searched.get(c);
    searched.set(c, { left: Math.max(left, known?.left ?? 0), right: Math.max(right, known?.right ?? 0) });
    if (!known) prefixSearch = undefined;
  }
}

/** `text` with every registered secret and every credential-shaped value replaced by ***. */
export function redact(text: string): string {
  if (!text) return text;
  return maskByForm(maskRegistered(text));
}

function maskRegistered(text: string): string {
  const spans = new Spans();
  for (const form of asWritten) for (let i = text.indexOf(form); i >= 0; i = text.indexOf(form, i + 1)) spans.add(i, i + form.length);
  if (searched.size > 0) maskCanonical(text, spans);
  return spans.apply(text);
}

// The canonical forms are found in two steps. One regular expression of their first
// PREFIX_LENGTH characters finds where a form may start; the whole form is then compared there.
// A regular expression of the whole forms found them in one step, but the forms of a session
// token or an IAM token run to thousands of characters, and V8 compiled that alternation anew
// on the first redact() after every registration: ~20 ms each (up to 110 ms) in `npm run bench`
// section 3, several times a run, twice before the first terraform init. The prefixes compile
// in well under a millisecond, and the scan is as fast.
const PREFIX_LENGTH = 12;

interface PrefixSearch {
  /** One alternation of the prefixes, longest first. */
  matcher: RegExp;
  /** Canonical forms by their prefix; a form shorter than PREFIX_LENGTH is its own prefix. */
  forms: Map<string, string[]>;
  /** The distinct prefix lengths. */
  lengths: number[];
}
/** Built on the first redact() after a registration. */
let prefixSearch: PrefixSearch | undefined;

function buildPrefixSearch(): PrefixSearch {
  const forms = new Map<string, string[]>();
  for (const form of searched.keys()) {
    const prefix = form.slice(0, PREFIX_LENGTH);
    forms.set(prefix, [...(forms.get(prefix) ?? []), form]);
  }
  const prefixes = [...forms.keys()].sort((a, b) => b.length - a.length);
  const matcher = new RegExp(prefixes.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'g');
  return { matcher, forms, lengths: [...new Set(prefixes.map((p) => p.length))] };
}

function maskCanonical(text: string, spans: Spans): void {
  prefixSearch ??= buildPrefixSearch();
  const { matcher, forms, lengths } = prefixSearch;
  matcher.lastIndex = 0;
  if (!matcher.test(canonicalText(text))) return;
  // Rare: a secret may be there. Only now build the map from canonical to original positions.
  const view = canonicalView(text);
  matcher.lastIndex = 0;
  for (let m = matcher.exec(view.text); m; m = matcher.exec(view.text)) {
    const at = m.index;
    // The alternation reports the longest prefix found here; a shorter one may start here too.
    for (const length of lengths) {
      for (const form of forms.get(view.text.slice(at, at + length)) ?? []) {
        if (!view.text.startsWith(form, at)) continue;
        const [start, end] = widened(view.text, at, at + form.length, searched.get(form));
        for (const [s, e] of view.originalRanges(start, end)) spans.add(s, e);
      }
    }
    // Resume one past the start, not at the end: a secret overlapping this match must be
    // masked too, or its tail would be left behind. Overlapping ranges merge into one mask.
    matcher.lastIndex = at + 1;
  }
}

const isBase64Char = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f;

/** A base64 core's match, widened over the characters around it that still carry some of the secret's bits. */
function widened(text: string, start: number, end: number, widen?: { left: number; right: number }): [number, number] {
  for (let i = 0; widen && i < widen.left && start > 0 && isBase64Char(text.charCodeAt(start - 1)); i++) start--;
  for (let i = 0; widen && i < widen.right && end < text.length && isBase64Char(text.charCodeAt(end)); i++) end++;
  return [start, end];
}

/**
 * Forgets registered secrets between test cases (a run registers them once and keeps them).
 * @internal Used by tests only.
 */
export function resetSecretsForTest(): void {
  registered.clear();
  searched.clear();
  asWritten.clear();
  prefixSearch = undefined;
}
