import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/action.js';
import { actionNode } from '../support/runtimes.js';

// V8 re-compiles a hot WebAssembly function with its optimising compiler on a background
// thread. For the SQL parser that function is the grammar's parse loop, and compiling it takes
// seconds of CPU and ~600 MB of memory: on a 2-core runner it competes with Terraform, and every
// later spawn copies the grown address space. The action parses a few statements a run and
// keeps the parser on V8's baseline code (src/atlas/pg-parser.ts). `--wasm-sync-tier-up` makes
// V8 compile a triggered tier-up at once on the main thread, so the memory it takes shows in
// the process's peak before the child answers, whatever the machine's load.
const run = promisify(execFile);
const PARSER = path.join(repoRoot, 'src/atlas/pg-parser.ts');
const CHILD = path.join(repoRoot, 'test/support/pg-parser-child.mjs');

describe('SQL parser start-up cost', () => {
  it('parses a small plan without V8 optimising the parser (peak memory stays flat)', async () => {
    const { stdout } = await run(actionNode(), ['--wasm-sync-tier-up', CHILD, PARSER, '20'], { cwd: repoRoot });
    const { peakGrowthKiB } = JSON.parse(stdout) as { peakGrowthKiB: number };
    // Optimising the parse loop adds ~550 MB; the baseline code a few MB.
    expect(peakGrowthKiB / 1024).toBeLessThan(100);
  });
});
