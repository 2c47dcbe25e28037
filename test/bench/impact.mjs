#!/usr/bin/env node
// Benchmark section: the impact facts phase (src/impact) for a plan touching 20 tables of
// 1,000,000 rows each (created once in a throwaway PostgreSQL 17 with generate_series, then
// ANALYZEd as autovacuum would). The plan sets a column NOT NULL (a bounded check scanning
// each table) and builds an index on each: 40 statements. Measured: planImpact + assessImpact
// over the action's READ ONLY session (src/database/session.ts, connect included), with the
// checks on one session and on IMPACT_CHECK_SESSIONS sessions as the action runs them, the
// median of REPS runs; and how much of the phase a run waits for: all of it in a one-root run
// (nothing beside it), what outlasts the other root's plan in a two-root run (taken as
// OTHER_PLAN_MS, the stand-in Atlas's inspection delay: the shortest plan in the e2e stack).
// Load average before and after. Called from run.mjs's main() unless --no-e2e;
// `node test/bench/impact.mjs` runs it alone.
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { closeLoader, loadTs } from './loader.mjs';

const SELF = fileURLToPath(import.meta.url);
const TABLES = 20;
const ROWS = 1_000_000;
const REPS = 5;
const OTHER_PLAN_MS = 1_500;
const GOAL_MS = 1_000;

export async function benchImpact(load, { stats, table, expect, ms, spread }) {
  const { startPostgres, connectionConfig } = await load('test/support/postgres.ts');
  const { openReadOnlySession } = await load('src/database/session.ts');
  const impact = await load('src/impact/index.ts');
  const loadBefore = os.loadavg();
  const db = await startPostgres({ iamAuth: { credentials: () => [], region: 'us-east-1' } });
  try {
    const made = performance.now();
    for (let i = 0; i < TABLES; i++) {
      await db.query(
        `CREATE TABLE "t${i}" AS SELECT g AS id, g % 1000 AS k, CASE WHEN g = ${ROWS} THEN NULL ELSE 1 END AS flag FROM generate_series(1, ${ROWS}) g`,
      );
    }
    await db.query('ANALYZE');
    const createMs = performance.now() - made;
    const sql = Array.from({ length: TABLES }, (_, i) => [
      `ALTER TABLE "public"."t${i}" ALTER COLUMN "flag" SET NOT NULL;`,
      `CREATE INDEX "t${i}_k" ON "public"."t${i}" ("k");`,
    ]).flat();
    const config = connectionConfig(db.url(db.masterUser, db.masterPassword));
    const open = () => openReadOnlySession(config, { budgetMs: 60_000, statementTimeoutMs: 30_000, lockTimeoutMs: 1_000 });
    const measure = async (statements, sessions) => {
      const runs = [];
      let report;
      for (let r = 0; r < REPS; r++) {
        const t = performance.now();
        const session = await open();
        try {
          const moreSessions = sessions > 1 ? { open, max: sessions } : undefined;
          report = await impact.assessImpact(session, await impact.planImpact('schema', statements), { moreSessions });
        } finally {
          await session.close();
        }
        runs.push(performance.now() - t);
      }
      return { runs, report };
    };
    const pool = impact.IMPACT_CHECK_SESSIONS;
    const factsOnly = await measure(
      sql.filter((x) => x.startsWith('CREATE INDEX')),
      pool,
    );
    const serial = await measure(sql, 1);
    const { runs, report } = await measure(sql, pool);
    const failing = report.rows.filter((x) => x.fails !== null).length;
    expect(failing === TABLES, `impact bench: ${failing} predicted failures, expected ${TABLES} (one NULL per table)`);
    expect(
      serial.report.rows.filter((x) => x.fails !== null).length === TABLES,
      'impact bench: the one-session run predicted other failures',
    );
    const s = stats(runs);
    const f = stats(factsOnly.runs);
    const one = stats(serial.runs);
    const beside = stats(runs.map((x) => Math.max(0, x - OTHER_PLAN_MS)));
    const loadAfter = os.loadavg();
    const verdict = (x) => `${x <= GOAL_MS ? 'within' : 'OVER'} ${GOAL_MS} ms`;
    table(
      `Impact facts phase: ${TABLES} tables × ${ROWS.toLocaleString('en-US')} rows, ${sql.length} statements (tables created in ${(createMs / 1000).toFixed(1)} s); load average ${loadBefore[0].toFixed(1)} before, ${loadAfter[0].toFixed(1)} after`,
      ['phase', 'median', 'spread', 'the run waits (goal)'],
      [
        [`plan + facts only (20 CREATE INDEX)`, `${ms(f.median)} ms`, `${spread(f)} (n=${f.n})`, '—'],
        [`plan + facts + 20 NOT NULL checks, 1 session`, `${ms(one.median)} ms`, `${spread(one)} (n=${one.n})`, '—'],
        [
          `plan + facts + 20 NOT NULL checks, ${pool} sessions (as the action runs it)`,
          `${ms(s.median)} ms`,
          `${spread(s)} (n=${s.n})`,
          `one root: ${ms(s.median)} ms (${verdict(s.median)}); beside a ${OTHER_PLAN_MS.toLocaleString('en-US')} ms plan: ${ms(beside.median)} ms (${verdict(beside.median)})`,
        ],
      ],
    );
    return s;
  } finally {
    await db.stop();
  }
}

if (process.argv[1] === SELF) {
  const load = loadTs;
  const stats = (xs) => {
    const v = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(v.length / 2);
    return { median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, min: v[0], max: v.at(-1), n: v.length };
  };
  const ms = (x) => x.toFixed(0);
  await benchImpact(load, {
    stats,
    ms,
    spread: (s) => `${ms(s.min)}–${ms(s.max)}`,
    expect: (ok, m) => {
      if (!ok) throw new Error(m);
    },
    table: (title, head, rows) => console.log(title, '\n', head.join(' | '), '\n', rows.map((r) => r.join(' | ')).join('\n')),
  }).finally(closeLoader);
}
