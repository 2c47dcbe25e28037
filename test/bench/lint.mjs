// HCL lint timing for test/bench/run.mjs: lintProject over the seed layout, each run in a fresh
// Node process, so every run pays what the action pays once per job: importing web-tree-sitter,
// compiling both WebAssembly modules (runtime and HCL grammar), then parsing and checking the
// files. The lint is first bundled the way it ships: one ES module (Vite's SSR build, as fast
// as ncc is slow) with scripts/copy-tree-sitter.mjs's runtime beside it in a temp directory, so
// nothing comes from node_modules. Wall time on a shared machine depends on its load, so CPU
// time (user + system) is shown beside it.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SEED = path.join(REPO, 'examples/seed');
const RUNS = 20;
const WARM_REPS = 10;

const OPTIONS = {
  workspace: SEED,
  rolesWorkingDirectory: 'terraform/roles',
  schemaWorkingDirectory: 'terraform/schema',
  dbUser: 'atlas_migrator',
  skip: [],
};

// One run: the first lintProject call, then WARM_REPS more; one JSON line on stdout.
const CHILD = `
import { lintProject } from './lint.js';
const options = ${JSON.stringify(OPTIONS)};
const cpuMs = (u) => (u.user + u.system) / 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let cpu = process.cpuUsage();
let t = performance.now();
const findings = await lintProject(options);
const firstMs = performance.now() - t;
const firstCpuMs = cpuMs(process.cpuUsage(cpu));
const warm = [];
const warmCpu = [];
for (let i = 0; i < ${WARM_REPS}; i++) {
  cpu = process.cpuUsage();
  t = performance.now();
  await lintProject(options);
  warm.push(performance.now() - t);
  warmCpu.push(cpuMs(process.cpuUsage(cpu)));
}
console.log(JSON.stringify({ findings: findings.length, firstMs, firstCpuMs, warmMs: median(warm), warmCpuMs: median(warmCpu) }));
`;

/** The helpers are run.mjs's own (table, stats, ms, spread, expect), so the output matches its other tables. */
export async function benchLint({ table, stats, ms, spread, expect }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rds-atlas-bench-lint-'));
  try {
    await bundle(dir);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await runChild(path.join(dir, 'child.mjs')));
    for (const r of runs) expect(r.findings === 0, `lint of the seed layout: ${r.findings} findings, expected none`);
    const row = (name, what, wall, cpu) => {
      const w = stats(wall);
      return [name, what, `${ms(w.median)} ms`, `${spread(w)} (n=${w.n})`, `${ms(stats(cpu).median)} ms`];
    };
    const files = readdirSync(SEED, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    table(
      `6. HCL lint: lintProject over the seed layout (${files} files), bundled with dist/tree-sitter/ beside it, a fresh Node process per run`,
      ['call', 'what it does', 'median wall', 'min–max', 'median CPU'],
      [
        row(
          'first',
          'import web-tree-sitter, compile both .wasm, parse + check',
          runs.map((r) => r.firstMs),
          runs.map((r) => r.firstCpuMs),
        ),
        row(
          'warm',
          `parse + check again (median of ${WARM_REPS} per process)`,
          runs.map((r) => r.warmMs),
          runs.map((r) => r.warmCpuMs),
        ),
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function bundle(dir) {
  await build({
    root: REPO,
    configFile: false,
    logLevel: 'silent',
    ssr: { noExternal: true },
    build: {
      ssr: path.join(REPO, 'src/lint/index.ts'),
      outDir: dir,
      emptyOutDir: false,
      minify: false,
      rollupOptions: { output: { format: 'es', entryFileNames: 'lint.js' } },
    },
  });
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(path.join(dir, 'child.mjs'), CHILD);
  await new Promise((resolve, reject) => {
    const copy = spawn(process.execPath, [path.join(REPO, 'scripts/copy-tree-sitter.mjs'), dir], { cwd: REPO, stdio: 'inherit' });
    copy.on('error', reject);
    copy.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`copy-tree-sitter exited with ${code}`))));
  });
}

function runChild(script) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`lint bench child exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)));
    });
  });
}
