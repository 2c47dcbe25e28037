import type { ImpactFacts, TableFacts } from '../database/index.js';
import { parseFormatType, typeChangeRewrites } from './column-types.js';
import { conflicts, fromPgLocksMode, stronger, type LockMode } from './lock-modes.js';
import { LOCK_TABLE, type Work } from './lock-table.js';
import { relKey, type ImpactPlan } from './plan.js';
import type { Effect, RelRef } from './statements.js';

// The impact as data: one row per statement and table (the `impact` output), and one summary
// per table for the comment's "Impact" part. Names in it are hostile text (from the plan or the
// catalog); counts and sizes come from the database; no value of any row is ever here.

/** One element of the `impact` output (JSON). */
export interface ImpactRow {
  root: string;
  /** The statement as planned. */
  statement: string;
  /** Its position in the root's statements, 0-based. */
  statementIndex: number;
  /** "schema"."name" as the server quotes it (or as the plan wrote it when not found). */
  table: string;
  rows: number | null;
  bytes: number | null;
  lock: LockMode | null;
  rewrite: boolean;
  scan: boolean;
  /** null, or why the statement will fail on today's rows, with the count. */
  fails: string | null;
  /** What could not be checked and why ("not checked: 2,000,000 rows, above the scan limit …"). */
  unchecked: string | null;
}

/** Another session the apply would queue behind. */
export interface Blocker {
  pid: number;
  mode: string;
  /** False: it is itself waiting, and still queued ahead of the apply. */
  granted: boolean;
  /** Age of its transaction, null when the login may not see it (pg_read_all_stats). */
  transactionAgeMs: number | null;
  state: string | null;
}

/** One affected table, for the comment. */
export interface TableImpact {
  table: string;
  rows: number | null;
  rowsExact: boolean;
  bytes: number | null;
  bytesEstimated: boolean;
  lock: LockMode | null;
  /** 'transaction': taken at statement `fromStatement` and held until the plan commits. */
  heldFor: 'statement' | 'transaction';
  fromStatement: number;
  rewrite: boolean;
  scan: boolean;
  blockers: Blocker[];
  fails: string[];
  unchecked: string[];
}

export interface ImpactReport {
  root: string;
  rows: ImpactRow[];
  tables: TableImpact[];
  /** Some statement is predicted to fail: the plan's headline says "will fail". */
  willFail: boolean;
  notes: string[];
}

/** A predicted failure or an unchecked intent of one statement on one table. */
export interface Outcome {
  statementIndex: number;
  table: RelRef;
  fails?: string;
  unchecked?: string;
}

export interface Lookups {
  tableOf(r: RelRef): TableFacts | undefined;
  indexTable(r: RelRef): TableFacts | undefined;
}

interface Cell {
  key: string;
  facts: TableFacts | undefined;
  name: string;
  lock: LockMode | undefined;
  work: Set<Work>;
  fails: string[];
  unchecked: string[];
}

/** Assembles the report from the plan, the facts and the check outcomes. */
export function buildReport(plan: ImpactPlan, facts: ImpactFacts, look: Lookups, outcomes: readonly Outcome[]): ImpactReport {
  const rows: ImpactRow[] = [];
  const perTable = new Map<string, { cells: Cell[]; first: number }>();
  const last = plan.statements.length - 1;
  for (const s of plan.statements) {
    const cells = new Map<string, Cell>();
    const cell = (facts: TableFacts | undefined, ref: RelRef): Cell => {
      const key = facts ? facts.quoted : relKey(ref);
      let c = cells.get(key);
      if (!c)
        cells.set(
          key,
          (c = {
            key,
            facts,
            name: facts?.quoted ?? [ref.schema, ref.name].filter((p) => p !== null).join('.'),
            lock: undefined,
            work: new Set(),
            fails: [],
            unchecked: [],
          }),
        );
      return c;
    };
    for (const e of s.effects) {
      const ref = 'table' in e.on ? e.on.table : e.on.index;
      const f = 'table' in e.on ? look.tableOf(ref) : look.indexTable(ref);
      const c = cell(f, ref);
      const rule = effectiveRule(e, f);
      c.lock = stronger(c.lock, rule.lock);
      c.work.add(rule.work);
      if ('outsideTransaction' in rule && plan.transactional) c.fails.push(`${e.form} cannot run inside the plan's transaction`);
      if (!f && 'index' in e.on) c.unchecked.push('the index was not found in the database');
    }
    for (const o of outcomes.filter((x) => x.statementIndex === s.index)) {
      const c = cell(look.tableOf(o.table), o.table);
      if (o.fails) c.fails.push(o.fails);
      if (o.unchecked) c.unchecked.push(o.unchecked);
    }
    for (const c of cells.values()) {
      rows.push(row(plan.root, s.text, s.index, c));
      const t = perTable.get(c.key) ?? { cells: [], first: s.index };
      t.cells.push(c);
      perTable.set(c.key, t);
    }
  }
  const tables = [...perTable.values()].map(({ cells, first }) => summary(cells, first, plan.transactional && first < last));
  return { root: plan.root, rows, tables, willFail: rows.some((r) => r.fails !== null), notes: facts.notes };
}

/** The table's rule, with a type change found binary coercible by the column's current type. */
function effectiveRule(e: Effect, f: TableFacts | undefined): (typeof LOCK_TABLE)[keyof typeof LOCK_TABLE] {
  const tc = e.typeChange;
  const col = tc && f?.columns.find((c) => c.name === tc.column);
  if (tc?.target && col && !typeChangeRewrites(parseFormatType(col.type), tc.target))
    return LOCK_TABLE['ALTER COLUMN TYPE (binary coercible)'];
  return LOCK_TABLE[e.form];
}

function row(root: string, statement: string, statementIndex: number, c: Cell): ImpactRow {
  return {
    root,
    statement,
    statementIndex,
    table: c.name,
    rows: c.facts?.rows ?? null,
    bytes: c.facts?.bytes ?? null,
    lock: c.lock ?? null,
    rewrite: c.work.has('rewrite'),
    scan: c.work.has('scan'),
    fails: c.fails.length > 0 ? c.fails.join('; ') : null,
    unchecked: c.unchecked.length > 0 ? c.unchecked.join('; ') : null,
  };
}

function summary(cells: readonly Cell[], first: number, wholeTransaction: boolean): TableImpact {
  const c0 = cells[0]!;
  const lock = cells.reduce<LockMode | undefined>((m, c) => stronger(m, c.lock), undefined);
  const f = c0.facts;
  const blockers = (f?.locks ?? []).filter((l) => {
    const mode = fromPgLocksMode(l.mode);
    return lock !== undefined && mode !== undefined && conflicts(mode, lock);
  });
  return {
    table: c0.name,
    rows: f?.rows ?? null,
    rowsExact: f?.rowsExact ?? false,
    bytes: f?.bytes ?? null,
    bytesEstimated: f?.bytesEstimated ?? true,
    lock: lock ?? null,
    heldFor: wholeTransaction ? 'transaction' : 'statement',
    fromStatement: first,
    rewrite: cells.some((c) => c.work.has('rewrite')),
    scan: cells.some((c) => c.work.has('scan')),
    blockers: blockers.map((l) => ({
      pid: l.pid,
      mode: fromPgLocksMode(l.mode) ?? l.mode,
      granted: l.granted,
      transactionAgeMs: l.transactionAgeMs,
      state: l.state,
    })),
    fails: cells.flatMap((c) => c.fails),
    unchecked: cells.flatMap((c) => c.unchecked),
  };
}
