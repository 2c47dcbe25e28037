import { runProcess } from '../core/index.js';

// The Atlas CLI decides the SQL: the ariga/atlas provider runs it for every plan and apply
// (ConfigureProvider fails with "Check atlas version failure" without it), and two runners with
// different Atlas versions can plan different SQL for the same HCL. So the action checks it is
// there before any Terraform command and records its version in the report.

export const SETUP_ATLAS_HINT =
  "Add `ariga/setup-atlas@v0` with `cloud-token: ${{ secrets.ATLAS_CLOUD_TOKEN }}` before this action: the ariga/atlas provider runs the Atlas CLI, and roles and permissions (the seed's `schema { mode { roles = true, permissions = true } }`) are Atlas Pro features that need the login.";

/** "v0.36.1" from `atlas version`; throws a clear error when the CLI is missing or broken. */
export async function atlasVersion(cwd: string): Promise<string> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let exit;
  try {
    exit = await runProcess('atlas', ['version'], {
      cwd,
      env: {},
      timeoutMs: 20_000,
      onStdoutLine: (line) => stdout.push(line),
      onStderrLine: (line) => stderr.push(line),
    });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `The Atlas CLI (atlas) is not on PATH. ${SETUP_ATLAS_HINT}`
        : `Could not run "atlas version": ${err instanceof Error ? err.message : String(err)}. ${SETUP_ATLAS_HINT}`,
      { cause: err },
    );
  }
  // atlasexec reads the version from stdout alone, and reports a failure by its stderr.
  const text = stdout.join('\n').slice(0, 2_000);
  if (exit.code !== 0) {
    const said = (stderr.join('\n').trim() || text.trim()).slice(0, 300);
    throw new Error(`"atlas version" exited with ${exit.code ?? exit.signal ?? 'an error'}: ${said}. ${SETUP_ATLAS_HINT}`);
  }
  const version = providerReadableVersion(text);
  if (!version) {
    const first = JSON.stringify((text.trim().split('\n')[0] ?? '').slice(0, 120));
    throw new Error(
      `"atlas version" printed ${first}, which the ariga/atlas provider cannot read: it accepts only the official build's "atlas version vX.Y.Z" and fails every plan with "Check atlas version failure: unexpected output format" otherwise. Community and development builds ("atlas community version …", go install) do not work with it, and roles and permissions need Atlas Pro. ${SETUP_ATLAS_HINT}`,
    );
  }
  return version;
}

/**
 * atlasexec's own pattern (ariga/atlas atlasexec/atlas.go, `reVersion`), which the provider's
 * ConfigureProvider applies to the whole output: the version as printed ("v0.36.1",
 * "v0.36.2-1a2b3c4-canary"), or undefined for anything the provider would reject.
 */
export function providerReadableVersion(output: string): string | undefined {
  if (!/^atlas version v\d+\.\d+.\d+/.test(output)) return undefined;
  return /^atlas version (\S+)/.exec(output)?.[1];
}
