#!/usr/bin/env node
// Reads back what test/bench/profile-hook.mjs wrote for bench section 7 run with
// RDS_ATLAS_BENCH_PROFILE=<dir>, and prints per action run where its CPU and its wall time
// outside Terraform went:
//
//   node test/bench/profile-report.mjs <dir> [--top=25]
//
// - per phase (the log group in progress, or the last line printed outside a group): CPU of the
//   whole process, of its main thread, of V8's worker threads (background compilation, GC
//   helpers), and the wall time during which no terraform process was running;
// - per thread at exit, garbage collection per kind;
// - the main thread's CPU profile: the samples (1 ms each) by source file and by function,
//   mapped back to src/ through dist's source maps. Samples are counted, not weighted by their
//   time deltas: on a loaded machine one delta can span the time the thread waited for a core.
import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = process.argv[2];
const TOP = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
if (!dir) throw new Error('usage: profile-report.mjs <dir> [--top=25]');

const f0 = (x) => x.toFixed(0);
const table = (head, rows) => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => (i ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join(' | ')} |`;
  console.log([line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
};

/** Terraform's intervals (epoch ms) from the timing shim's logs kept beside the profiles. */
function terraformIntervals() {
  const out = [];
  for (const f of readdirSync(dir).filter((n) => n.startsWith('terraform-'))) {
    const lines = readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean);
    for (let i = 0; i + 2 < lines.length; i += 3) {
      const [s, e] = lines[i].split(' ');
      out.push([Number(s) / 1e6, Number(e) / 1e6]);
    }
  }
  return out;
}

/** Milliseconds of [a, b] not covered by any interval. */
function uncovered(a, b, intervals) {
  let free = b - a;
  let end = a;
  for (const [s, e] of intervals.filter(([s, e]) => e > a && s < b).sort((x, y) => x[0] - y[0])) {
    const from = Math.max(s, end);
    const to = Math.min(e, b);
    if (to > from) free -= to - from;
    end = Math.max(end, to);
  }
  return free;
}

const workers = (threads) => Object.entries(threads ?? {}).reduce((n, [k, v]) => (k === 'MainThread' ? n : n + v), 0);

/** The phase a log line opens: a group's title, or the line itself outside a group. */
function phases(timeline, intervals) {
  const rows = new Map();
  let group;
  let prev = { t: 0, cpu: 0, main: 0, workers: 0 };
  let label = 'start: Node, bundle, inputs';
  const add = (name, next) => {
    const r = rows.get(name) ?? { cpu: 0, main: 0, workers: 0, free: 0 };
    r.cpu += next.cpu - prev.cpu;
    r.main += next.main - prev.main;
    r.workers += next.workers - prev.workers;
    r.free += uncovered(timeline.timeOrigin + prev.t, timeline.timeOrigin + next.t, intervals);
    rows.set(name, r);
  };
  for (const [t, cpu, text, threads] of timeline.lines) {
    const next = { t, cpu, main: threads?.MainThread ?? 0, workers: workers(threads) };
    add(group ?? label, next);
    prev = next;
    const line = text.split('\n')[0];
    if (line.startsWith('::group::'))
      group = line
        .slice(9)
        .replace(/^(roles|schema): /, '')
        .replace(/ \(.*$/, '');
    else if (line.startsWith('::endgroup::')) group = undefined;
    if (!group && !line.startsWith('::')) label = `after "${line.slice(0, 40)}"`;
    else if (line.startsWith('::endgroup::')) label = 'after a group';
  }
  // At exit only the process's total is comparable (threads read then may already be gone).
  add('exit', { ...prev, t: timeline.end, cpu: timeline.cpuMs });
  return rows;
}

const maps = new Map();
function source(frame) {
  const m = /[\\/]dist[\\/](.+\.js)$/.exec(frame.url);
  if (!m) return frame.url ? frame.url.replace(/^.*node_modules[\\/]/, '') : `(${frame.functionName || 'native'})`;
  if (!maps.has(m[1])) {
    try {
      maps.set(m[1], new SourceMap(JSON.parse(readFileSync(path.join(REPO, 'dist', `${m[1]}.map`), 'utf8'))));
    } catch {
      maps.set(m[1], undefined);
    }
  }
  const entry = maps.get(m[1])?.findEntry(frame.lineNumber, frame.columnNumber);
  const original = entry && 'originalSource' in entry ? entry.originalSource : m[1];
  return original
    .replace(/^.*node_modules[\\/]/, '')
    .replace(/^.*?\bsrc\//, 'src/')
    .replace(/^webpack:\/\/[^/]*\//, '');
}

function profileTops(file) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of prof.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const byFile = new Map();
  const byFn = new Map();
  let busy = 0;
  for (const [id, n] of counts) {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === '(idle)') continue;
    busy += n;
    const src = source(frame);
    byFile.set(src, (byFile.get(src) ?? 0) + n);
    const fn = `${frame.functionName || '(anonymous)'}  ${src}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + n);
  }
  const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  return { busy, byFile: top(byFile), byFn: top(byFn) };
}

const intervals = terraformIntervals();
for (const name of readdirSync(dir)
  .filter((n) => n.endsWith('.json'))
  .sort()) {
  const timeline = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
  const mode = timeline.lines.map((l) => /^Mode: (\w+)/.exec(l[2])?.[1]).find(Boolean) ?? '?';
  const runStart = timeline.timeOrigin;
  const tf = intervals.filter(([s, e]) => e > runStart && s < runStart + timeline.end);
  console.log(
    `\n## ${name} — mode ${mode}: wall ${f0(timeline.end)} ms, ${tf.length} terraform calls, outside terraform ${f0(uncovered(runStart, runStart + timeline.end, tf))} ms (from process start)`,
  );
  console.log(
    `CPU ${f0(timeline.cpuMs)} ms (user ${f0(timeline.userMs)}, system ${f0(timeline.systemMs)}), max RSS ${f0(timeline.maxRssKiB / 1024)} MiB; threads: ${Object.entries(
      timeline.threads,
    )
      .map(([k, v]) => `${k} ${f0(v)}`)
      .join(', ')}; GC: ${Object.entries(timeline.gc)
      .map(([k, v]) => `${k} ${v.count}× ${f0(v.ms)} ms`)
      .join(', ')}`,
  );
  if (timeline.gcs?.length)
    console.log(`GC at (ms from start): ${timeline.gcs.map(([t, d, kind]) => `${f0(t)} ${kind} ${f0(d)} ms`).join(', ')}`);
  const rows = [...phases(timeline, tf)].map(([phase, r]) => [phase, f0(r.cpu), f0(r.main), f0(r.workers), f0(r.free)]);
  table(['phase', 'CPU ms', 'main thread', 'V8 workers', 'wall outside terraform'], rows);
  const prof = name.replace(/\.json$/, '.cpuprofile');
  if (!readdirSync(dir).includes(prof)) continue;
  const tops = profileTops(path.join(dir, prof));
  console.log(`\nmain thread profile: ${tops.busy} busy samples (≈ ms)`);
  table(['source', 'samples'], tops.byFile);
  table(['function', 'samples'], tops.byFn);
}
