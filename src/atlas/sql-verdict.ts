import type { RangeVar } from 'libpg-query';
import type { StatementClass } from '../core/index.js';

// What the statement rules return, and how several findings become one.

/** One rule's finding about a statement or an ALTER TABLE subcommand. */
export interface Finding {
  class: StatementClass;
  reason: string;
  /**
   * For locking and access-reducing findings, the act alone ("builds index "i" on table "t""):
   * the reason used instead when the table is created earlier in the same plan, where nobody
   * can wait on it or lose access to it yet.
   */
  action?: string;
}

export interface Verdict {
  class: StatementClass;
  kind: string;
  reason: string;
}

export interface Context {
  /** True when this relation, written the same way, was created by an earlier statement of the plan. */
  isNew(rel: RangeVar | undefined): boolean;
}

export const SEVERITY: Record<StatementClass, number> = { safe: 0, locking: 1, 'access-reducing': 2, destructive: 3 };

/** The first of the most severe findings; undefined for none. */
export function strongest<T extends { class: StatementClass }>(findings: readonly T[]): T | undefined {
  let top: T | undefined;
  for (const f of findings) if (top === undefined || SEVERITY[f.class] > SEVERITY[top.class]) top = f;
  return top;
}

/** A locking or access-reducing finding on a table this plan creates is harmless: safe, saying why. */
export function onNewRelation(finding: Finding, name: string): Finding {
  if (finding.action === undefined || finding.class === 'destructive') return finding;
  return { class: 'safe', reason: `${finding.action}; harmless here: ${name} is created earlier in this plan` };
}

export function safe(kind: string, reason: string): Verdict {
  return { class: 'safe', kind, reason };
}

export function destructive(kind: string, reason: string): Verdict {
  return { class: 'destructive', kind, reason };
}
