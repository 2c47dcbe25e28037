import { loadPgParser, parseEach, type ParseBytes } from '../atlas/index.js';
import { modelStatement, type Effect, type Intent, type RelRef } from './statements.js';

// A root's planned statements → the effects and intents the lock model finds, in order,
// without what touches tables the plan itself creates earlier (nobody waits on them, they hold
// no rows). Pure apart from loading the parser.

export interface PlannedStatement {
  /** Position in the root's statements, 0-based. */
  index: number;
  /** The statement as planned (hostile text: for the report's writers only). */
  text: string;
  parsed: boolean;
  effects: Effect[];
  intents: Intent[];
}

export interface ImpactPlan {
  root: string;
  statements: PlannedStatement[];
  /** The provider applies the plan in one transaction (its default): locks are held to the end. */
  transactional: boolean;
  /** Tables the plan creates (keys of relKey). */
  created: Set<string>;
}

/** A key for "the same table written the same way" (an unqualified name is its own key). */
export const relKey = (r: RelRef): string => JSON.stringify([r.schema ?? '', r.name]);

let parser: Promise<ParseBytes> | undefined;

/** Starts loading the SQL parser now (beside Terraform), so that the first planImpact does not wait for it. */
export function warmImpactParser(): void {
  parser ??= loadPgParser();
  parser.catch(() => undefined);
}

/** Parses and models a root's statements. `transactional` defaults to the provider's default (true). */
export async function planImpact(root: string, statements: readonly string[], opts: { transactional?: boolean } = {}): Promise<ImpactPlan> {
  const parse = statements.length > 0 ? await (parser ??= loadPgParser()) : undefined;
  const created = new Set<string>();
  const out: PlannedStatement[] = [];
  let index = 0;
  for (const outcome of parse ? parseEach(parse, statements) : []) {
    const planned: PlannedStatement = { index, text: statements[index] ?? '', parsed: outcome.ok, effects: [], intents: [] };
    index++;
    out.push(planned);
    if (!outcome.ok) continue;
    for (const { stmt } of outcome.stmts) {
      if (stmt === undefined) continue;
      const model = modelStatement(stmt);
      const live = (r: RelRef): boolean => !created.has(relKey(r));
      planned.effects.push(...model.effects.filter((e) => !('table' in e.on) || live(e.on.table)));
      planned.intents.push(...model.intents.filter((i) => live(i.table)));
      if (model.creates) created.add(relKey(model.creates));
    }
  }
  return { root, statements: out, transactional: opts.transactional ?? true, created };
}
