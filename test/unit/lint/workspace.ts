// A throwaway workspace for the lint tests: the seed layout (examples/seed), with some files
// replaced, added or removed, in a temp directory that `remove()` deletes.
import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LintFinding, type LintOptions, lintProject } from '../../../src/lint/index.js';

export const SEED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/seed');

/** The seed's files, workspace-relative path → text. */
export function seedFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(SEED, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else out[child] = readFileSync(path.join(SEED, child), 'utf8');
    }
  };
  walk('');
  return out;
}

export interface Workspace {
  dir: string;
  lint(options?: Partial<LintOptions>): Promise<LintFinding[]>;
  remove(): void;
}

/** The seed with `changes` applied: a string replaces or adds a file, null removes it. */
export function workspace(changes: Record<string, string | null> = {}, base: Record<string, string> = seedFiles()): Workspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lint-test-'));
  const files: Record<string, string | null> = { ...base, ...changes };
  for (const [rel, text] of Object.entries(files)) {
    if (text === null) continue;
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return {
    dir,
    lint: (options = {}) =>
      lintProject({
        workspace: dir,
        rolesWorkingDirectory: 'terraform/roles',
        schemaWorkingDirectory: 'terraform/schema',
        dbUser: 'atlas_migrator',
        skip: [],
        ...options,
      }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs the lint over the seed with `changes`, removing the workspace afterwards. */
export async function lintWith(changes: Record<string, string | null>, options?: Partial<LintOptions>): Promise<LintFinding[]> {
  const ws = workspace(changes);
  try {
    return await ws.lint(options);
  } finally {
    ws.remove();
  }
}

/** The text of one seed file. */
export function seedText(file: string): string {
  const text = seedFiles()[file];
  if (text === undefined) throw new Error(`the seed has no ${file}`);
  return text;
}

/** A seed file with one exact piece of text replaced (fails loudly when the piece is not there). */
export function seedWith(file: string, from: string, to: string): Record<string, string> {
  const text = seedFiles()[file];
  if (text === undefined || !text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  return { [file]: text.replace(from, to) };
}
