#!/usr/bin/env node
// Benchmark section: the impact facts phase (src/impact) for a plan touching 20 tables of
// 1,000,000 rows each (created once in a throwaway PostgreSQL 17 with generate_series, then
// ANALYZEd as autovacuum would). The plan sets a column NOT NULL (a bounded check scanning
// each table) and builds an index on each: 40 statements. Measured: planImpact + assessImpact
// over one READ ONLY session (connect included), the median of REPS runs. Called from
// run.mjs's main() unless --no-e2e; `node test/bench/impact.mjs` runs it alone.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const SELF = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(SELF), '../..');
const TABLES = 20;
const ROWS = 1_000_000;
const REPS = 5;

export async function benchImpact(load, { stats, table, expect, ms, spread }) {
  const { startPostgres, connectionConfig } = await load('test/support/postgres.ts');
  const { openTestSession } = await load('test/support/read-only-session.ts');
  const impact = await load('src/impact/index.ts');
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
    const measure = async (statements) => {
      const runs = [];
      let report;
      for (let r = 0; r < REPS; r++) {
        const t = performance.now();
        const session = await openTestSession(config, { statementTimeoutMs: 30_000 });
        try {
          report = await impact.assessImpact(session, await impact.planImpact('schema', statements));
        } finally {
          await session.close();
        }
        runs.push(performance.now() - t);
      }
      return { runs, report };
    };
    const factsOnly = await measure(sql.filter((x) => x.startsWith('CREATE INDEX')));
    const { runs, report } = await measure(sql);
    const failing = report.rows.filter((x) => x.fails !== null).length;
    expect(failing === TABLES, `impact bench: ${failing} predicted failures, expected ${TABLES} (one NULL per table)`);
    const s = stats(runs);
    const f = stats(factsOnly.runs);
    table(
      `Impact facts phase: ${TABLES} tables × ${ROWS.toLocaleString('en-US')} rows, ${sql.length} statements (tables created in ${(createMs / 1000).toFixed(1)} s)`,
      ['phase', 'median', 'spread'],
      [
        ['plan + facts only (20 CREATE INDEX)', `${ms(f.median)} ms`, `${spread(f)} (n=${f.n})`],
        ['plan + facts + 20 NOT NULL checks (each scans 1M rows)', `${ms(s.median)} ms`, `${spread(s)} (n=${s.n})`],
      ],
    );
    return s;
  } finally {
    await db.stop();
  }
}

if (process.argv[1] === SELF) {
  const load = async (relative) =>
    (await runnerImport(path.join(REPO, relative), { root: REPO, configFile: false, logLevel: 'silent' })).module;
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
  });
}
