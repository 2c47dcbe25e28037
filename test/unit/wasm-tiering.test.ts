import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadPgParser } from '../../src/atlas/pg-parser.js';
import { repoRoot, seedDir } from '../support/action.js';
import { actionNode } from '../support/runtimes.js';

// V8 re-compiles a hot WebAssembly function with its optimising compiler on a background
// thread. For the SQL parser that function is the grammar's parse loop: seconds of CPU and
// ~550 MB of memory, beside Terraform on a 2-core runner, and every later spawn then copies the
// grown address space. The action keeps both parsers on V8's baseline code
// (src/core/wasm-tiering.ts). `--wasm-sync-tier-up` makes V8 compile a triggered tier-up at once
// on the main thread, so what it costs shows before the child answers, whatever the load.
const run = promisify(execFile);
const CHILD = path.join(repoRoot, 'test/support/wasm-parser-child.mjs');
// Node strips or transforms the sources' TypeScript (the HCL model has parameter properties).
const NODE_FLAGS = ['--experimental-transform-types', '--no-warnings', '--wasm-sync-tier-up', '--trace-wasm-compilation-times'];

async function parseInChild(args: string[]): Promise<{ peakGrowthMiB: number; optimised: number }> {
  const { stdout } = await run(actionNode(), [...NODE_FLAGS, CHILD, ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
  const lines = stdout.trim().split('\n');
  const { peakGrowthKiB } = JSON.parse(lines.at(-1) ?? '{}') as { peakGrowthKiB: number };
  return { peakGrowthMiB: peakGrowthKiB / 1024, optimised: lines.filter((l) => l.includes('using TurboFan')).length };
}

function seedFiles(dir = seedDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? seedFiles(path.join(dir, e.name)) : /\.(hcl|tf)$/.test(e.name) ? [path.join(dir, e.name)] : [],
  );
}

describe('WebAssembly parsers stay on V8 baseline code for a run-sized input', () => {
  // A few small functions Liftoff cannot compile go to the optimising compiler at load, either
  // way; what matters is the parse loop, whose optimisation takes ~550 MB.
  it('SQL: 20 statements, peak memory flat', async () => {
    const got = await parseInChild(['sql', path.join(repoRoot, 'src/atlas/pg-parser.ts'), '20']);
    expect(got.peakGrowthMiB).toBeLessThan(100);
  });

  // Loading alone compiles a few functions with the optimising compiler (Liftoff bail-outs, and
  // the HTTP parser the GitHub client's stack brings); parsing must add none.
  it('HCL: parsing the seed project optimises nothing beyond what loading does', async () => {
    const files = seedFiles();
    expect(files.length).toBeGreaterThan(5);
    const parser = path.join(repoRoot, 'src/lint/parser.ts');
    const [loaded, parsed] = await Promise.all([parseInChild(['hcl', parser]), parseInChild(['hcl', parser, ...files])]);
    expect(parsed.optimised).toBe(loaded.optimised);
  });
});

// Each instance is a compile of the 1.1 MB module, 128 MiB of WebAssembly memory and a full
// garbage collection; the classifier and the impact model loaded one each in a plan.
describe('SQL parser instances', () => {
  it('every caller gets the one parser of the process', async () => {
    const [a, b] = await Promise.all([loadPgParser(), loadPgParser()]);
    expect(a).toBe(b);
    expect(await loadPgParser()).toBe(a);
  });
});
