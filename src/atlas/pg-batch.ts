import type { RawStmt } from 'libpg-query';
import type { ParseBytes, ParseOutcome } from './pg-parser.js';

// Parsing a plan's statements in batches, each exactly as if parsed alone.
//
// One libpg_query call per statement costs about twice as much, cold, as one call for many
// (each call sets up memory contexts and error handling through JavaScript trampolines that
// have not been optimised yet). So statements are joined, each followed by "\n;CHECKPOINT;\n",
// and parsed in one call. The CHECKPOINT sentinels prove the join changed nothing: each must
// come back as a top-level statement at its exact byte offset, which can only happen if the
// ";" before it was a real token, i.e. if the statement before it ended outside any comment,
// string, dollar-quoted body or BEGIN ATOMIC block. Its tokens, and so its parse, are then
// those it has alone. If the batch fails to parse or a sentinel is not where it must be, the
// batch's statements are parsed one by one.

const SENTINEL = 'CHECKPOINT';
const encoder = new TextEncoder();
const ENDS_STATEMENT = encoder.encode('\n;');
const SENTINEL_STATEMENT = encoder.encode(`${SENTINEL};\n`);
/** Statements per call: large enough to amortise the call, small enough that one bad statement re-parses few. */
const BATCH = 200;

/**
 * The statements' parse outcomes, in order. A generator, so that a caller consuming them as they
 * come holds one batch of parse trees at a time: kept all at once, thousands of trees outlive the
 * young generation and make garbage collection the largest cost of a cold run.
 */
export function* parseEach(parse: ParseBytes, statements: readonly string[]): Generator<ParseOutcome> {
  for (let i = 0; i < statements.length; i += BATCH) yield* parseBatch(parse, statements.slice(i, i + BATCH));
}

function parseBatch(parse: ParseBytes, statements: readonly string[]): ParseOutcome[] {
  const texts = statements.map((s) => encoder.encode(s));
  // libpg_query reads a C string: a NUL would end the text early, so such a statement is refused alone.
  if (texts.length > 1 && !texts.some((t) => t.includes(0))) {
    const size = texts.reduce((n, t) => n + t.length + ENDS_STATEMENT.length + SENTINEL_STATEMENT.length, 0);
    const joined = new Uint8Array(size);
    const sentinels: number[] = [];
    let at = 0;
    for (const t of texts) {
      joined.set(t, at);
      joined.set(ENDS_STATEMENT, (at += t.length));
      sentinels.push((at += ENDS_STATEMENT.length));
      joined.set(SENTINEL_STATEMENT, at);
      at += SENTINEL_STATEMENT.length;
    }
    const whole = guarded(parse, joined);
    const split = whole.ok ? splitAtSentinels(whole.stmts, sentinels) : undefined;
    if (split) return split.map((stmts) => ({ ok: true, stmts }));
  }
  return texts.map((t) => (t.includes(0) ? { ok: false, message: 'it contains a NUL character' } : guarded(parse, t)));
}

/** The statements between consecutive sentinels, or undefined when a sentinel is missing or moved. */
function splitAtSentinels(stmts: RawStmt[], sentinels: readonly number[]): RawStmt[][] | undefined {
  const out: RawStmt[][] = [];
  let j = 0;
  for (const at of sentinels) {
    const own: RawStmt[] = [];
    for (;;) {
      const s = stmts[j++];
      if (s === undefined) return undefined;
      const location = s.stmt_location ?? 0;
      if (location > at) return undefined;
      if (location === at) {
        if (s.stmt_len !== SENTINEL.length || s.stmt === undefined || !('CheckPointStmt' in s.stmt)) return undefined;
        break;
      }
      own.push(s);
    }
    out.push(own);
  }
  return j === stmts.length ? out : undefined;
}

function guarded(parse: ParseBytes, utf8: Uint8Array): ParseOutcome {
  try {
    return parse(utf8);
  } catch (err) {
    return { ok: false, message: `the PostgreSQL parser failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
