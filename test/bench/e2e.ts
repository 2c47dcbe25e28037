// End-to-end wall time for test/bench/run.mjs: the seed layout's bootstrap pull request
// (plan) and its merge (apply), each `node dist/index.js` started exactly as a runner starts
// it, on the real stack of test/support/stack.ts. Each repetition starts from an empty
// database and a fresh checkout, so every repetition does the same work.
import type { ActionRun } from '../support/action.js';
import { DEFAULT_BRANCH, sha, startStack } from '../support/stack.js';

const FILES = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'];
const ROLES_SQL_COUNT = 4;
const SCHEMA_SQL_COUNT = 2;

export interface EndToEndTimes {
  stackStartMs: number;
  planMs: number[];
  applyMs: number[];
}

function check(run: ActionRun, what: string, ok: boolean, why: string): void {
  if (run.exitCode !== 0 || !ok) {
    throw new Error(
      `${what}: exit code ${run.exitCode}, ${why}\n--- stdout (tail) ---\n${run.stdout.slice(-4_000)}\n--- stderr (tail) ---\n${run.stderr.slice(-2_000)}`,
    );
  }
}

const lines = (text: string | undefined): number => (text ? text.split(/;\n(?=\S)/).length : 0);

export async function runEndToEnd(reps: number, log: (line: string) => void = () => undefined): Promise<EndToEndTimes> {
  const t0 = performance.now();
  const stack = await startStack();
  const times: EndToEndTimes = { stackStartMs: performance.now() - t0, planMs: [], applyMs: [] };
  try {
    for (let i = 0; i < reps; i++) {
      const number = 100 + i;
      const base = sha(String.fromCharCode(0x61 + (i % 6))); // a..f
      const head = `${(1000 + i).toString(16)}${'0'.repeat(37)}`.slice(0, 40);
      const merge = `${(2000 + i).toString(16)}${'1'.repeat(37)}`.slice(0, 40);
      stack.github.addPull({ number, files: FILES, headSha: head, baseSha: base, mergeCommitSha: merge, merged: true });
      stack.github.addCompare(base, merge, FILES);

      const plan = await stack.runPullRequest({ number, headSha: head, baseSha: base });
      check(
        plan,
        `repetition ${i + 1} plan`,
        plan.outputs['mode'] === 'plan' && lines(plan.outputs['roles-sql']) === ROLES_SQL_COUNT,
        `roles-sql=${JSON.stringify(plan.outputs['roles-sql'])}`,
      );
      times.planMs.push(plan.durationMs);

      const apply = await stack.runPush({ before: base, after: merge, ref: `refs/heads/${DEFAULT_BRANCH}` });
      check(
        apply,
        `repetition ${i + 1} apply`,
        apply.outputs['converged'] === 'true' && lines(apply.outputs['schema-sql']) === SCHEMA_SQL_COUNT,
        `converged=${JSON.stringify(apply.outputs['converged'])} schema-sql=${JSON.stringify(apply.outputs['schema-sql'])}`,
      );
      times.applyMs.push(apply.durationMs);
      log(`  e2e repetition ${i + 1}/${reps}: plan ${plan.durationMs} ms, apply ${apply.durationMs} ms`);

      // Back to an empty database and no state, so the next repetition bootstraps again. As
      // the superuser: on PostgreSQL 16+ the master may not DROP OWNED BY roles it only administers.
      await stack.pg.adminQuery('DROP OWNED BY "atlas_migrator", "app_reader" CASCADE');
      await stack.pg.adminQuery('DROP ROLE "atlas_migrator", "app_reader"');
      await stack.resetState();
    }
  } finally {
    await stack.stop();
  }
  return times;
}
