// Test helper: puts the stand-in Atlas CLI (a test double, not Atlas — see
// test/support/atlas-cli/ and test/support/atlas-provider/README.md) on PATH and logs it in,
// as ariga/setup-atlas with `cloud-token` does on a runner.
import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// Imported up front: the demo loads these helpers through a one-shot module runner, closed
// before the stack starts, so a lazy import() here would fail there.
import { writeLogin } from './atlas-cli/login-state.mjs';
import { DEFAULT_VERSION, versionText } from './atlas-cli/version.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The stand-in CLI's entry point, run by the `atlas` shim with this process's node. */
export const ATLAS_CLI_ENTRY = resolve(here, 'atlas-cli', 'atlas.mjs');

/** What the harness logs in with; the stand-in accepts any non-empty token. */
export const TEST_CLOUD_TOKEN = 'aci_stand-in-cloud-token';

/** Writes `<binDir>/atlas`, a shell shim that runs the stand-in CLI, and returns its path. */
export async function installAtlasCli(binDir: string): Promise<string> {
  await mkdir(binDir, { recursive: true });
  const shim = join(binDir, 'atlas');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  await writeFile(
    shim,
    [
      '#!/bin/sh',
      '# Stand-in Atlas CLI: a test double, not Atlas (test/support/atlas-provider/README.md).',
      // The provider asks `atlas version` at every start (several per terraform command); the
      // default answer, the CLI's own text, comes from here without starting node (~0.1 s of CPU).
      'if [ "$1" = version ] && [ -z "${ATLAS_STANDIN_CLI_VERSION:-}" ]; then',
      `  printf '%s' ${quote(versionText(DEFAULT_VERSION))}`,
      '  exit 0',
      'fi',
      `exec ${quote(process.execPath)} ${quote(ATLAS_CLI_ENTRY)} "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(shim, 0o755);
  return shim;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `atlas ...args` found on env.PATH with env.HOME, like a workflow step would. */
export function runAtlasCli(args: string[], env: { HOME: string; PATH: string } & Record<string, string>): Promise<CliRun> {
  return new Promise((resolvePromise) => {
    execFile('atlas', args, { env: { ...env }, timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** `atlas login --token` for env.HOME; throws when the CLI is not on env.PATH or refuses. */
export async function atlasLogin(env: { HOME: string; PATH: string } & Record<string, string>): Promise<void> {
  const run = await runAtlasCli(['login', '--token', TEST_CLOUD_TOKEN], env);
  if (run.code !== 0) throw new Error(`atlas login failed (${run.code}): ${run.stderr.trim()}`);
}

/**
 * What `atlas login --token` leaves in `home`, written without starting the CLI: the stand-in's
 * own login record (login-state.mjs), so the state is the one the CLI writes. Every action run
 * of the stack needs it; a Node process for each was CPU the suite spent on setup. The CLI's
 * own login, whoami and logout are tested in test/harness/atlas-provider-cli.test.ts.
 */
export function atlasLoginState(home: string): void {
  writeLogin(TEST_CLOUD_TOKEN, { HOME: home });
}
