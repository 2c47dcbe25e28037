import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/action.js';
import { headings } from '../support/markdown.js';
import { actionNode } from '../support/runtimes.js';

// `npm run demo` as a newcomer runs it: one child process (the demo's entry on the action's
// Node 24, as npm scripts run), its own TMPDIR so what it leaves behind is its alone. One run;
// every assertion reads that run's stdout, files and leftovers.

const STEPS: [file: string, headline: RegExp][] = [
  ['01-bootstrap-pr', /^✅ Plan: 4 statements in roles · schema deferred/],
  ['02-bootstrap-merge', /^✅ Applied and converged — 6 statements in roles and schema$/],
  ['03-follow-up-pr', /^⚠️ Plan: 2 statements in schema · 1 destructive$/],
  ['04a-merge-held', /^❌ Apply held back at schema: destructive SQL without an approval/],
  ['04b-merge-approved', /^✅ Applied and converged — 2 statements in schema · 1 destructive$/],
  ['05-nightly-drift', /^⚠️ Drift: 2 statements in schema · 1 destructive$/],
];

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const invisible = (s: string): string => s.replace(/\u200b|\u200c|\u200d|\u2060/g, '');

/** The headline a reader sees first: the comment's first h3. */
function headline(markdown: string): string {
  return invisible(headings(markdown).find((h) => h.level === 3)?.text ?? '');
}

/** The first h3 of a demo page, as text. */
function pageHeadline(html: string): string {
  const h3 = /<h3>([\s\S]*?)<\/h3>/.exec(html)?.[1] ?? '';
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
  return invisible(h3.replace(/<[^>]+>/g, '').replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => entities[e] ?? ''));
}

/** Processes whose command line or working directory is inside `dir`. */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (args.includes(dir) || cwd.startsWith(dir)) found.push(`${pid}: ${args}`);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

describe('npm run demo', () => {
  let tmp: string;
  let out: string;
  let demo: DemoRun;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'demo-test-'));
    // Run as root, the harness starts PostgreSQL as an unprivileged user, who must reach its data directory in here.
    await chmod(tmp, 0o755);
    out = path.join(tmp, 'demo-out');
    const started = Date.now();
    const child = spawn(actionNode(), [path.join(repoRoot, 'demo/run.mjs'), '--out', out], {
      cwd: repoRoot,
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A demo that hangs is interrupted like Ctrl-C (it then stops everything it started), and
    // killed if even that hangs, so the hook fails on the exit code, before its own timeout.
    const interrupt = setTimeout(() => child.kill('SIGTERM'), 110_000);
    const kill = setTimeout(() => child.kill('SIGKILL'), 130_000);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    }).finally(() => {
      clearTimeout(interrupt);
      clearTimeout(kill);
    });
    demo = { code, stdout, stderr, ms: Date.now() - started };
    console.log(`npm run demo: exit ${code} in ${(demo.ms / 1000).toFixed(1)} s`);
  }, 150_000);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('exits 0, says first that Atlas is a stand-in and nothing touches AWS or GitHub, and tells the five steps', () => {
    expect(demo.code, `${demo.stdout}\n${demo.stderr}`).toBe(0);
    const [first] = demo.stdout.split('\n');
    expect(first).toMatch(/Atlas Terraform provider and the Atlas CLI are stand-ins \(test doubles, not Atlas\)/);
    expect(first).toMatch(/Nothing touches AWS or GitHub\.$/);
    for (const n of [1, 2, 3, 4, 5]) expect(demo.stdout).toContain(`━━ Step ${n}/5 · `);
    expect(demo.stdout).toMatch(/# push to main · exit 1, the failure this step is about/);
    expect(demo.stdout).toMatch(/04a-merge-held exited non-zero as designed/);
    expect(demo.stdout).toContain('Database now: public.validation_probe has 3 rows and no column created_at');
    expect(demo.stdout).toMatch(/opened issue #\d+ “Database drift: octo-org\/octo-repo”/);
  });

  it('writes each step as Markdown and as a self-contained page, and prints the same headline', async () => {
    expect((await readdir(out)).sort()).toEqual(STEPS.flatMap(([f]) => [`${f}.html`, `${f}.md`]).sort());
    for (const [file, expected] of STEPS) {
      const markdown = await readFile(path.join(out, `${file}.md`), 'utf8');
      const line = headline(markdown);
      expect(line, file).toMatch(expected);
      expect(demo.stdout, file).toContain(line);
      const html = await readFile(path.join(out, `${file}.html`), 'utf8');
      expect(pageHeadline(html), file).toBe(line);
      // Self-contained: nothing to fetch, no script.
      expect(html, file).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
      expect(html, file).not.toMatch(/<script|<link|\bsrc=|@import/i);
    }
    const drift = await readFile(path.join(out, '05-nightly-drift.md'), 'utf8');
    expect(drift).toContain('ALTER TABLE "public"."audit_log" DROP COLUMN "hotfix_note";');
    expect(drift).toContain('GRANT SELECT ON TABLE "public"."validation_probe" TO "app_reader";');
  });

  it('shows the comments as text: no Markdown or HTML syntax on screen, the hidden record not at all', () => {
    const screen = demo.stdout;
    expect(screen).not.toMatch(/^#{1,6} /m);
    expect(screen).not.toContain('```');
    expect(screen).not.toContain('**');
    expect(screen).not.toMatch(/\| ?-{3,}/);
    expect(screen).not.toMatch(/<\/?(details|summary|sub|br)\b/);
    expect(screen).not.toMatch(/&(amp|lt|gt|quot);/);
    expect(screen).not.toMatch(/\]\(https?:/);
    expect(screen).not.toContain('rds-atlas-action:data');
    expect(screen).not.toContain('<!--');
    // NO_COLOR: no ANSI escapes either.
    expect(screen).not.toContain('\x1b[');
  });

  it('leaves no process and no temporary file behind', () => {
    expect(processesUnder(tmp)).toEqual([]);
    // Node's compile cache is a cache, not a leftover; everything else the demo made is gone.
    const left = readdirSync(tmp).filter((name) => name !== 'demo-out' && name !== 'node-compile-cache');
    expect(left).toEqual([]);
  });
});
