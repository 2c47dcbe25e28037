import { redact } from '../core/index.js';
import type { Report } from '../roots/index.js';
import {
  type Limits,
  type RenderOptions,
  type Target,
  NO_LIMITS,
  renderDocument,
  sqlBlockSizes,
  detailSizes,
  renderMinimal,
} from './render.js';

// Fits the one Markdown body behind the PR comment and the job summary into GitHub's size
// limits. Pure: no I/O, no @actions/core. The body is redacted once more on the way out so a
// slip upstream still cannot leak a registered secret.

export interface FitOptions extends RenderOptions {
  /** Hard ceiling for the body, measured as UTF-8 bytes (see measure()). */
  maxLength: number;
}

/**
 * Size of a body as counted against GitHub's limits. We count UTF-8 bytes: that is exactly
 * the job-summary limit, and for comments (limited in characters) it is never smaller than
 * the character count in any unit GitHub could use (UTF-16 code units, code points), so a
 * body that passes here passes there. The price is that non-ASCII-heavy SQL gets shortened
 * a little earlier than strictly necessary.
 */
export function measure(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The sticky PR comment: shortened to fit maxLength, pointing at the job summary for the rest. */
export function renderComment(report: Report, opts: FitOptions): string {
  return fit(report, opts, 'comment');
}

/** The job summary: same content; only shortened when it would pass 1 MiB. */
export function renderSummary(report: Report, opts: FitOptions): string {
  return fit(report, opts, 'summary');
}

/**
 * Render whole if it fits. Otherwise shorten SQL blocks with one shared per-block cap
 * (blocks under the cap stay whole, so the largest blocks lose statements first), finding
 * the largest cap that fits by binary search. Only if SQL alone cannot make room are error
 * and warning details capped too. Every candidate is rendered and measured in full, after
 * redaction, so the result is correct even where the size is not perfectly monotonic.
 */
function fit(report: Report, opts: FitOptions, target: Target): string {
  const fits = (body: string): boolean => measure(body) <= opts.maxLength;
  const render = (limits: Limits): string => redact(renderDocument(report, opts, target, limits));

  const whole = render(NO_LIMITS);
  if (fits(whole)) return whole;

  const largestSql = Math.max(0, ...sqlBlockSizes(report));
  for (const detailCap of detailCaps(report, opts.maxLength)) {
    let best = render({ sqlCap: 0, detailCap, shortened: true });
    if (!fits(best)) continue;
    let lo = 0;
    let hi = largestSql;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const candidate = render({ sqlCap: mid, detailCap, shortened: true });
      if (fits(candidate)) {
        lo = mid;
        best = candidate;
      } else {
        hi = mid - 1;
      }
    }
    return best;
  }
  return lastResort(redact(renderMinimal(report, opts, target)), opts.maxLength);
}

/** Keep details whole first, then give them a quarter of the budget between them, then none. */
function detailCaps(report: Report, maxLength: number): number[] {
  const sizes = detailSizes(report);
  return [Infinity, waterLevel(sizes, Math.floor(maxLength / 4)), 0];
}

/** Largest cap c with sum(min(size, c)) <= budget: small items stay whole, large ones share. */
export function waterLevel(sizes: number[], budget: number): number {
  const sorted = [...sizes].sort((a, b) => a - b);
  let remaining = budget;
  for (let i = 0; i < sorted.length; i++) {
    const size = sorted[i] ?? 0;
    const left = sorted.length - i;
    if (size * left > remaining) return Math.floor(remaining / left);
    remaining -= size;
  }
  return Infinity;
}

/** Only reached when even the minimal body is too big (an absurd marker or limit). */
function lastResort(body: string, maxLength: number): string {
  let out = body;
  while (out.length > 0 && measure(out) > maxLength) {
    out = out.slice(0, Math.max(0, out.length - Math.max(1, measure(out) - maxLength)));
    // never leave half a surrogate pair behind
    if (/[\uD800-\uDBFF]$/.test(out)) out = out.slice(0, -1);
  }
  return out;
}
