import { thousands } from '../core/index.js';
import {
  NOT_STARTED,
  readImpactFacts,
  runChecks,
  type CheckQuery,
  type ImpactFacts,
  type OpenSession,
  type ReadOnlySession,
  type TableRequest,
} from '../database/index.js';
import { resolveIntent } from './checks.js';
import { relKey, type ImpactPlan } from './plan.js';
import { buildReport, type Outcome, type ImpactReport } from './report.js';
import type { RelRef } from './statements.js';

// The impact of one root's plan: read the facts of every table it touches (a fixed number of
// queries), resolve each intent, run the bounded checks (each in a savepoint, each counting at
// most `countCap` rows; on up to `checkSessions` sessions at once when more can be opened),
// then assemble the report.

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
  /**
   * More read-only sessions for the checks, opened while the facts are read: a check scans a
   * table, and a few scans side by side finish sooner on a database with several cores.
   */
  moreSessions?: { open: () => Promise<OpenSession>; max: number };
}

/** Kinds of intent that may need a scan (the others are answered from the facts alone). */
const SCANNING = new Set(['nulls', 'duplicates', 'orphans', 'cast']);

export const DEFAULT_SCAN_LIMIT_ROWS = 1_000_000;

/**
 * At most this many read-only sessions run a plan's checks at once (per root). Each check
 * scans at most one table (up to the scan limit) under statement_timeout; three scans side by
 * side keep a small RDS instance's cores busy without crowding out its own work.
 */
export const IMPACT_CHECK_SESSIONS = 3;

/** Reads live facts for `plan` through `session` and returns its impact rows and per-table summary. */
export async function assessImpact(session: ReadOnlySession, plan: ImpactPlan, opts: ImpactOptions = {}): Promise<ImpactReport> {
  const scanLimitRows = opts.scanLimitRows ?? DEFAULT_SCAN_LIMIT_ROWS;
  const countCap = opts.countCap ?? 10_000;
  const { tables, indexes, tableAt, indexAt } = requests(plan);
  const extra = openMore(plan, opts.moreSessions);
  try {
    const facts = await readImpactFacts(session, { tables, indexes }, { scanLimitRows, exactCountBelow: opts.exactCountBelow ?? 100_000 });
    const factOf = (r: RelRef): ImpactFacts['tables'][number] => facts.tables[tableAt.get(relKey(r)) ?? -1];
    const outcomes = await resolveAll(plan, facts, factOf, scanLimitRows, [session, ...extra], countCap);
    return buildReport(
      plan,
      facts,
      { tableOf: factOf, indexTable: (r) => facts.tables[facts.indexTables[indexAt.get(relKey(r)) ?? -1] ?? -1] },
      outcomes,
    );
  } finally {
    await Promise.all(extra.map(async (p) => (await p)?.close()));
  }
}

/** Starts opening up to max − 1 more sessions when the plan has that many checks that may scan; a failed open is left out. */
function openMore(plan: ImpactPlan, more: ImpactOptions['moreSessions']): Promise<OpenSession | undefined>[] {
  if (!more) return [];
  const scans = plan.statements.reduce((n, s) => n + s.intents.filter((i) => SCANNING.has(i.kind)).length, 0);
  const count = Math.max(0, Math.min(more.max, scans) - 1);
  return Array.from({ length: count }, () => more.open().catch(() => undefined));
}

/** Resolves every intent in plan order, runs the checks it needs side by side, and returns the outcomes in plan order. */
async function resolveAll(
  plan: ImpactPlan,
  facts: ImpactFacts,
  factOf: (r: RelRef) => ImpactFacts['tables'][number],
  scanLimitRows: number,
  sessions: (ReadOnlySession | Promise<ReadOnlySession | undefined>)[],
  countCap: number,
): Promise<Outcome[]> {
  const slots: (Outcome | { base: Omit<Outcome, 'fails' | 'unchecked'>; run: number; describe: (n: string) => string })[] = [];
  const queries: CheckQuery[] = [];
  for (const s of plan.statements) {
    for (const intent of s.intents) {
      const table = factOf(intent.table);
      const ref = intent.kind === 'orphans' ? (plan.created.has(relKey(intent.ref)) ? 'created' : factOf(intent.ref)) : undefined;
      const r = resolveIntent(intent, { table, ref, serverVersionNum: facts.serverVersionNum, scanLimitRows });
      const base = { statementIndex: s.index, table: intent.table };
      if ('run' in r) slots.push({ base, run: queries.push(r.run) - 1, describe: r.describe });
      else slots.push({ ...base, ...('fails' in r ? { fails: r.fails } : 'unchecked' in r ? { unchecked: r.unchecked } : {}) });
    }
  }
  const results = queries.length > 0 ? await runChecks(sessions, queries, countCap) : [];
  return slots.flatMap((slot): Outcome[] => {
    if (!('run' in slot)) return [slot];
    const got = results[slot.run];
    if (got === undefined || got === NOT_STARTED)
      return [{ ...slot.base, unchecked: 'not checked: the facts phase reached its time budget' }];
    if (!got.ok) return [{ ...slot.base, unchecked: `not checked: ${got.reason}` }];
    return got.count > 0 ? [{ ...slot.base, fails: slot.describe(`${thousands(got.count)}${got.capped ? '+' : ''}`) }] : [];
  });
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
