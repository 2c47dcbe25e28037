// What the SQL classifier adds to the action's start-up, for test/bench/run.mjs.
//
// The classifier costs a run in two places:
// 1. Always: its code is part of the bundle (the rules, libpg-query's emscripten glue), and the
//    ESM graph evaluates every static import when `node dist/index.js` starts, SQL or not.
//    Measured as the difference between two bundles of src/index.ts built the same way (Vite's
//    SSR build, everything bundled as ncc does), one of them with src/atlas/classify.ts replaced
//    by a stub: each started in a fresh process with no inputs, so it fails input validation
//    and exits right after loading — the time from process start to exit, read inside the child
//    (performance.now() at 'exit', whose origin is the process start), and its CPU time.
// 2. Only when a plan has statements: loadClassifier() (read, compile and instantiate the
//    WebAssembly parser; lazy, never on a run without SQL) and the first classification
//    (V8 compiles the parser's functions on first call). Those come from section 5's fresh
//    processes.
// A run with SQL pays 1 + 2; a run without pays 1 only. The difference in 1 is taken per
// interleaved round (paired) and its median reported; below zero it is noise and counts as 0 in
// the sum. The shipped ncc bundle (dist/) is timed the same way for scale.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLASSIFY = path.join(REPO, 'src/atlas/classify.ts');
const RUNS = 21;
const TARGET_MS = 150;

const STUB_ID = '\0classifier-stub';
const STUB = `export async function loadClassifier() {}
export async function classifyStatements(statements) {
  return statements.map(() => ({ class: 'safe', kind: 'STUB', reason: 'stub', parsed: true }));
}
export async function pgParser() {
  throw new Error('the start-up bench stubs the SQL parser out');
}
`;

/** Replaces the classifier module with STUB wherever it is imported. */
function stubClassifier() {
  return {
    name: 'stub-classifier',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === CLASSIFY ? STUB_ID : null;
    },
    load: (id) => (id === STUB_ID ? STUB : null),
  };
}

async function bundle(outDir, stub) {
  await build({
    root: REPO,
    configFile: false,
    logLevel: 'silent',
    plugins: stub ? [stubClassifier()] : [],
    ssr: { noExternal: true },
    build: {
      ssr: path.join(REPO, 'src/index.ts'),
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'es2022',
      rollupOptions: { output: { format: 'es', entryFileNames: 'index.js' } },
    },
  });
  await writeFile(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  return path.join(outDir, 'index.js');
}

// Loaded before the bundle: reports the process's age and CPU time on fd 3 as it exits.
const PRELOAD = `data:text/javascript,${encodeURIComponent(
  "import { writeSync } from 'node:fs'; process.on('exit', () => { const c = process.cpuUsage(); writeSync(3, JSON.stringify({ ms: performance.now(), cpu: (c.user + c.system) / 1000 }) + '\\n'); });",
)}`;

/** One start of a bundle with no inputs: { ms, cpu, exitCode, stdout }. */
function start(script, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, script], {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'ignore', 'pipe'],
    });
    let stdout = '';
    let report = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stdio[3].on('data', (d) => (report += d));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      try {
        resolve({ ...JSON.parse(report.trim()), exitCode, stdout });
      } catch (err) {
        reject(new Error(`start-up child of ${script} reported nothing (exit ${exitCode})`, { cause: err }));
      }
    });
  });
}

/**
 * Sections 5b and 5c of `npm run bench`. `classify` holds section 5's fresh-process medians
 * (ms, wall and CPU) of loadClassifier() and of the first plan.
 */
export async function benchStartup({ stats, table, expect, ms, spread }, classify) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rds-atlas-bench-startup-'));
  try {
    const variants = {
      full: await bundle(path.join(dir, 'full'), false),
      stub: await bundle(path.join(dir, 'stub'), true),
      dist: path.join(REPO, 'dist/index.js'),
    };
    // An empty workspace: the working-directory inputs cannot resolve either.
    const cwd = path.join(dir, 'empty');
    await mkdir(cwd);
    const runs = { full: [], stub: [], dist: [] };
    // Interleaved rounds, so a change in the machine's load hits every variant alike, and the
    // difference is taken within each round (paired) before the median.
    for (let i = 0; i < RUNS + 1; i++) {
      for (const [name, script] of Object.entries(variants)) {
        const r = await start(script, cwd);
        expect(
          r.exitCode === 1 && /^::error::\d+ action inputs are invalid/m.test(r.stdout),
          `start-up bench: ${name} bundle did not fail input validation (exit ${r.exitCode}): ${r.stdout.slice(0, 200)}`,
        );
        if (i > 0) runs[name].push(r); // the first round warms the file cache
      }
    }
    const of = (name, key) => stats(runs[name].map((r) => r[key]));
    const paired = (key) => stats(runs.full.map((r, i) => r[key] - runs.stub[i][key]));
    const size = {};
    for (const [name, script] of Object.entries(variants)) size[name] = `${((await stat(script)).size / 1024).toFixed(0)} KiB`;
    const row = (what, name) => [
      what,
      size[name],
      `${ms(of(name, 'ms').median)} ms`,
      `${spread(of(name, 'ms'))} ms`,
      `${ms(of(name, 'cpu').median)} ms`,
    ];
    const delta = paired('ms');
    const cpuDelta = paired('cpu');
    // Below zero the difference is noise, not a saving: it counts as 0 in the sum.
    const bundleMs = Math.max(0, delta.median);
    const withSql = bundleMs + classify.loadMs + classify.firstMs;
    const withSqlCpu = Math.max(0, cpuDelta.median) + classify.loadCpuMs + classify.firstCpuMs;
    table(
      `5b. Start-up: \`node <bundle>\` with no inputs (fails validation, exits right after loading), fresh process each, n=${RUNS} interleaved rounds; time from process start to exit`,
      ['bundle', 'entry file', 'wall median', 'wall min–max', 'CPU median'],
      [
        row('Vite build of src/index.ts', 'full'),
        row('same, classifier replaced by a stub', 'stub'),
        row('dist/index.js (ncc, shipped), for scale', 'dist'),
      ],
    );
    table(
      `5c. What the classifier adds to a run: bundle load = median of the per-round full − stub differences (5b); with SQL, plus section 5's fresh-process medians`,
      ['run', 'added wall', 'made of (wall)', 'added CPU', 'target (wall)'],
      [
        [
          'without SQL (the parser is never loaded)',
          `${ms(delta.median)} ms`,
          `bundle load (paired differences ${spread(delta)} ms)`,
          `${ms(cpuDelta.median)} ms`,
          '—',
        ],
        [
          'with SQL (first plan: 6 seed statements + a DROP)',
          `${ms(withSql)} ms`,
          `${ms(bundleMs)} bundle + ${ms(classify.loadMs)} loadClassifier() + ${ms(classify.firstMs)} first plan`,
          `${ms(withSqlCpu)} ms`,
          `${withSql <= TARGET_MS ? 'within' : 'OVER'} ${TARGET_MS} ms`,
        ],
      ],
    );
    console.log(
      `   load average ${os.loadavg()[0].toFixed(1)}: on a busy machine wall times include waiting for a core (compare the min–max spreads); CPU time is the steadier figure`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
