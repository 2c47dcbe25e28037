import { createsRole } from '../atlas/index.js';
import { rdsIamClientConfig, type AwsSession } from '../aws/index.js';
import { errorMessage, log, type Inputs, type RootName } from '../core/index.js';
import {
  connectIdle,
  openReadOnlySession,
  SessionBudgetExceeded,
  type IdleConnection,
  type OpenSession,
  type SessionOptions,
} from '../database/index.js';
import { assessImpact, IMPACT_CHECK_SESSIONS, planImpact, warmImpactParser } from '../impact/index.js';
import type { PredictedFailure } from '../review/index.js';
import type { RootImpact, RootResult } from './types.js';

// The impact facts phase (issue 21): what a root's SQL does to the data, read from the live
// database through the preflight's IAM login, in its own READ ONLY session per root. In plan
// runs the SQL parser loads and one connection is made (no transaction yet) while Terraform
// plans; the phase starts the moment a root's SQL is known and runs beside the other root's
// plan; its checks run on up to IMPACT_CHECK_SESSIONS sessions at once; the run waits for it
// only at the end, at most `facts-timeout`. On merge it re-checks a root right before its
// apply. It never fails a run: whatever goes wrong becomes a note.

/** What the roots call: plan mode starts a root's facts, apply mode re-checks before applying. */
export interface ImpactHook {
  /** Plan mode: `root` planned these statements; its facts are read beside the rest of the run. */
  planned(root: RootName, statements: readonly string[]): void;
  /** Apply mode: the facts of `root`'s plan now, read before its apply. */
  recheck(root: RootName, statements: readonly string[]): Promise<RootImpact>;
  /** Plan mode: waits for the facts started so far and puts them on the roots' results. */
  attach(roots: RootResult[]): Promise<void>;
}

export interface ImpactPhaseOptions {
  inputs: Inputs;
  session: AwsSession;
  /** Plan runs connect ahead of time (attach() closes what was not used). */
  mode?: 'plan' | 'apply';
}

/** lock_timeout of the facts session: a catalog read never queues long behind a lock. */
const FACTS_LOCK_TIMEOUT_MS = 1_000;

/** The phase for one run; without db-endpoint every root says why its impact was not read. */
export function impactPhase(opts: ImpactPhaseOptions): ImpactHook {
  const pending = new Map<RootName, Promise<RootImpact>>();
  /** How long each root's read took, for the log (the figure the run's time is judged by). */
  const tookMs = new Map<RootName, number>();
  let bootstrap = false;
  const early = opts.mode === 'plan' && opts.inputs.dbEndpoint ? startEarly(opts) : undefined;
  const take = (): Promise<IdleConnection | undefined> | undefined => early?.splice(0, 1)[0];
  return {
    planned(root, statements) {
      if (root === 'roles' && createsRole([...statements], opts.inputs.dbUser)) bootstrap = true;
      const t0 = Date.now();
      const p = readImpact(root, statements, opts, take()).finally(() => tookMs.set(root, Date.now() - t0));
      p.catch(() => undefined);
      pending.set(root, p);
    },
    recheck: (root, statements) => readImpact(root, statements, opts),
    async attach(roots) {
      const waitFrom = Date.now();
      for (const unused of early?.splice(0) ?? []) void unused.then((c) => c?.close());
      for (const result of roots) {
        const p = pending.get(result.root);
        if (!p) continue;
        result.impact = bootstrap
          ? {
              skipped: `not read: "${opts.inputs.dbUser}" is created by the roles root of this change (first bootstrap), so it cannot log in yet.`,
            }
          : await p;
      }
      const took = [...tookMs].map(([root, ms]) => `${root} ${ms} ms`).join(', ');
      if (pending.size > 0) log.info(`Impact facts read (${took}), beside the plans; the run waited ${Date.now() - waitFrom} ms for them.`);
    },
  };
}

/** Plan runs: the parser loads and one connection per root (at most two) is made while Terraform runs; a failed connect is retried later. */
function startEarly(opts: ImpactPhaseOptions): Promise<IdleConnection | undefined>[] {
  warmImpactParser();
  const connect = async (): Promise<IdleConnection | undefined> =>
    connectIdle(await iamConfig(opts), opts.inputs.factsTimeoutMs).catch(() => undefined);
  return [connect(), connect()].map((p) => p.catch(() => undefined));
}

const iamConfig = (opts: ImpactPhaseOptions): ReturnType<typeof rdsIamClientConfig> =>
  rdsIamClientConfig({
    endpoint: opts.inputs.dbEndpoint,
    database: opts.inputs.dbName,
    user: opts.inputs.dbUser,
    region: opts.inputs.awsRegion,
    session: opts.session,
    connectTimeoutMs: opts.inputs.factsTimeoutMs,
  });

/** A root's impact; never throws. No session is opened when the SQL touches no existing table. */
async function readImpact(
  root: RootName,
  statements: readonly string[],
  opts: ImpactPhaseOptions,
  early?: Promise<IdleConnection | undefined>,
): Promise<RootImpact> {
  const { inputs } = opts;
  if (!inputs.dbEndpoint) return { skipped: 'not read: the db-endpoint input is empty.' };
  try {
    const plan = await planImpact(root, [...statements]);
    if (!plan.statements.some((s) => s.effects.length > 0 || s.intents.length > 0)) {
      await (await early)?.close();
      return {};
    }
    const budgetMs = inputs.factsTimeoutMs;
    const started = Date.now();
    const config = iamConfig(opts);
    const sessionOpts = (): SessionOptions => {
      const left = Math.max(1, budgetMs - (Date.now() - started));
      return { budgetMs: left, lockTimeoutMs: Math.min(FACTS_LOCK_TIMEOUT_MS, left), statementTimeoutMs: left };
    };
    const open = async (): Promise<OpenSession> => openReadOnlySession(await config, sessionOpts());
    const idle = await early;
    // A connection made early may have been dropped while Terraform ran: then connect now.
    const session = (idle ? await idle.begin(sessionOpts()).catch(() => undefined) : undefined) ?? (await open());
    try {
      const moreSessions = { open, max: IMPACT_CHECK_SESSIONS };
      return { report: await assessImpact(session, plan, { scanLimitRows: inputs.impactScanLimit, moreSessions }) };
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
