// Benchmark section: the SQL classifier (src/atlas/classify.ts). Called from run.mjs's main();
// also run as a child of itself (`--classify-child`) so start-up is measured in fresh processes.
//
// The parser is WebAssembly compiled lazily by V8: loadClassifier() only compiles the module
// skeleton, and each parser function is compiled on its first call. So a fresh process pays
// three things, all measured here: the load, the first small plan (most of the lazy
// compilation), and a large plan before the code has tiered up.
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { closeLoader, loadTs } from './loader.mjs';

const SELF = fileURLToPath(import.meta.url);
const COUNT = 5_000;
const CHILDREN = 7;
const WARM_REPS = 9;
const LOAD_TARGET_MS = 150;
const CLASSIFY_TARGET_MS = 500;

// The benchmark's statement shapes (entry.ts `statement(i)`, all safe) alternate with these.
const SHAPE_EXPECTED = [
  ['safe', 'CREATE TABLE'],
  ['safe', 'GRANT'],
  ['safe', 'CREATE ROLE'],
  ['safe', 'COMMENT'],
  ['safe', 'CREATE FUNCTION'],
];
const RISKY = [
  (n) => [`DROP TABLE "public"."old_${n}";`, 'destructive', 'DROP TABLE'],
  (n) => [`REVOKE SELECT, INSERT ON TABLE "public"."t_${n}" FROM "app_reader";`, 'access-reducing', 'REVOKE'],
  (n) => [`ALTER TABLE "public"."live_${n}" DROP COLUMN "note",\n  ALTER COLUMN "id" TYPE bigint;`, 'destructive', 'ALTER TABLE'],
  (n) => [`CREATE INDEX "live_${n}_note" ON "public"."live_${n}" ("note");`, 'locking', 'CREATE INDEX'],
  (n) => [`ALTER ROLE "role_${n}" WITH NOLOGIN;`, 'access-reducing', 'ALTER ROLE'],
];

/** [statement, class, kind] × count: half entry.ts shapes, half DROP / REVOKE / ALTER / CREATE INDEX. */
function corpus(statement, count) {
  return Array.from({ length: count }, (_, i) => {
    const k = i % 10;
    return k < 5 ? [statement(i), ...SHAPE_EXPECTED[k]] : RISKY[k - 5](String(i).padStart(6, '0'));
  });
}

/** The seed guide's statements (test/support/seed-sql.ts) plus a DROP: what a first small plan looks like. */
const SMALL_PLAN = [
  ['CREATE ROLE "atlas_migrator" WITH LOGIN;', 'safe', 'CREATE ROLE'],
  ['CREATE ROLE "app_reader" WITH LOGIN;', 'safe', 'CREATE ROLE'],
  ['GRANT "rds_iam" TO "atlas_migrator";', 'safe', 'GRANT'],
  ['GRANT CREATE, USAGE ON SCHEMA "public" TO "atlas_migrator";', 'safe', 'GRANT'],
  [
    'CREATE TABLE "public"."validation_probe" (\n  "id" integer NOT NULL,\n  "created_at" timestamptz NOT NULL DEFAULT now(),\n  PRIMARY KEY ("id")\n);',
    'safe',
    'CREATE TABLE',
  ],
  ['GRANT SELECT ON TABLE "public"."validation_probe" TO "app_reader";', 'safe', 'GRANT'],
  ['DROP TABLE "public"."users";', 'destructive', 'DROP TABLE'],
];

/** Mismatches between results and expectations, as short strings (empty when all agree). */
function wrong(results, expected) {
  const out = [];
  if (results.length !== expected.length) out.push(`${results.length} results for ${expected.length} statements`);
  results.forEach((r, i) => {
    const [sql, cls, kind] = expected[i];
    if (r.class !== cls || r.kind !== kind || !r.parsed)
      out.push(`#${i} ${JSON.stringify(sql.slice(0, 40))}: ${r.class} ${r.kind}, expected ${cls} ${kind}`);
  });
  return out;
}

/**
 * Wall and CPU time of one awaited step. CPU time (all threads: V8 compiles WebAssembly in the
 * background) does not grow while the process waits for a core, so it stays meaningful on a
 * loaded machine where wall time does not.
 */
async function measure(fn) {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = await fn();
  const wall = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000, value };
}

// Child: one fresh process. Modules are imported before the clock starts; what is timed is
// what the action pays at run time.
async function child() {
  const m = await loadTs('src/atlas/classify.ts');
  const { statement } = await loadTs('test/bench/entry.ts');
  const items = corpus(statement, COUNT);
  const load = await measure(() => m.loadClassifier());
  const first = await measure(() => m.classifyStatements(SMALL_PLAN.map((x) => x[0])));
  const cold = await measure(() => m.classifyStatements(items.map((x) => x[0])));
  const errors = [...wrong(first.value, SMALL_PLAN), ...wrong(cold.value, items)];
  const times = ({ wall, cpu }) => ({ wall, cpu });
  return { load: times(load), first: times(first), cold: times(cold), errors: errors.slice(0, 5) };
}

function spawnChild() {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [SELF, '--classify-child'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`classify child exited with ${code}`)),
    );
  });
}

/**
 * Section 5 of `npm run bench`. `load` imports a TypeScript module of the repository; helpers
 * are run.mjs's own (stats, table, expect, ms, spread, num). Fails through `expect` when a
 * statement gets the wrong class or kind. Returns the fresh-process medians (ms, wall and CPU)
 * of loadClassifier() and of the first plan, for the start-up section.
 */
export async function benchClassify(load, { stats, table, expect, ms, spread, num }) {
  const fresh = [];
  for (let i = 0; i < CHILDREN; i++) fresh.push(await spawnChild());
  for (const r of fresh) expect(r.errors.length === 0, `classifier: ${r.errors.join('; ')}`);

  const m = await load('src/atlas/classify.ts');
  const { statement } = await load('test/bench/entry.ts');
  const items = corpus(statement, COUNT);
  const sql = items.map((x) => x[0]);
  const warm = [];
  for (let i = 0; i < WARM_REPS + 2; i++) {
    const run = await measure(() => m.classifyStatements(sql));
    if (i >= 2) warm.push(run); // two warm-up runs
    const errors = wrong(run.value, items);
    expect(errors.length === 0, `classifier: ${errors.slice(0, 5).join('; ')}`);
  }

  const row = (what, runs, target, count) => {
    const wall = stats(runs.map((r) => r.wall));
    const cpu = stats(runs.map((r) => r.cpu));
    return [
      what,
      `${ms(wall.median)} ms`,
      `${spread(wall)} ms`,
      `${ms(cpu.median)} ms`,
      count ? `${((wall.median * 1000) / count).toFixed(0)} µs` : '—',
      target ? `${wall.median <= target ? 'within' : 'OVER'} ${target} ms` : '—',
    ];
  };
  table(
    `5. SQL classification (libpg-query: PostgreSQL 17's parser as WebAssembly), fresh processes n=${CHILDREN}; ${num(COUNT)} statements = half entry.ts shapes, half DROP / REVOKE / ALTER / CREATE INDEX`,
    ['what', 'wall median', 'wall min–max', 'CPU median', 'per statement', 'target (wall)'],
    [
      row(
        'loadClassifier() in a fresh process (read, compile, instantiate)',
        fresh.map((r) => r.load),
        LOAD_TARGET_MS,
      ),
      row(
        `then the first plan (${SMALL_PLAN.length} seed statements: lazy compilation)`,
        fresh.map((r) => r.first),
      ),
      row(
        `then ${num(COUNT)} statements, cold (first large call of the process)`,
        fresh.map((r) => r.cold),
        CLASSIFY_TARGET_MS,
        COUNT,
      ),
      row(`${num(COUNT)} statements, warm (n=${warm.length} after 2 warm-ups)`, warm, CLASSIFY_TARGET_MS, COUNT),
    ],
  );
  console.log(
    `   load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores at the end: wall times above CPU times mean waiting for a core`,
  );
  const median = (step, of) => stats(fresh.map((r) => r[step][of])).median;
  return {
    loadMs: median('load', 'wall'),
    firstMs: median('first', 'wall'),
    loadCpuMs: median('load', 'cpu'),
    firstCpuMs: median('first', 'cpu'),
  };
}

if (process.argv[1] === SELF && process.argv[2] === '--classify-child') {
  child()
    .then(
      (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
      (err) => {
        console.error(err);
        process.exitCode = 1;
      },
    )
    // The open module runner's server would keep the process alive.
    .finally(closeLoader);
}
