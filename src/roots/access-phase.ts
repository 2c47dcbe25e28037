import { createsRole, parseTrees } from '../atlas/index.js';
import { emptySnapshot, planAccess, type AccessDiff, type AccessSnapshot } from '../access/index.js';
import type { AwsSession } from '../aws/index.js';
import { errorMessage, log, redact, type Inputs, type RootName } from '../core/index.js';
import { readAccessCatalog } from '../database/index.js';
import type { OpenFacts } from './facts-session.js';
import type { RootResult } from './types.js';

// The access facts of a plan run: who gains and who loses what. The live catalog is read with
// the preflight's IAM login, read-only and bounded, beside Terraform (started as soon as the
// AWS session exists, awaited only when the roots are done), so it is not on the way to the
// plans. The roots' planned statements are then applied to it, roles root first. When the
// catalog cannot be read, the diff is computed from the SQL alone, saying why; nothing here
// fails the run.

/** The whole read, from signing the token to closing the session. Reaching it is a note. */
export const ACCESS_FACTS_BUDGET_MS = 20_000;
/** PostgreSQL version assumed for quoting when the server could not be asked. */
const ASSUMED_VERSION = 170_000;

type Facts = { snapshot: AccessSnapshot; ms: number } | { error: string; ms: number };

/** A catalog read in flight. */
export interface AccessFacts {
  pending: Promise<Facts>;
}

/** What the report shows of access. `source`: where "before" came from. */
export interface AccessOutcome {
  source: 'live' | 'sql-only';
  /** Plain text (redacted), set when `source` is sql-only: why the live catalog was not used. */
  why?: string;
  diff: AccessDiff;
  /** The diff's statement indexes → the root and the statement of that root. */
  statements: { root: RootName; index: number }[];
  /** Time the catalog read took (0 when it did not run). */
  factsMs: number;
}

/** Starts the read now, through `openFacts`; undefined (nothing to read) when db-endpoint is unset. */
export function startAccessFacts(
  inputs: Inputs,
  session: AwsSession,
  openFacts: OpenFacts,
  budgetMs = ACCESS_FACTS_BUDGET_MS,
): AccessFacts | undefined {
  if (!inputs.dbEndpoint) return undefined;
  const started = Date.now();
  const read = async (): Promise<Facts> => {
    const login = {
      endpoint: inputs.dbEndpoint,
      database: inputs.dbName,
      user: inputs.dbUser,
      region: inputs.awsRegion,
      session,
      connectTimeoutMs: budgetMs,
    };
    const db = await openFacts(login, { budgetMs });
    try {
      return { snapshot: await readAccessCatalog(db), ms: Date.now() - started };
    } finally {
      await db.close();
    }
  };
  const deadline = new Promise<Facts>((resolve) => {
    const timer = setTimeout(
      () => resolve({ error: `the catalog read reached its time budget of ${budgetMs / 1000} s`, ms: Date.now() - started }),
      budgetMs,
    );
    timer.unref();
  });
  const pending = Promise.race([read().catch((err: unknown): Facts => ({ error: errorMessage(err), ms: Date.now() - started })), deadline]);
  return { pending };
}

/**
 * After the plans: the "before" (live, or empty with the reason), the roots' planned statements
 * applied in order, and the diff. Never throws. Statement classes are left as the text rules
 * set them: the merge gate reads no catalog, so a class found only here (a new login that can
 * write) would promise a hold the merge does not make; such rows are marked in the table.
 */
export async function accessPhase(facts: AccessFacts | undefined, roots: RootResult[], inputs: Inputs): Promise<AccessOutcome | undefined> {
  const planned = roots.filter((r) => r.outcome === 'planned' && r.plannedStatements.length > 0);
  if (planned.length === 0) return undefined;
  const statements = planned.flatMap((r) => r.plannedStatements.map((_, index) => ({ root: r.root, index })));
  const texts = planned.flatMap((r) => r.plannedStatements);
  const roles = roots.find((r) => r.root === 'roles');
  let before: AccessSnapshot | undefined;
  let why: string | undefined;
  let factsMs = 0;
  if (roles && createsRole(roles.plannedStatements, inputs.dbUser)) {
    why = `the roles root of this change creates "${inputs.dbUser}", the login the catalog is read with, so it cannot log in yet (first bootstrap)`;
  } else if (!facts) {
    why = 'the db-endpoint input is not set, so there is no connection to read the catalog with';
  } else {
    const got = await facts.pending;
    factsMs = got.ms;
    if ('snapshot' in got) before = got.snapshot;
    else why = `the catalog could not be read: ${got.error}`;
  }
  const waited = Date.now();
  try {
    const trees = await parseTrees(texts);
    const start = before ?? emptySnapshot({ serverVersionNum: ASSUMED_VERSION, database: inputs.dbName, currentUser: inputs.dbUser });
    const diff = planAccess(
      start,
      texts.map((sql, i) => ({ sql, nodes: trees[i] })),
    );
    log.info(
      `Access: ${before ? `live catalog read in ${factsMs} ms beside Terraform` : `from the SQL alone (${why ?? ''})`}; ${diff.changes.length} changes from ${texts.length} statements, computed in ${Date.now() - waited} ms after the plans.`,
    );
    return { source: before ? 'live' : 'sql-only', ...(why ? { why: redact(why) } : {}), diff, statements, factsMs };
  } catch (err) {
    // A model bug must not cost the plan: say so, with nothing computed.
    const failure = `the access model failed: ${errorMessage(err)}`;
    return { source: 'sql-only', why: redact(failure), diff: { changes: [], retained: [], notModelled: [] }, statements, factsMs };
  }
}
