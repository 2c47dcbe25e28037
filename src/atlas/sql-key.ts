import { parseEach } from './pg-batch.js';
import { pgParser } from './classify.js';

// What a planned statement means, as a string two runs can compare: the reviewed plan and the
// merged plan match only where these keys are equal.
//
// A statement PostgreSQL's parser accepts is keyed by its parse tree with the source positions
// taken out. The tree holds every identifier (quoted ones with their case), every constant with
// its exact text (string contents, whitespace and comments inside strings and dollar-quoted
// bodies included) and every keyword's effect; it holds no whitespace between tokens and no
// comment outside a string, so Atlas's indentation does not count and nothing that runs is lost.
// (pg_query's own fingerprint is no use here: it ignores constant values by design.)
//
// The tree is the parser's reading with standard_conforming_strings on. A server in another
// mode (SET standard_conforming_strings = off, backslash_quote) reads a backslash in a string
// differently, and only a backslash: so a statement with a backslash anywhere is keyed by its
// exact text, as is one the parser rejects. Exact text can only make two plans differ, never
// make two different plans match.

/** Source positions: they move with whitespace and say nothing about what runs. */
const POSITION_KEY = /(?:^|_)location$|^stmt_len$/;

/** One key per statement, in order. Loads the parser on first use. */
export async function statementKeys(statements: readonly string[]): Promise<string[]> {
  if (statements.length === 0) return [];
  const parse = await pgParser();
  const out: string[] = [];
  let i = 0;
  for (const outcome of parseEach(parse, statements)) {
    const text = statements[i++] ?? '';
    out.push(
      outcome.ok && !text.includes('\\')
        ? `tree:${JSON.stringify(
            outcome.stmts.map((s) => s.stmt ?? null),
            dropPositions,
          )}`
        : `text:${text}`,
    );
  }
  return out;
}

function dropPositions(key: string, value: unknown): unknown {
  return POSITION_KEY.test(key) ? undefined : value;
}
