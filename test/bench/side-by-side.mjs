// Side by side: the action against the seed guide's manual flow, on the same stack, in one run.
//
// The seed's pull request after its bootstrap (a new role in the roles HCL, a new table in the
// schema HCL, so both roots plan SQL) and its merge, each run two ways, interleaved:
//   - the action: `node dist/index.js` started as the runner starts it (stack.runPullRequest /
//     runPush), which plans both roots side by side and applies roles → schema;
//   - a bash script running the same terraform commands one after another, as a person does by
//     hand: per root `init`, `plan` (PR), or `init`, `plan -out`, `apply <planfile>`, `plan` (merge),
//     with the same environment (profile files from STS credentials, TF_VAR_*, the stand-in
//     provider and CLI, the remote state backend, a fresh checkout each run);
//   - for the PR plan also the same commands with both roots at once (two background jobs): the
//     floor for any tool that plans the roots side by side, printed beside the goals.
// The stand-in provider spends ATLAS_STANDIN_INSPECT_DELAY_MS (default 1,500 ms, an Atlas-like
// inspection of a small RDS database) in every Atlas command, so a plan of an existing
// resource costs two inspections (refresh + dry run) and an apply one more, as with Atlas.
//
// The action's overhead is its wall time minus the time during which at least one of its
// terraform processes was running (the union of their intervals: in plan mode two run at
// once). The intervals come from a timing shim put first on PATH as `terraform` for both
// sides: a shell script that records start and end (date +%s%N) around the real binary. The
// action takes it for the binary (a script without a `terraform-bin` beside it is not the
// setup-terraform wrapper); the shim's own cost (one `date` fork, ~1–2 ms a call) counts as
// terraform time on both sides.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// RDS_ATLAS_BENCH_SIDE_REPS lowers it when a loaded machine leaves no time for five rounds.
const REPS = Number(process.env.RDS_ATLAS_BENCH_SIDE_REPS) || 5;
const DEFAULT_DELAY_MS = 1500;
const GOALS = { plan: 0.6, apply: 1.0, overheadMs: { plan: 300, apply: 400 } };
// A round (the action and the script once each) is run again when the 1-minute load average
// moved by more than LOAD_MOVE or LOAD_MOVE_SHARE of its start value (whichever is larger)
// between its start and its end: the two sides of the pair then ran on different machines. At most LOAD_RETRIES repeats, then the last
// try is kept and marked, so a busy machine cannot stall the benchmark.
const LOAD_MOVE = 0.75;
const LOAD_MOVE_SHARE = 0.25;
const LOAD_RETRIES = 2;
const ROLES_FILE = 'hcl/roles/roles.pg.hcl';
const FILES = [ROLES_FILE, 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl', 'hcl/schema/audit.pg.hcl'];
const NEW_ROLE = {
  sql: 'CREATE ROLE "app_writer" WITH LOGIN;',
  when: ['user "app_writer"'],
  present: "SELECT 1 FROM pg_roles WHERE rolname = 'app_writer'",
};

const PLAN_SCRIPT = `set -euo pipefail
for root in roles schema; do
  terraform -chdir=terraform/$root init -input=false
  terraform -chdir=terraform/$root plan -input=false
done
`;
// The same commands with both roots at once, as a person could type them (two background jobs):
// not the goal's yardstick (the guide runs them in sequence), but the floor for any tool that
// plans the roots side by side on this machine; the action's distance from it is its cost.
const PLAN_PARALLEL_SCRIPT = `set -uo pipefail
both() { terraform -chdir=terraform/$1 init -input=false && terraform -chdir=terraform/$1 plan -input=false; }
both roles > roles.out 2>&1 & r=$!
both schema > schema.out 2>&1 & s=$!
wait $r; a=$?
wait $s; b=$?
cat roles.out schema.out
exit $(( a || b ))
`;
const APPLY_SCRIPT = `set -euo pipefail
for root in roles schema; do
  terraform -chdir=terraform/$root init -input=false
  terraform -chdir=terraform/$root plan -input=false -out=tfplan
  terraform -chdir=terraform/$root apply -input=false tfplan
  terraform -chdir=terraform/$root plan -input=false
done
`;

/** Total length of the union of [start, end] intervals. */
function covered(intervals) {
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (s > end) {
      total += e - s;
      end = e;
    } else if (e > end) {
      total += e - end;
      end = e;
    }
  }
  return total;
}

/** The terraform a runner would find first on PATH (the shim goes in front of it). */
async function realTerraform() {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, 'terraform');
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  throw new Error('side by side: terraform is not on PATH');
}

const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The timing shim: `<dir>/terraform`, recording "startNs endNs exitCode" per call in `log`. */
async function installShim(dir, log) {
  const real = await realTerraform();
  const shim = path.join(dir, 'terraform');
  await writeFile(
    shim,
    [
      '#!/bin/sh',
      '# Benchmark timing shim (test/bench/side-by-side.mjs): runs the real terraform, records its interval.',
      's=$(date +%s%N)',
      `${quote(real)} "$@"`,
      'c=$?',
      `echo "$s $(date +%s%N) $c" >> ${quote(log)}`,
      // `times` (POSIX special builtin), in this shell (not in a subshell or pipe, which has no
      // children): its second line is the CPU time of this terraform and the providers it reaped.
      `times >> ${quote(log)}`,
      'exit $c',
      '',
    ].join('\n'),
  );
  await chmod(shim, 0o755);
}

async function takeIntervals(log) {
  const text = await readFile(log, 'utf8').catch(() => '');
  await writeFile(log, '');
  // Per call: "startNs endNs exitCode", then the two lines of `times` (shell, children).
  const lines = text.split('\n').filter(Boolean);
  const calls = [];
  for (let i = 0; i + 2 < lines.length; i += 3) {
    const [s, e] = lines[i].split(' ');
    const [user, sys] = lines[i + 2].split(' ');
    calls.push({ interval: [Number(s) / 1e6, Number(e) / 1e6], cpu: shellSeconds(user) + shellSeconds(sys) });
  }
  return calls;
}

/** `times` prints e.g. `0m1.234s` (dash, bash); milliseconds. */
function shellSeconds(text) {
  const m = /^(\d+)m([\d.]+)s$/.exec(text ?? '');
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : 0;
}

/** Terraform's share of a run: covered wall time and total CPU time of its processes. */
async function terraformShare(log) {
  const calls = await takeIntervals(log);
  return { terraform: covered(calls.map((c) => c.interval)), terraformCpu: calls.reduce((n, c) => n + c.cpu, 0) };
}

// Loaded into every node process of a run via NODE_OPTIONS (on both sides, for equal cost):
// the action's own process (dist/index.js) writes its resource usage at exit; the stand-in
// provider's node processes write nothing.
const CPU_PRELOAD = `import { writeFileSync } from 'node:fs';
if (/dist[\\\\/]index\\.js$/.test(process.argv[1] ?? '')) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(process.env.RDS_ATLAS_BENCH_CPU_FILE, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }));
  });
  if (process.env.RDS_ATLAS_BENCH_PROFILE) await import(process.env.RDS_ATLAS_BENCH_PROFILE_HOOK);
}
`;

async function takeActionCpu(file) {
  const text = await readFile(file, 'utf8').catch(() => '');
  await rm(file, { force: true });
  return text ? JSON.parse(text).cpuMs : NaN;
}

const load1 = () => os.loadavg()[0];

function runScript(script, cwd, env) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, ms: performance.now() - started }));
  });
}

export async function benchSideBySide(load, { stats, table, expect, ms, spread }) {
  const previousDelay = process.env.ATLAS_STANDIN_INSPECT_DELAY_MS;
  const delay = previousDelay || String(DEFAULT_DELAY_MS);
  // prepareTerraform passes it on to the provider of every run, the action's and the script's.
  process.env.ATLAS_STANDIN_INSPECT_DELAY_MS = delay;
  // RDS_ATLAS_BENCH_API_LATENCY_MS: the loopback GitHub API, OIDC issuer and STS answer that much
  // later (test/support/http.ts), as from a hosted runner; not set, they answer at once.
  const apiLatency = Number(process.env.RDS_ATLAS_BENCH_API_LATENCY_MS ?? 0);
  const latency = apiLatency > 0 ? `; GitHub, OIDC and STS answer after ${apiLatency} ms` : '';
  console.log(
    `\n7. Side by side: the action vs the same terraform commands in sequence, ${REPS} × each, interleaved (inspection ${delay} ms${latency})…`,
  );
  const { startStack, freshCheckout, sha, DEFAULT_BRANCH, REGION, MASTER_SECRET_NAME } = await load('test/support/stack.ts');
  const { atlasLogin } = await load('test/support/setup-atlas.ts');
  const { AUDIT_HCL, AUDIT_SQL } = await load('test/support/seed-sql.ts');
  const { loadSeedScenario } = await load('test/support/terraform.ts');

  const seed = await loadSeedScenario();
  const scenario = { ...seed, envs: { ...seed.envs, roles: { statements: [...seed.envs.roles.statements, NEW_ROLE] } } };
  const stack = await startStack({ scenario });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'side-by-side-'));
  try {
    const shimDir = path.join(tmp, 'bin');
    const timings = path.join(tmp, 'terraform-times');
    await mkdir(shimDir);
    await installShim(shimDir, timings);
    const PATH = `${shimDir}${path.delimiter}${stack.tf.env.PATH}`;
    const preload = path.join(tmp, 'cpu-preload.mjs');
    const cpuFile = path.join(tmp, 'action-cpu.json');
    await writeFile(preload, CPU_PRELOAD);
    const nodeEnv = { NODE_OPTIONS: `--import=${preload}`, RDS_ATLAS_BENCH_CPU_FILE: cpuFile };
    // RDS_ATLAS_BENCH_PROFILE=<dir>: a CPU profile and timeline of each action run, with its
    // terraform intervals (test/bench/profile-hook.mjs; read back by profile-report.mjs).
    const profileDir = process.env.RDS_ATLAS_BENCH_PROFILE ? path.resolve(process.env.RDS_ATLAS_BENCH_PROFILE) : undefined;
    if (profileDir) {
      await mkdir(profileDir, { recursive: true });
      Object.assign(nodeEnv, {
        RDS_ATLAS_BENCH_PROFILE: profileDir,
        RDS_ATLAS_BENCH_PROFILE_HOOK: pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'profile-hook.mjs')).href,
      });
    }
    const extra = { env: { PATH, ...nodeEnv } };

    // The bootstrap, applied once (not measured).
    stack.github.addCompare(sha('1'), sha('2'), FILES.slice(0, 3));
    const bootstrap = await stack.runPush({ before: sha('1'), after: sha('2'), ref: `refs/heads/${DEFAULT_BRANCH}` }, extra);
    expect(
      bootstrap.exitCode === 0 && bootstrap.outputs['converged'] === 'true',
      `side by side: the bootstrap apply failed\n${bootstrap.stdout.slice(-3000)}`,
    );
    await takeIntervals(timings);

    // The pull request: a new role and a new table.
    const rolesHcl = path.join(stack.workspace, ROLES_FILE);
    await writeFile(rolesHcl, `${await readFile(rolesHcl, 'utf8')}\nuser "app_writer" {}\n`);
    await writeFile(path.join(stack.workspace, 'hcl/schema/audit.pg.hcl'), AUDIT_HCL);
    const pr = { number: 50, headSha: sha('3'), baseSha: sha('2') };
    stack.github.addPull({ ...pr, files: FILES, mergeCommitSha: sha('4'), merged: true });
    stack.github.addCompare(sha('2'), sha('4'), FILES);
    const push = { before: sha('2'), after: sha('4'), ref: `refs/heads/${DEFAULT_BRANCH}` };

    // The person running the script: the seed's profile (credentials STS issued), a logged-in
    // Atlas CLI, the same TF_VAR_* and state backend.
    const home = path.join(tmp, 'home');
    await mkdir(home);
    await atlasLogin({ HOME: home, PATH: stack.tf.env.PATH });
    const creds = stack.aws.sts.issued.at(-1);
    const aws = path.join(tmp, 'aws');
    await mkdir(aws, { mode: 0o700 });
    await writeFile(path.join(aws, 'config'), `[profile tf-sandbox]\nregion = ${REGION}\n`, { mode: 0o600 });
    await writeFile(
      path.join(aws, 'credentials'),
      `[tf-sandbox]\naws_access_key_id = ${creds.accessKeyId}\naws_secret_access_key = ${creds.secretAccessKey}\naws_session_token = ${creds.sessionToken}\n`,
      { mode: 0o600 },
    );
    const scriptEnv = {
      ...stack.tf.env,
      ...stack.secrets.env(),
      ...stack.stepEnv(),
      PATH,
      HOME: home,
      AWS_CONFIG_FILE: path.join(aws, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(aws, 'credentials'),
      PG_CONN_STR: stack.pg.url(stack.pg.masterUser, stack.pg.masterPassword, 'tfstate'),
      ...nodeEnv,
    };
    expect(scriptEnv.TF_VAR_master_secret_name === MASTER_SECRET_NAME, 'side by side: the script must read the same master secret');

    const script = async (text, what) => {
      const dir = await freshCheckout(stack.workspace);
      try {
        const r = await runScript(text, dir, scriptEnv);
        const ok = r.code === 0 && r.out.includes('app_writer') && r.out.includes('"audit_log"');
        expect(ok, `side by side: the ${what} script failed (${r.code})\n${r.out.slice(-3000)}`);
        return { wall: r.ms, cpu: NaN, ...(await terraformShare(timings)) };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    };
    const action = async (start, what, check) => {
      const run = await start();
      expect(run.exitCode === 0 && check(run), `side by side: the action's ${what} failed\n${run.stdout.slice(-3000)}`);
      if (profileDir) {
        const calls = await readFile(timings, 'utf8').catch(() => '');
        await writeFile(path.join(profileDir, `terraform-${Date.now()}.txt`), calls);
      }
      return { wall: run.durationMs, cpu: await takeActionCpu(cpuFile), ...(await terraformShare(timings)) };
    };
    const planned = (run) => run.outputs['roles-sql'] === NEW_ROLE.sql && run.outputs['schema-sql'] === AUDIT_SQL;
    const applied = (run) => planned(run) && run.outputs['converged'] === 'true';
    const reset = async () => {
      // Back to the bootstrapped database (as the superuser: the table belongs to atlas_migrator).
      await stack.pg.adminQuery('DROP TABLE IF EXISTS public.audit_log');
      await stack.pg.adminQuery('DROP ROLE IF EXISTS app_writer');
    };

    const samples = { actionPlan: [], scriptPlan: [], parallelPlan: [], actionApply: [], scriptApply: [] };
    const loads = [];
    /** One round: every side once, alternating the order; repeated when the load moved. */
    const round = async (name, i, sides, after) => {
      for (let attempt = 0; ; attempt++) {
        const before = load1();
        const got = [];
        for (const side of i % 2 ? [...sides].reverse() : sides) {
          got[sides.indexOf(side)] = await side.run();
          await after();
        }
        const end = load1();
        const moved = Math.abs(end - before) > Math.max(LOAD_MOVE, LOAD_MOVE_SHARE * before);
        const kept = !moved || attempt === LOAD_RETRIES;
        console.log(
          `  ${name} ${i + 1}/${REPS}${attempt ? ` (try ${attempt + 1})` : ''}: load ${before.toFixed(2)} → ${end.toFixed(2)}; action ${ms(got[0].wall)} ms (CPU ${ms(got[0].cpu)} ms), script ${ms(got[1].wall)} ms${got[2] ? `, both roots at once by hand ${ms(got[2].wall)} ms` : ''}${moved ? (kept ? '; load moved, kept after retries' : '; load moved, repeating') : ''}`,
        );
        if (!kept) continue;
        loads.push(before, end);
        sides.forEach((side, k) => side.samples.push(got[k]));
        return;
      }
    };
    const none = async () => undefined;
    for (let i = 0; i < REPS; i++) {
      await round(
        'plan',
        i,
        [
          { samples: samples.actionPlan, run: () => action(() => stack.runPullRequest(pr, extra), 'plan', planned) },
          { samples: samples.scriptPlan, run: () => script(PLAN_SCRIPT, 'plan') },
          { samples: samples.parallelPlan, run: () => script(PLAN_PARALLEL_SCRIPT, 'both-at-once plan') },
        ],
        none,
      );
    }
    for (let i = 0; i < REPS; i++) {
      await round(
        'apply',
        i,
        [
          { samples: samples.actionApply, run: () => action(() => stack.runPush(push, extra), 'apply', applied) },
          { samples: samples.scriptApply, run: () => script(APPLY_SCRIPT, 'apply') },
        ],
        reset,
      );
    }

    const wall = (xs) => stats(xs.map((x) => x.wall));
    const overhead = (xs) => stats(xs.map((x) => x.wall - x.terraform));
    const cpu = (xs) => stats(xs.map((x) => x.cpu));
    const tfCpu = (xs) => stats(xs.map((x) => x.terraformCpu));
    const rows = [];
    const results = {};
    for (const [name, act, scr, goal, overheadGoal] of [
      ['PR plan, both roots', samples.actionPlan, samples.scriptPlan, GOALS.plan, GOALS.overheadMs.plan],
      ['merge apply, roles → schema', samples.actionApply, samples.scriptApply, GOALS.apply, GOALS.overheadMs.apply],
    ]) {
      const [wa, ws, oa, os_] = [wall(act), wall(scr), overhead(act), overhead(scr)];
      const ratio = wa.median / ws.median;
      const paired = stats(act.map((a, k) => a.wall / scr[k].wall));
      results[name] = { ratio, overhead: oa.median, cpu: cpu(act).median };
      rows.push([
        name,
        `${ms(wa.median)} ms (${spread(wa)})`,
        `${ms(ws.median)} ms (${spread(ws)})`,
        `${ratio.toFixed(2)}× (paired ${paired.median.toFixed(2)}×; goal ≤ ${goal}×) ${ratio <= goal ? 'met' : 'MISSED'}`,
        `${ms(oa.median)} ms (${spread(oa)}) ${oa.median <= overheadGoal ? 'met' : 'MISSED'} (goal ≤ ${overheadGoal})`,
        `${ms(cpu(act).median)} ms (${spread(cpu(act))})`,
        `${ms(tfCpu(act).median)} / ${ms(tfCpu(scr).median)} ms`,
        `${ms(os_.median)} ms`,
      ]);
    }
    const l = stats(loads);
    table(
      `7. Side by side (n=${REPS} each, interleaved; Atlas inspection ${delay} ms${latency}; 1-min load ${l.min.toFixed(2)}–${l.max.toFixed(2)}, median ${l.median.toFixed(2)}): \`node dist/index.js\` vs a bash script of the same terraform commands in sequence`,
      [
        'run',
        'action median (min–max)',
        'script median (min–max)',
        'action / script',
        'action overhead',
        'action CPU (its node process)',
        'terraform CPU action / script',
        'script overhead',
      ],
      rows,
    );
    console.log(
      `   rounds are repeated (≤ ${LOAD_RETRIES}×) when the 1-minute load average moved by > max(${LOAD_MOVE}, ${LOAD_MOVE_SHARE * 100}% of its start) between a round's start and end`,
    );
    console.log('   overhead = wall time − time with at least one terraform process running (timing shim on PATH)');
    const [wp, wa, ws] = [wall(samples.parallelPlan), wall(samples.actionPlan), wall(samples.scriptPlan)];
    console.log(
      `   PR plan with both roots at once by hand (two background \`init && plan\` jobs): ${ms(wp.median)} ms (${spread(wp)}), ${(wp.median / ws.median).toFixed(2)}× the script; the action takes ${ms(wa.median - wp.median)} ms more (${(wa.median / wp.median).toFixed(2)}×)`,
    );
    return results;
  } finally {
    await stack.stop();
    await rm(tmp, { recursive: true, force: true });
    if (previousDelay === undefined) delete process.env.ATLAS_STANDIN_INSPECT_DELAY_MS;
    else process.env.ATLAS_STANDIN_INSPECT_DELAY_MS = previousDelay;
  }
}
