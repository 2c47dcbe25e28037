#!/usr/bin/env node
// `npm run demo`: the action's whole story on this machine, in one command, with no AWS,
// GitHub or Docker (see demo/story.ts). Not a test: it prints what a team would see and
// writes it to demo-out/, and exits non-zero only when a step does not end as the story says.
//
//   npm run demo                  writes demo-out/ in the repository
//   node demo/run.mjs --out DIR   writes DIR instead
//
// The TypeScript (the story and the e2e harness it reuses) is loaded with Vite's module
// runner, as test/bench/run.mjs does: no build step, and no vitest.
/* global AbortController */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// First, before anything can fail: what is real here and what is not.
console.log(
  'rds-atlas-action demo — the Atlas Terraform provider and the Atlas CLI are stand-ins (test doubles, not Atlas); ' +
    'PostgreSQL is real and local; GitHub, OIDC, STS and Secrets Manager are loopback servers. Nothing touches AWS or GitHub.',
);

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function outDir(args) {
  const i = args.indexOf('--out');
  if (i === -1) return path.join(REPO, 'demo-out');
  const dir = args[i + 1];
  if (!dir) throw new Unmet('--out needs a directory');
  return path.resolve(dir);
}

// Ctrl-C or a CI timeout: stop PostgreSQL and the servers, let the run in flight fail and
// clean up after itself, then exit; a second signal is not needed and not waited for.
const interrupted = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping PostgreSQL and the servers…`);
    interrupted.abort();
  });
}

/** A condition the user can fix: its message says it all, a stack trace would only add noise. */
class Unmet extends Error {
  name = 'Unmet';
}

/** The two programs the harness takes from PATH (README, "Prerequisites"); everything else comes from npm. */
function checkPrerequisites() {
  const missing = [
    ['terraform', ['version']],
    ['openssl', ['version']],
  ].filter(([cmd, args]) => spawnSync(cmd, args, { stdio: 'ignore' }).error);
  if (missing.length > 0) {
    throw new Unmet(
      `${missing.map(([cmd]) => cmd).join(' and ')} not found on PATH: the demo runs the real terraform (1.11) and makes a TLS certificate with openssl.`,
    );
  }
}

async function main() {
  const started = performance.now();
  const out = outDir(process.argv.slice(2));
  checkPrerequisites();
  const { runnerImport } = await import('vite');
  const { module } = await runnerImport(path.join(REPO, 'demo/story.ts'), { root: REPO, configFile: false, logLevel: 'silent' });
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const width = Math.min(process.stdout.columns || 100, 100);
  const steps = await module.runDemo({
    outDir: out,
    terminal: { width, color },
    print: (text) => console.log(text),
    signal: interrupted.signal,
  });
  const held = steps.filter((s) => s.exitCode !== 0);
  console.log('');
  console.log(
    `Done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${steps.length} runs of node dist/index.js over the five steps` +
      (held.length > 0 ? `; ${held.map((s) => s.file).join(', ')} exited non-zero as designed (the gate held the merge).` : '.'),
  );
  const shown = path.relative(process.cwd(), out);
  const dir = shown === '' ? '.' : shown.startsWith('..') ? out : shown;
  console.log(`Each comment as Markdown and as a GitHub-styled page: ${dir}/{${steps.map((s) => s.file).join(',')}}.{md,html}`);
}

main().catch((err) => {
  if (interrupted.signal.aborted) {
    console.error('Interrupted; everything the demo started is stopped.');
    process.exitCode = 130;
    return;
  }
  // The story's own errors (a step that ended otherwise) carry the action's log instead of a stack.
  const known = err instanceof Error && (err.name === 'Unmet' || err.name === 'StoryError');
  console.error(`\nThe demo failed: ${known ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
