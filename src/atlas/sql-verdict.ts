import type { RangeVar } from 'libpg-query';
import { STATEMENT_CLASSES, type StatementClass } from '../core/index.js';

// What the statement rules return, and how several findings become one.

/** One rule's finding about a statement or an ALTER TABLE subcommand. */
export interface StatementFinding {
  class: StatementClass;
  reason: string;
  /**
   * For locking and access-reducing findings, the act alone ("builds index "i" on table "t""):
   * the reason used instead when the table is created earlier in the same plan, where nobody
   * can wait on it or lose access to it yet.
   */
  action?: string;
}

/**
 * What a statement does to the session the rest of the plan runs in. `parsing`: the server may
 * now read SQL text differently from the parser (string escapes, encodings), so no later
 * statement can be trusted as parsed. `names`: unqualified names may now resolve elsewhere
 * (search_path, or the role that "$user" in it stands for).
 */
export interface SessionEffect {
  /** The change in words, for the reasons of later statements ("SET standard_conforming_strings = off"). */
  what: string;
  parsing: boolean;
  names: boolean;
}

export interface StatementVerdict {
  class: StatementClass;
  kind: string;
  reason: string;
  /** Set when running the statement changes how later statements of the plan are parsed or run. */
  session?: SessionEffect;
}

/** What the earlier statements of the plan did, as far as the rules for a later statement need to know. */
export interface EarlierStatements {
  /** True when this relation, written the same way, was created by an earlier statement of the plan. */
  isNew(rel: RangeVar | undefined): boolean;
  /** The verdict of the statement an earlier PREPARE of the plan named so; undefined for none. */
  prepared(name: string): StatementVerdict | undefined;
}

/** destructive 6 … safe 0: the order of STATEMENT_CLASSES, most severe first. */
export const SEVERITY = Object.fromEntries(STATEMENT_CLASSES.map((c, i) => [c, STATEMENT_CLASSES.length - 1 - i])) as Record<
  StatementClass,
  number
>;

/** The first of the most severe findings; undefined for none. */
export function strongest<T extends { class: StatementClass }>(findings: readonly T[]): T | undefined {
  let top: T | undefined;
  for (const f of findings) if (top === undefined || SEVERITY[f.class] > SEVERITY[top.class]) top = f;
  return top;
}

/** A locking or access-reducing finding on a table this plan creates is harmless: safe, saying why. */
export function onNewRelation(finding: StatementFinding, name: string): StatementFinding {
  if (finding.action === undefined || finding.class === 'destructive') return finding;
  return { class: 'safe', reason: `${finding.action}; harmless here: ${name} is created earlier in this plan` };
}

export function safe(kind: string, reason: string): StatementVerdict {
  return { class: 'safe', kind, reason };
}

export function destructive(kind: string, reason: string): StatementVerdict {
  return { class: 'destructive', kind, reason };
}

export function unknown(kind: string, reason: string): StatementVerdict {
  return { class: 'unknown', kind, reason };
}
