import { readImpactFacts, runCheck, type ImpactFacts, type ReadOnlySession, type TableRequest } from '../database/index.js';
import { resolveIntent } from './checks.js';
import { relKey, type ImpactPlan } from './plan.js';
import { buildReport, type Outcome, type ImpactReport } from './report.js';
import type { RelRef } from './statements.js';

// The impact of one root's plan: read the facts of every table it touches (a fixed number of
// queries), resolve each intent, run the bounded checks one by one (each in a savepoint, each
// counting at most `countCap` rows), then assemble the report.

export interface ImpactOptions {
  /**
   * Tables with more rows than this are not scanned by the failure checks ("not checked: N
   * rows"). 1,000,000 by default: a bounded check over a million narrow rows reads ~50–150 MB
   * and takes well under a second on a small RDS instance, with statement_timeout as the net.
   */
  scanLimitRows?: number;
  /** Rows are counted exactly (up to the scan limit) below this estimate or when never analysed; 100,000 by default. */
  exactCountBelow?: number;
  /** A check stops counting violations at this many ("10,000+"); 10,000 by default. */
  countCap?: number;
}

export const DEFAULT_SCAN_LIMIT_ROWS = 1_000_000;

/** Reads live facts for `plan` through `session` and returns its impact rows and per-table summary. */
export async function assessImpact(session: ReadOnlySession, plan: ImpactPlan, opts: ImpactOptions = {}): Promise<ImpactReport> {
  const scanLimitRows = opts.scanLimitRows ?? DEFAULT_SCAN_LIMIT_ROWS;
  const countCap = opts.countCap ?? 10_000;
  const { tables, indexes, tableAt, indexAt } = requests(plan);
  const facts = await readImpactFacts(session, { tables, indexes }, { scanLimitRows, exactCountBelow: opts.exactCountBelow ?? 100_000 });
  const factOf = (r: RelRef): ImpactFacts['tables'][number] => facts.tables[tableAt.get(relKey(r)) ?? -1];
  const outcomes: Outcome[] = [];
  let budgetSpent = false;
  for (const s of plan.statements) {
    for (const intent of s.intents) {
      const table = factOf(intent.table);
      const ref = intent.kind === 'orphans' ? (plan.created.has(relKey(intent.ref)) ? 'created' : factOf(intent.ref)) : undefined;
      const r = resolveIntent(intent, { table, ref, serverVersionNum: facts.serverVersionNum, scanLimitRows });
      const base = { statementIndex: s.index, table: intent.table };
      if (!('run' in r)) {
        outcomes.push({ ...base, ...('fails' in r ? { fails: r.fails } : 'unchecked' in r ? { unchecked: r.unchecked } : {}) });
        continue;
      }
      if (budgetSpent) {
        outcomes.push({ ...base, unchecked: 'not checked: the facts phase reached its time budget' });
        continue;
      }
      const got = await runCheck(session, r.run, countCap);
      if (!got.ok) {
        budgetSpent = got.reason.includes('time budget');
        outcomes.push({ ...base, unchecked: `not checked: ${got.reason}` });
      } else if (got.count > 0) {
        outcomes.push({ ...base, fails: r.describe(`${got.count.toLocaleString('en-US')}${got.capped ? '+' : ''}`) });
      }
    }
  }
  return buildReport(
    plan,
    facts,
    { tableOf: factOf, indexTable: (r) => facts.tables[facts.indexTables[indexAt.get(relKey(r)) ?? -1] ?? -1] },
    outcomes,
  );
}

/** The distinct existing tables and indexes the plan touches, for one facts read. */
function requests(plan: ImpactPlan): {
  tables: TableRequest[];
  indexes: TableRequest[];
  tableAt: Map<string, number>;
  indexAt: Map<string, number>;
} {
  const tables: TableRequest[] = [];
  const indexes: TableRequest[] = [];
  const tableAt = new Map<string, number>();
  const indexAt = new Map<string, number>();
  const add = (list: TableRequest[], at: Map<string, number>, r: RelRef): void => {
    if (!at.has(relKey(r))) at.set(relKey(r), list.push({ schema: r.schema, name: r.name }) - 1);
  };
  for (const s of plan.statements) {
    for (const e of s.effects) {
      if ('table' in e.on) add(tables, tableAt, e.on.table);
      else add(indexes, indexAt, e.on.index);
    }
    for (const i of s.intents) {
      add(tables, tableAt, i.table);
      if (i.kind === 'orphans' && !plan.created.has(relKey(i.ref))) add(tables, tableAt, i.ref);
    }
  }
  return { tables, indexes, tableAt, indexAt };
}
