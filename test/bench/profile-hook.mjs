// Where the action's CPU goes (bench section 7 with RDS_ATLAS_BENCH_PROFILE=<dir>): imported by
// the bench's preload into the action's own process (dist/index.js) only, never into the
// stand-in provider or CLI. It writes, per run, into <dir>:
//   <stamp>.cpuprofile   the main thread's CPU profile (V8's sampling profiler, 1 ms)
//   <stamp>.json         a timeline: the process's CPU time every 10 ms; at every stdout write
//                        the log line's first characters with the CPU time so far, of the
//                        process and of each thread (from /proc: V8's background compilers
//                        and GC helpers are not in the main thread's profile); each garbage
//                        collection (start, duration, kind, flags) and their sums per kind.
// test/bench/profile-report.mjs reads them back into one table. The profiler adds some CPU of
// its own, so the totals of a profiled run are a little higher than of a plain one.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import * as path from 'node:path';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';

const dir = process.env.RDS_ATLAS_BENCH_PROFILE;
const stamp = `${Date.now()}-${process.pid}`;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');

const samples = [];
const tick = setInterval(() => samples.push([performance.now(), cpuMs()]), 10);
tick.unref();

const lines = [];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  lines.push([performance.now(), cpuMs(), String(chunk).slice(0, 100), threads()]);
  return write(chunk, ...rest);
};

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
const gc = {};
const gcs = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = GC_KINDS[e.detail?.kind] ?? 'other';
    gc[kind] = { count: (gc[kind]?.count ?? 0) + 1, ms: (gc[kind]?.ms ?? 0) + e.duration };
    gcs.push([e.startTime, e.duration, kind, e.detail?.flags ?? 0]);
  }
}).observe({ entryTypes: ['gc'] });

/** CPU time per thread (ns of run time from schedstat), by the thread's name. */
function threads() {
  const out = {};
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      out[name] = (out[name] ?? 0) + ns / 1e6;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

process.on('exit', () => {
  const end = performance.now();
  const u = process.resourceUsage();
  // A session on the process's own thread answers synchronously, so this works in 'exit'.
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(path.join(dir, `${stamp}.cpuprofile`), JSON.stringify(result.profile));
  });
  const timeline = {
    argv: process.argv.slice(2),
    timeOrigin: performance.timeOrigin,
    // The monotonic clock (ms) at performance.now() = 0: the CPU profile's timestamps are on it.
    monotonicOriginMs: Number(process.hrtime.bigint()) / 1e6 - performance.now(),
    end,
    cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
    userMs: u.userCPUTime / 1000,
    systemMs: u.systemCPUTime / 1000,
    maxRssKiB: u.maxRSS,
    threads: threads(),
    gc,
    gcs,
    samples,
    lines,
  };
  writeFileSync(path.join(dir, `${stamp}.json`), JSON.stringify(timeline));
});
