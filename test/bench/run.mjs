#!/usr/bin/env node
// Speed and memory benchmark (`npm run bench`). Not a test: it prints medians from one run,
// and exits non-zero only when a measured result is wrong (a statement lost by the parser, a
// body over GitHub's limit, a secret left unmasked, a failed end-to-end run).
//
//   npm run bench                 everything (≈ 5 min on 2 cores, most of it the side-by-side part)
//   npm run bench -- --no-e2e     skip the end-to-end runs (no PostgreSQL/terraform needed)
//   npm run bench -- --only=5,7   only these sections (5 includes 5b/5c, the start-up)
//
// TypeScript sources are loaded with Vite's module runner (test/bench/loader.mjs; Vite is what
// vitest runs on, so no new dependency): it strips types on the fly, keeps node_modules
// external and sets import.meta.url to the real file, which the e2e harness needs to find
// the stand-in provider and the seed. Stream parsing runs in a fresh child process per
// size (with --expose-gc) so each memory figure starts from a clean heap and RSS.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { benchAccess } from './access.mjs';
import { benchClassify } from './classify.mjs';
import { benchImpact } from './impact.mjs';
import { benchLint } from './lint.mjs';
import { closeLoader, loadTs } from './loader.mjs';
import { benchSideBySide } from './side-by-side.mjs';
import { benchStartup } from './startup.mjs';

const SELF = fileURLToPath(import.meta.url);
const PARSE_SIZES = [100, 5_000, 50_000];
const PARSE_REPS = { 100: 50, 5_000: 20, 50_000: 7 };
const RENDER_SIZES = [5_000, 50_000];
const RENDER_REPS = { 5_000: 7, 50_000: 5 };
const REDACT_REPS = 20;
const E2E_REPS = 5;
const MiB = 1024 * 1024;

const load = loadTs;

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

function time(fn) {
  const t = performance.now();
  const value = fn();
  return { ms: performance.now() - t, value };
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const mb = (bytes) => (bytes / MiB).toFixed(bytes >= 10 * MiB ? 1 : 2);
const num = (n) => n.toLocaleString('en-US');
// Below ~1 MiB of difference, heap and RSS readings are dominated by noise (allocator pages,
// lazily compiled code), so a ratio to a tiny stream would mean nothing.
const memory = (bytes, streamBytes) =>
  Math.abs(bytes) < 0.5 * MiB && streamBytes < 0.1 * MiB ? '< 0.5 MiB (—)' : `${mb(bytes)} MiB (${(bytes / streamBytes).toFixed(1)}×)`;
const spread = (st) => `${ms(st.min)}–${ms(st.max)}`;

function table(title, head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}\n${line(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
}

class BenchFailure extends Error {}
function expect(ok, message) {
  if (!ok) throw new BenchFailure(message);
}

// ---------------------------------------------------------------------------------------
// Child: one stream size. Memory first (readline over the file, as src/terraform/cli.ts reads
// terraform's stdout), then timed repetitions over the lines already in memory.
async function parseChild(file, count, reps) {
  const m = await load('test/bench/entry.ts');
  const heap = () => process.memoryUsage().heapUsed;
  for (let i = 0; i < 3; i++) globalThis.gc();
  const base = process.memoryUsage();

  let peakHeap = base.heapUsed;
  const acc = new m.TerraformRunAccumulator('plan');
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  rl.on('line', (line) => {
    acc.addLine(line);
    peakHeap = Math.max(peakHeap, heap());
  });
  await once(rl, 'close');
  let run = acc.finish(2, '');
  peakHeap = Math.max(peakHeap, heap());
  let plan = m.atlasPlan(run);
  peakHeap = Math.max(peakHeap, heap());
  const peakRss = process.resourceUsage().maxRSS * 1024;
  for (let i = 0; i < 3; i++) globalThis.gc();
  const retainedHeap = heap() - base.heapUsed; // the TerraformRun and the statements, still referenced
  const statements = plan.statements.length;
  const firstOk = plan.statements[0] === m.statement(0) && plan.statements[count - 1] === m.statement(count - 1);
  // Released so the timed repetitions below do not run with the first stream's objects still held.
  // eslint-disable-next-line no-useless-assignment
  run = plan = undefined;

  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  const samples = [];
  for (let i = 0; i < reps + 2; i++) {
    const { ms: t, value } = time(() => {
      const a = new m.TerraformRunAccumulator('plan');
      for (const line of lines) a.addLine(line);
      return m.atlasPlan(a.finish(2, '')).statements.length;
    });
    if (value !== count) throw new Error(`repetition ${i}: ${value} statements, expected ${count}`);
    if (i >= 2) samples.push(t); // two warm-up runs
  }
  return { statements, firstOk, peakHeapExtra: peakHeap - base.heapUsed, retainedHeap, peakRssExtra: peakRss - base.rss, samples };
}

function spawnParseChild(file, count, reps) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', SELF, '--parse-child', file, String(count), String(reps)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`parse child for ${count} statements exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)));
    });
  });
}

// ---------------------------------------------------------------------------------------

async function benchParse(m, tmp) {
  const rows = [];
  const medians = {};
  for (const count of PARSE_SIZES) {
    const file = path.join(tmp, `plan-${count}.jsonl`);
    const text = `${m.planStreamLines(count).join('\n')}\n`;
    await writeFile(file, text);
    const size = Buffer.byteLength(text);
    const r = await spawnParseChild(file, count, PARSE_REPS[count]);
    expect(
      r.statements === count && r.firstOk,
      `stream parsing: ${r.statements} statements parsed, expected ${count} (or first/last statement altered)`,
    );
    const st = stats(r.samples);
    medians[count] = st.median;
    rows.push([
      num(count),
      `${mb(size)} MiB`,
      `${ms(st.median)} ms`,
      `${spread(st)} (n=${st.n})`,
      `${(size / MiB / (st.median / 1000)).toFixed(0)} MiB/s`,
      memory(r.peakHeapExtra, size),
      memory(r.retainedHeap, size),
      memory(r.peakRssExtra, size),
    ]);
  }
  table(
    '1. Stream parsing: `terraform plan -json` with one Atlas Plan of N statements → TerraformRunAccumulator.addLine + finish + atlasPlan',
    [
      'statements',
      'stream',
      'median',
      'min–max',
      'throughput',
      'peak extra heap (÷ stream)',
      'retained heap (÷ stream)',
      'peak extra RSS (÷ stream)',
    ],
    rows,
  );
  console.log(`   time ratio 50,000 / 5,000 statements: ${(medians[50_000] / medians[5_000]).toFixed(1)}× (10× = linear)`);
}

/** Registers secrets without @actions/core's `::add-mask::` lines (setSecret) reaching the tables. */
function registerQuietly(m, secrets) {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    for (const s of secrets) m.registerSecret(s);
  } finally {
    process.stdout.write = write;
  }
}

function registerSecrets(m) {
  // Shaped like the real ones: AWS secret keys (with / and +), session tokens, passwords with URL-special characters.
  const secrets = Array.from({ length: 20 }, (_, i) =>
    i % 2 ? `wJalrXUtnFEMI/K7MDENG+bPxRfiCY${String(i).padStart(4, '0')}EXAMPLEKEY` : `p@ss:w0rd/${i}-${'x'.repeat(8 + i)}`,
  );
  registerQuietly(m, secrets);
  return secrets;
}

function benchRender(m) {
  const rows = [];
  for (const count of RENDER_SIZES) {
    const statements = Array.from({ length: count }, (_, i) => m.statement(i));
    const sqlBytes = statements.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
    const report = m.planReport(statements);
    const opts = (maxLength) => ({ marker: m.MARKER, maxLength, destructiveLabel: 'allow-destructive-sql' });
    for (const [name, fn, limit] of [
      ['renderComment', m.renderComment, m.COMMENT_MAX_LENGTH],
      ['renderSummary', m.renderSummary, m.SUMMARY_MAX_LENGTH],
    ]) {
      const samples = [];
      let body = '';
      for (let i = 0; i < RENDER_REPS[count] + 1; i++) {
        const r = time(() => fn(report, opts(limit)));
        if (i > 0) samples.push(r.ms); // one warm-up
        body = r.value;
      }
      const size = m.measure(body);
      expect(size <= limit, `${name} with ${count} statements: ${size} bytes > ${limit}`);
      expect(body.includes(statements[0]), `${name} with ${count} statements: the first statement is missing`);
      const shortened = /not shown/.test(body);
      const st = stats(samples);
      rows.push([
        name,
        num(count),
        `${mb(sqlBytes)} MiB`,
        `${ms(st.median)} ms`,
        `${spread(st)} (n=${st.n})`,
        `${num(size)} B`,
        `${num(limit)} B`,
        `${((size / limit) * 100).toFixed(1)}%`,
        shortened ? 'yes' : 'no',
      ]);
    }
  }
  table(
    '2. Rendering (plan report, 20 secrets registered): body size must stay ≤ the GitHub limit',
    ['function', 'statements', 'SQL', 'median', 'min–max', 'body', 'limit', 'of limit', 'shortened'],
    rows,
  );
}

function benchRedact(m, secrets) {
  // ~1 MiB of log-like text; every 50th line carries a secret, a URL password, a presigned
  // signature or an access key id (the patterns redact() masks beyond registered secrets).
  const lines = [];
  let size = 0;
  for (let i = 0; size < MiB; i++) {
    let line = `2026-11-26T21:49:25.971Z [INFO] provider.terraform-provider-atlas: step ${i}: planning statement ${i} on "public"."t_${i}" ok`;
    if (i % 50 === 0) {
      const k = (i / 50) % 4;
      const secret = secrets[(i / 50) % secrets.length];
      line +=
        k === 0
          ? ` token=${secret}`
          : k === 1
            ? ` url=postgres://atlas_migrator:${encodeURIComponent(secret)}@db.example:5432/app`
            : k === 2
              ? ` https://db.example/?X-Amz-Signature=abcdef0123456789&X-Amz-Credential=ASIAEXAMPLE`
              : ` key=ASIA${String(i).padStart(16, '0')}`;
    }
    lines.push(line);
    size += line.length + 1;
  }
  const text = lines.join('\n');
  const timed = (fn) => {
    const samples = [];
    let out = '';
    for (let i = 0; i < REDACT_REPS + 2; i++) {
      const r = time(fn);
      if (i >= 2) samples.push(r.ms);
      out = r.value;
    }
    return { st: stats(samples), out };
  };
  // Once over the whole text, and once per line as the action's log calls it.
  const whole = timed(() => m.redact(text));
  const perLine = timed(() => lines.map((l) => m.redact(l)).join('\n'));
  for (const { out } of [whole, perLine]) {
    for (const s of secrets)
      expect(!out.includes(s) && !out.includes(encodeURIComponent(s)), `redact left a registered secret in the text: ${s.slice(0, 6)}…`);
    expect(!/X-Amz-Signature=abc/.test(out) && !/ASIA\d{16}/.test(out), 'redact left a presigned signature or an access key id');
  }
  const row = (calls, { st, out }) => [
    `${mb(Buffer.byteLength(text))} MiB`,
    num(lines.length),
    calls,
    num(out.split('***').length - 1),
    `${ms(st.median)} ms`,
    `${spread(st)} (n=${st.n})`,
    `${(Buffer.byteLength(text) / MiB / (st.median / 1000)).toFixed(0)} MiB/s`,
  ];
  table(
    '3. Redaction: redact() over ~1 MiB of log text, 20 registered secrets (+ their URL-encoded forms)',
    ['text', 'lines', 'calls', 'masked', 'median', 'min–max', 'throughput'],
    [row('1', whole), row('one per line', perLine)],
  );
  benchRedactAfterRegistering(m, lines[1]);
}

/**
 * One log line redacted right after a secret of a real run's size is registered (an OIDC token,
 * a session token, an RDS IAM token: 1-2 KB each, each with its encoded forms): what a run pays
 * each time it learns a secret and logs the next line.
 */
function benchRedactAfterRegistering(m, line) {
  const samples = [];
  for (let i = 0; i < REDACT_REPS + 2; i++) {
    const secret = `IQoJb3JpZ2luX2Vj${randomBytes(900).toString('base64')}`;
    registerQuietly(m, [secret]);
    const r = time(() => m.redact(line));
    if (i >= 2) samples.push(r.ms);
    expect(!m.redact(`${line} ${secret}`).includes(secret.slice(20, 60)), 'redact left a secret registered just before');
  }
  const st = stats(samples);
  console.log(
    `   one line right after registering a 1.2 KB secret (its forms added to the 20): ${ms(st.median)} ms median (${spread(st)}, n=${st.n})`,
  );
}

async function benchEndToEnd() {
  const e2e = await load('test/bench/e2e.ts');
  console.log(`\n4. End to end: starting the stack and running ${E2E_REPS} × (PR plan + merge apply)…`);
  const t = await e2e.runEndToEnd(E2E_REPS, (line) => console.log(line));
  const plan = stats(t.planMs);
  const apply = stats(t.applyMs);
  table(
    `4. End to end: \`node dist/index.js\` on the seed layout (real terraform + PostgreSQL, stand-in Atlas provider), fresh checkout each run; stack start ${(t.stackStartMs / 1000).toFixed(1)} s`,
    ['run', 'what it does', 'median', 'min–max', 'n'],
    [
      [
        'PR plan',
        'roles planned (4 statements); schema skipped: its login role is created by this change',
        `${ms(plan.median)} ms`,
        `${spread(plan)} ms`,
        plan.n,
      ],
      [
        'merge apply',
        'roles then schema: init + plan + apply + verify each (6 statements)',
        `${ms(apply.median)} ms`,
        `${spread(apply)} ms`,
        apply.n,
      ],
    ],
  );
  console.log(`   apply / plan: ${(apply.median / plan.median).toFixed(1)}×`);
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--parse-child') {
    const result = await parseChild(args[1], Number(args[2]), Number(args[3]));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const started = performance.now();
  console.log(
    `rds-atlas-action benchmark — Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${os.platform()} ${os.arch()}, load average ${os.loadavg()[0].toFixed(1)} at start`,
  );
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const e2e = !args.includes('--no-e2e');
  const want = (section) => !only || only.includes(section);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'rds-atlas-bench-'));
  try {
    const m = await load('test/bench/entry.ts');
    if (want('1')) await benchParse(m, tmp);
    const secrets = registerSecrets(m);
    if (want('2')) benchRender(m);
    if (want('3')) benchRedact(m, secrets);
    m.resetSecretsForTest();
    if (want('4') && !e2e) console.log('\n4. End to end: skipped (--no-e2e)');
    else if (want('4')) await benchEndToEnd();
    if (want('5')) {
      const classify = await benchClassify(load, { stats, table, expect, ms, spread, num });
      await benchStartup({ stats, table, expect, ms, spread }, classify);
    }
    if (want('6')) await benchLint({ table, stats, ms, spread, expect });
    if (want('access')) await benchAccess(load, { stats, table, expect, ms, spread });
    if (want('7') && e2e) await benchSideBySide(load, { stats, table, expect, ms, spread });
    if (want('impact') && e2e) await benchImpact(load, { stats, table, expect, ms, spread });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s, load average ${os.loadavg()[0].toFixed(1)} at the end`);
}

main()
  .catch((err) => {
    console.error(err instanceof BenchFailure ? `\nBENCHMARK RESULT WRONG: ${err.message}` : err);
    process.exitCode = 1;
  })
  .finally(closeLoader);
