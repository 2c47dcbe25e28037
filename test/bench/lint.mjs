// HCL lint timing for test/bench/run.mjs: lintProject over the seed layout, each run in a fresh
// Node process, so every run pays what the action pays once per job: importing web-tree-sitter,
// compiling both WebAssembly modules (runtime and HCL grammar), then parsing and checking the
// files. Wall time on a shared machine depends on its load, so CPU time (user + system) is shown
// beside it. Run directly (`node test/bench/lint.mjs --child`), this file is one such process.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(SELF), '../..');
const SEED = path.join(REPO, 'test/fixtures/seed');
const RUNS = 20;
const WARM_REPS = 10;

const OPTIONS = {
  workspace: SEED,
  rolesWorkingDirectory: 'terraform/roles',
  schemaWorkingDirectory: 'terraform/schema',
  dbUser: 'atlas_migrator',
  skip: [],
};

/** The helpers are run.mjs's own (table, stats, ms, spread, expect), so the output matches its other tables. */
export async function benchLint({ table, stats, ms, spread, expect }) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runChild());
  for (const r of runs) expect(r.findings === 0, `lint of the seed layout: ${r.findings} findings, expected none`);
  const row = (name, what, wall, cpu) => {
    const w = stats(wall);
    const c = stats(cpu);
    return [name, what, `${ms(w.median)} ms`, `${spread(w)} (n=${w.n})`, `${ms(c.median)} ms`];
  };
  const files = readdirSync(SEED, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
  table(
    `6. HCL lint: lintProject over the seed layout (${files} files), a fresh Node process per run`,
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
}

function runChild() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--child'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`lint bench child exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)));
    });
  });
}

const cpuMs = (usage) => (usage.user + usage.system) / 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function child() {
  // Vite loads the TypeScript sources (as run.mjs does), through a server that stays open: the
  // parser's own dynamic import of web-tree-sitter goes through it. Vite's start-up is outside
  // the measurement, which begins at the first lintProject call.
  const { createServer } = await import('vite');
  const server = await createServer({
    root: REPO,
    configFile: false,
    logLevel: 'silent',
    server: { middlewareMode: true, hmr: false, ws: false },
  });
  try {
    await measure(await server.ssrLoadModule('/src/lint/index.ts'));
  } finally {
    await server.close();
  }
}

async function measure(module) {
  let cpu = process.cpuUsage();
  let t = performance.now();
  const findings = await module.lintProject(OPTIONS);
  const firstMs = performance.now() - t;
  const firstCpuMs = cpuMs(process.cpuUsage(cpu));
  const warm = [];
  const warmCpu = [];
  for (let i = 0; i < WARM_REPS; i++) {
    cpu = process.cpuUsage();
    t = performance.now();
    await module.lintProject(OPTIONS);
    warm.push(performance.now() - t);
    warmCpu.push(cpuMs(process.cpuUsage(cpu)));
  }
  process.stdout.write(
    `${JSON.stringify({ findings: findings.length, firstMs, firstCpuMs, warmMs: median(warm), warmCpuMs: median(warmCpu) })}\n`,
  );
}

if (process.argv[1] === SELF && process.argv[2] === '--child') {
  child().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
