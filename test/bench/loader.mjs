// The bench's TypeScript loader: one Vite module runner that stays open for the whole process.
// runnerImport's one-shot runner closes after its first import, so a module that imports more
// on first use (the SQL parser's glue, pg, the AWS SDK) fails later with "Vite module runner
// has been closed". Vite is what vitest runs on, so this adds no dependency.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, createServerModuleRunner } from 'vite';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let opened;

async function open() {
  const server = await createServer({
    root: REPO,
    configFile: false,
    logLevel: 'silent',
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, ws: false },
  });
  return { server, runner: createServerModuleRunner(server.environments.ssr, { hmr: false }) };
}

/** Imports a repository-relative TypeScript (or JavaScript) module through the shared runner. */
export async function loadTs(relative) {
  opened ??= open();
  const { runner } = await opened;
  return runner.import(path.join(REPO, relative));
}

/** Closes the runner and its server, so the process can exit. */
export async function closeLoader() {
  if (!opened) return;
  const { runner, server } = await opened;
  opened = undefined;
  await runner.close();
  await server.close();
}
