import { runProcess } from '../exec.js';

// The Atlas CLI decides the SQL: the ariga/atlas provider runs it for every plan and apply
// (ConfigureProvider fails with "Check atlas version failure" without it), and two runners with
// different Atlas versions can plan different SQL for the same HCL. So the action checks it is
// there before any Terraform command and records its version in the report.

export const SETUP_ATLAS_HINT =
  "Add `ariga/setup-atlas@v0` with `cloud-token: ${{ secrets.ATLAS_CLOUD_TOKEN }}` before this action: the ariga/atlas provider runs the Atlas CLI, and roles and permissions (the seed's `schema { mode { roles = true, permissions = true } }`) are Atlas Pro features that need the login.";

/** "v0.36.1" from `atlas version`; throws a clear error when the CLI is missing or broken. */
export async function atlasVersion(cwd: string): Promise<string> {
  const out: string[] = [];
  let exit;
  try {
    exit = await runProcess('atlas', ['version'], {
      cwd,
      env: {},
      timeoutMs: 20_000,
      onStdoutLine: (line) => out.push(line),
      onStderrLine: (line) => out.push(line),
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
  const text = out.join('\n').slice(0, 2_000);
  if (exit.code !== 0) {
    throw new Error(
      `"atlas version" exited with ${exit.code ?? exit.signal ?? 'an error'}: ${text.trim().slice(0, 300)}. ${SETUP_ATLAS_HINT}`,
    );
  }
  const version = /\bv?(\d+\.\d+\.\d+[\w.+-]*)/.exec(text)?.[0];
  if (!version) throw new Error(`"atlas version" printed no version: ${text.trim().slice(0, 300)}`);
  return version.startsWith('v') ? version : `v${version}`;
}
