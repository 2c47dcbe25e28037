// ConfigureProvider's check for the Atlas CLI, as the real provider does it through
// atlasexec (a test double, see README.md): look `atlas` (or binary_path) up on PATH like
// Go's exec.LookPath, run `atlas version`, and parse its first line.
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * @typedef {{ severity: 'ERROR', summary: string, detail: string }} ErrorDiagnostic
 * @typedef {{ ok: true, path: string, version: string } | { ok: false, diagnostic: ErrorDiagnostic }} CliCheck
 */

/**
 * Go's exec.LookPath: a name with a slash is used as is, otherwise the first executable
 * regular file of that name in PATH (an empty entry means the current directory).
 * @param {string} name
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ path: string } | { error: string }}
 */
export function lookPath(name, env = process.env) {
  const executable = (/** @type {string} */ p) => {
    try {
      if (!statSync(p).isFile()) return false;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) {
    return executable(name) ? { path: name } : { error: `exec: ${JSON.stringify(name)}: stat ${name}: no such file or directory` };
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir || '.', name);
    if (executable(candidate)) return { path: candidate };
  }
  return { error: `exec: ${JSON.stringify(name)}: executable file not found in $PATH` };
}

/**
 * What ConfigureProvider does before anything else: find the CLI and ask its version.
 * @param {string} binaryPath the provider's binary_path, or '' for "atlas"
 * @param {string} providerVersion e.g. "0.10.3" (for ATLAS_INTEGRATION, as the provider sets it)
 * @returns {Promise<CliCheck>}
 */
export async function checkAtlasCli(binaryPath, providerVersion) {
  const found = lookPath(binaryPath || 'atlas');
  if ('error' in found) {
    return {
      ok: false,
      diagnostic: { severity: 'ERROR', summary: 'Failed to create client', detail: `looking up atlas-cli: ${found.error}` },
    };
  }
  const versionFailure = (/** @type {string} */ detail) => ({
    ok: /** @type {const} */ (false),
    diagnostic: /** @type {ErrorDiagnostic} */ ({ severity: 'ERROR', summary: 'Check atlas version failure', detail }),
  });
  const env = {
    ...process.env,
    ATLAS_INTEGRATION: `terraform-provider-atlas/v${providerVersion}`,
    ATLAS_NO_UPDATE_NOTIFIER: '1',
    ATLAS_NO_UPGRADE_SUGGESTIONS: '1',
  };
  const run = await new Promise((resolve) => {
    execFile(found.path, ['version'], { env, timeout: 10_000 }, (err, stdout, stderr) => resolve({ err, stdout, stderr }));
  });
  const { err, stdout, stderr } = /** @type {{ err: Error | null, stdout: string, stderr: string }} */ (run);
  if (err) {
    // atlasexec's Error: the trimmed stderr, else the trimmed stdout; its login check first.
    const text = stderr.trim() || stdout.trim();
    return versionFailure(text === "Error: command requires 'atlas login'" ? "command requires 'atlas login'" : text);
  }
  const m = /^atlas version v(\d+\.\d+.\d+)-?([a-z0-9]*)?/.exec(stdout);
  if (!m) return versionFailure('unexpected output format');
  // As printed (e.g. v1.2.3): scenario statements may be limited to some CLI versions.
  return { ok: true, path: found.path, version: (stdout.split('\n')[0] ?? '').slice('atlas version '.length) };
}
