import type { Node } from 'libpg-query';
import { pgParser } from './classify.js';
import { parseEach } from './pg-batch.js';

/**
 * Each statement's parse trees (PostgreSQL 17's parser, the classifier's one instance), or
 * undefined where the parser rejected it: what the access model applies.
 */
export async function parseTrees(statements: readonly string[]): Promise<Array<Node[] | undefined>> {
  if (statements.length === 0) return [];
  const parse = await pgParser();
  const out: Array<Node[] | undefined> = [];
  for (const outcome of parseEach(parse, statements))
    out.push(outcome.ok ? outcome.stmts.flatMap(({ stmt }) => (stmt === undefined ? [] : [stmt])) : undefined);
  return out;
}
