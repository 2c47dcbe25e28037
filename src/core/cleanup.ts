import { lstat, readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';

// The action's `post:` step. The main step removes its temporary AWS profile files and plan
// files itself, but a step killed at the end of a cancellation (SIGKILL) runs no `finally`.
// This removes what is left: only directories directly in RUNNER_TEMP whose name carries our
// prefix. It reads no state: step state can be set by anything the main step printed
// (`::save-state`), so a path from it could point anywhere.

export const TEMP_PREFIX = 'rds-atlas-';

export async function cleanup(runnerTemp: string | undefined = process.env['RUNNER_TEMP']): Promise<string[]> {
  if (!runnerTemp) return [];
  const removed: string[] = [];
  for (const name of await readdir(runnerTemp)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const full = path.join(runnerTemp, name);
    const info = await lstat(full);
    // A symbolic link is removed as a link; its target is never followed.
    if (!info.isDirectory() && !info.isSymbolicLink()) continue;
    await rm(full, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
