import type { Node, RangeVar } from 'libpg-query';
import { relationKey } from './sql-names.js';
import { statementVerdict } from './sql-rules.js';
import { SEVERITY, type EarlierStatements, type StatementVerdict } from './sql-verdict.js';

// What the statements of one plan tell about the ones after them, in order: the tables they
// create (locks and access changes on those hurt nobody yet), the statements they PREPARE
// (an EXECUTE runs them), and settings that change how the server parses or runs what follows.

/** How a later statement reads once the server may parse it differently from the parser. */
const UNTRUSTED = 'cannot be trusted as parsed';

export class PlanState {
  /** Relation keys of tables this plan created → their unqualified name. */
  private readonly created = new Map<string, string>();
  private readonly preparedVerdicts = new Map<string, StatementVerdict>();
  /** Set once a statement made the server's reading of later SQL differ from the parser's: which, and where. */
  private untrusted: string | undefined;
  /** 1-based position of the plan's text (one planned statement, as the comment numbers them) being classified. */
  private position = 0;

  private readonly ctx: EarlierStatements = {
    isNew: (rel) => {
      const key = relationKey(rel);
      return key !== undefined && this.created.has(key);
    },
    prepared: (name) => this.preparedVerdicts.get(name),
  };

  /** The verdict of the plan's next statement (in order), and what it changes for the ones after it. */
  next(stmt: Node, rules: (stmt: Node, ctx: EarlierStatements) => StatementVerdict = statementVerdict): StatementVerdict {
    const ruled = rules(stmt, this.ctx);
    const verdict = this.untrusted === undefined ? ruled : distrusted(ruled, this.untrusted);
    this.after(stmt, verdict, rules);
    return verdict;
  }

  /** Called before each planned text: later reasons name the statement that changed the session by this number. */
  nextText(): void {
    this.position++;
  }

  private after(stmt: Node, verdict: StatementVerdict, rules: (stmt: Node, ctx: EarlierStatements) => StatementVerdict): void {
    const created = createdRelation(stmt);
    const key = relationKey(created);
    if (key !== undefined && created?.relname !== undefined) this.created.set(key, created.relname);
    const renamed = renamedRelation(stmt);
    // A renamed or moved table frees its name for another: forget every table of that name.
    if (renamed !== undefined) for (const [k, name] of this.created) if (name === renamed) this.created.delete(k);
    if ('PrepareStmt' in stmt) {
      // EXECUTE runs what was prepared, not the PREPARE: keep the carried statement's verdict.
      const query = stmt.PrepareStmt.query;
      this.preparedVerdicts.set(stmt.PrepareStmt.name ?? '', query === undefined ? verdict : rules(query, this.ctx));
    }
    if ('DeallocateStmt' in stmt) {
      if (stmt.DeallocateStmt.isall) this.preparedVerdicts.clear();
      else this.preparedVerdicts.delete(stmt.DeallocateStmt.name ?? '');
    }
    const effect = verdict.session;
    if (effect?.names) {
      // Unqualified names may now mean tables in other schemas than the ones created.
      for (const k of this.created.keys()) if ((JSON.parse(k) as string[])[1] === '') this.created.delete(k);
    }
    if (effect?.parsing && this.untrusted === undefined) this.untrusted = `statement ${this.position} (${effect.what})`;
  }
}

/**
 * After a statement that makes the server read SQL text differently (standard_conforming_strings
 * off, another client encoding), what the parser saw may not be what runs: a string literal the
 * parser closed may swallow the next statement, or the reverse. No such statement counts as less
 * than unknown, and its reason says why.
 */
function distrusted(v: StatementVerdict, by: string): StatementVerdict {
  const note = `${UNTRUSTED}: it runs after ${by}, which makes the server read SQL text differently from the parser; parsed, it ${v.reason}`;
  if (SEVERITY[v.class] >= SEVERITY.unknown) return { ...v, reason: note };
  return { ...v, class: 'unknown', reason: note };
}

/**
 * The table a statement creates for sure. CREATE TABLE IF NOT EXISTS (and CREATE TABLE AS …
 * IF NOT EXISTS) does not count: the table may already exist, with rows and readers.
 */
function createdRelation(stmt: Node): RangeVar | undefined {
  if ('CreateStmt' in stmt) return stmt.CreateStmt.if_not_exists ? undefined : stmt.CreateStmt.relation;
  if ('CreateTableAsStmt' in stmt) return stmt.CreateTableAsStmt.if_not_exists ? undefined : stmt.CreateTableAsStmt.into?.rel;
  return undefined;
}

/** The old name of a relation that ALTER … RENAME TO or SET SCHEMA moves away. */
function renamedRelation(stmt: Node): string | undefined {
  if ('RenameStmt' in stmt) return stmt.RenameStmt.relation?.relname;
  if ('AlterObjectSchemaStmt' in stmt) return stmt.AlterObjectSchemaStmt.relation?.relname;
  return undefined;
}
