import { createsRole } from '../atlas/index.js';
import type { AwsSession } from '../aws/index.js';
import { errorMessage, log, type Inputs, type RootName } from '../core/index.js';
import { SessionBudgetExceeded } from '../database/index.js';
import { assessImpact, planImpact } from '../impact/index.js';
import type { PredictedFailure } from '../review/index.js';
import type { OpenFacts } from './facts-session.js';
import type { RootImpact, RootResult } from './types.js';

// The impact facts phase (issue 21): what a root's SQL does to the data, read from the live
// database through the preflight's IAM login, in its own READ ONLY session per root. In plan
// runs it starts the moment a root's SQL is known and runs beside the other root's plan; the
// run waits for it only at the end, at most `facts-timeout`. On merge it re-checks a root
// right before its apply. It never fails a run: whatever goes wrong becomes a note.

/** What the roots call: plan mode starts a root's facts, apply mode re-checks before applying. */
export interface ImpactHook {
  /** Plan mode: `root` planned these statements; its facts are read beside the rest of the run. */
  planned(root: RootName, statements: readonly string[]): void;
  /** Apply mode: the facts of `root`'s plan now, read before its apply. */
  recheck(root: RootName, statements: readonly string[]): Promise<RootImpact>;
  /** Plan mode: waits for the facts started so far; returns the roots' results with them. */
  collect(roots: readonly RootResult[]): Promise<RootResult[]>;
}

export interface ImpactPhaseOptions {
  inputs: Inputs;
  session: AwsSession;
  /** The read-only session of the live facts (run/deps.ts). */
  openFacts: OpenFacts;
}

/** lock_timeout of the facts session: a catalog read never queues long behind a lock. */
const FACTS_LOCK_TIMEOUT_MS = 1_000;

/** The phase for one run; without db-endpoint every root says why its impact was not read. */
export function impactPhase(opts: ImpactPhaseOptions): ImpactHook {
  const pending = new Map<RootName, Promise<RootImpact>>();
  /** How long each root's read took, for the log (the figure the run's time is judged by). */
  const tookMs = new Map<RootName, number>();
  let bootstrap = false;
  return {
    planned(root, statements) {
      if (root === 'roles' && createsRole([...statements], opts.inputs.dbUser)) bootstrap = true;
      const t0 = Date.now();
      // readImpact never rejects: whatever goes wrong is the root's note.
      pending.set(
        root,
        readImpact(root, statements, opts).finally(() => tookMs.set(root, Date.now() - t0)),
      );
    },
    recheck: (root, statements) => readImpact(root, statements, opts),
    async collect(roots) {
      const waitFrom = Date.now();
      const collected: RootResult[] = [];
      for (const result of roots) {
        const p = pending.get(result.root);
        if (!p) collected.push(result);
        else collected.push({ ...result, impact: bootstrap ? bootstrapSkip(opts.inputs.dbUser) : await p });
      }
      const took = [...tookMs].map(([root, ms]) => `${root} ${ms} ms`).join(', ');
      if (pending.size > 0) log.info(`Impact facts read (${took}), beside the plans; the run waited ${Date.now() - waitFrom} ms for them.`);
      return collected;
    },
  };
}

function bootstrapSkip(dbUser: string): RootImpact {
  return { skipped: `not read: "${dbUser}" is created by the roles root of this change (first bootstrap), so it cannot log in yet.` };
}

/** A root's impact; never throws. No session is opened when the SQL touches no existing table. */
async function readImpact(root: RootName, statements: readonly string[], opts: ImpactPhaseOptions): Promise<RootImpact> {
  const { inputs } = opts;
  if (!inputs.dbEndpoint) return { skipped: 'not read: the db-endpoint input is empty.' };
  try {
    const plan = await planImpact(root, [...statements]);
    if (!plan.statements.some((s) => s.effects.length > 0 || s.intents.length > 0)) return {};
    const budgetMs = inputs.factsTimeoutMs;
    const login = {
      endpoint: inputs.dbEndpoint,
      database: inputs.dbName,
      user: inputs.dbUser,
      region: inputs.awsRegion,
      session: opts.session,
      connectTimeoutMs: budgetMs,
    };
    const session = await opts.openFacts(login, {
      budgetMs,
      lockTimeoutMs: Math.min(FACTS_LOCK_TIMEOUT_MS, budgetMs),
      statementTimeoutMs: budgetMs,
    });
    try {
      return { report: await assessImpact(session, plan, { scanLimitRows: inputs.impactScanLimit }) };
    } finally {
      await session.close();
    }
  } catch (err) {
    if (err instanceof SessionBudgetExceeded)
      return { skipped: `not read: the facts phase reached its time budget (facts-timeout, ${inputs.factsTimeoutMs} ms).` };
    return { skipped: `not read: ${errorMessage(err)}` };
  }
}

/** The re-check's predicted failures, as the gate takes them. */
export function predictedFailures(impact: RootImpact | undefined): PredictedFailure[] {
  return (impact?.report?.rows ?? []).flatMap((r) =>
    r.fails === null ? [] : [{ statement: r.statement, table: r.table, fails: r.fails }],
  );
}
