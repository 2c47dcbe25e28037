import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FILE_LIMIT_BYTES, Files, type LintBudget } from '../../../src/lint/files.js';
import type { HclParser } from '../../../src/lint/parser.js';
import { hclParser } from '../../../src/lint/parser.js';
import { workspace } from './workspace.js';

// Hostile HCL: a pull request controls every file the lint reads, so their size and the
// lint's time are capped, each cap a finding that says which file, which limit and what to do;
// and a fileset() directory that is a symlink out of the workspace is never listed.

const removals: (() => void)[] = [];
afterEach(() => {
  for (const remove of removals.splice(0)) remove();
});

/** The real parser, counting the texts it was handed. */
async function countingParser(): Promise<{ parser: HclParser; parsed: number[] }> {
  const real = await hclParser();
  const parsed: number[] = [];
  return {
    parsed,
    parser: {
      parse: (source, options) => {
        parsed.push(source.length);
        return real.parse(source, options);
      },
    },
  };
}

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lint-limits-'));
  removals.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('file size', () => {
  it('a file over 1 MiB is an hcl-limits error naming the file, the limit and the fix, and is never parsed', async () => {
    const big = `schema "public" {}\n${'# padding padding padding padding\n'.repeat(Math.ceil(FILE_LIMIT_BYTES / 34))}`;
    expect(Buffer.byteLength(big)).toBeGreaterThan(FILE_LIMIT_BYTES);
    const dir = scratch({ 'hcl/schema/big.pg.hcl': big, 'hcl/schema/small.pg.hcl': 'schema "public" {}\n' });
    const { parser, parsed } = await countingParser();
    const files = new Files(dir, parser);
    expect(files.load(path.join(dir, 'hcl/schema/big.pg.hcl')).kind).toBe('skipped');
    expect(files.load(path.join(dir, 'hcl/schema/small.pg.hcl')).kind).toBe('ok');
    expect(parsed).toEqual([19]);
    expect(files.findings).toEqual([
      {
        rule: 'hcl-limits',
        severity: 'error',
        file: 'hcl/schema/big.pg.hcl',
        line: 1,
        message: `hcl/schema/big.pg.hcl has ${Buffer.byteLength(big).toLocaleString('en-US')} bytes, more than the 1 MiB the guardrails read in one file (Atlas HCL files are a few KB), so it was not checked. Split it into smaller files, or skip hcl-limits if a file this large is intended.`,
      },
    ]);
  });

  it('through the whole lint: the oversized file is reported and the other guardrails still run', async () => {
    const ws = workspace({
      'hcl/schema/big.pg.hcl': `role "x" {}\n${'#'.repeat(FILE_LIMIT_BYTES)}\n`,
      'hcl/schema/extra.pg.hcl': 'role "y" {}\n',
    });
    removals.push(() => ws.remove());
    const findings = await ws.lint();
    expect(findings.map((f) => [f.rule, f.file])).toEqual([
      ['hcl-limits', 'hcl/schema/big.pg.hcl'],
      ['schema-has-roles', 'hcl/schema/extra.pg.hcl'],
    ]);
  });
});

describe('the budget for all files', () => {
  it('past the total size, the remaining files are not read, and the first of them says so', async () => {
    const dir = scratch({ 'a.hcl': 'a = 1\n'.repeat(10), 'b.hcl': 'b = 1\n'.repeat(10), 'c.hcl': 'c = 1\n' });
    const { parser, parsed } = await countingParser();
    const budget: Partial<LintBudget> = { totalBytes: 100 };
    const files = new Files(dir, parser, budget);
    for (const name of ['a.hcl', 'b.hcl', 'c.hcl', 'b.hcl']) files.load(path.join(dir, name));
    expect(parsed).toEqual([60]);
    expect(files.findings.map((f) => [f.rule, f.file])).toEqual([['hcl-limits', 'b.hcl']]);
    expect(files.findings[0]?.message).toBe(
      'b.hcl and the files read after it were not checked: the guardrails read at most 100 bytes of HCL in one run, and the files before it used that up. Keep the HCL the roots read smaller, or skip hcl-limits.',
    );
  });

  it('past the time budget, parsing stops (also in the middle of a file) and says where', async () => {
    const dir = scratch({ 'a.hcl': 'a = 1\n', 'b.hcl': `${'x = [1, 2, 3]\n'.repeat(20_000)}`, 'c.hcl': 'c = 1\n' });
    const { parser, parsed } = await countingParser();
    // A clock that reads 0 until the parser has asked it 50 times, then 1 hour: the budget
    // runs out inside b.hcl, whatever the machine's speed.
    let reads = 0;
    const clock = (): number => (++reads > 50 ? 3_600_000 : 0);
    const files = new Files(dir, parser, { timeMs: 1000, clock });
    const kinds = ['a.hcl', 'b.hcl', 'c.hcl'].map((name) => files.load(path.join(dir, name)).kind);
    expect(kinds).toEqual(['ok', 'skipped', 'skipped']);
    expect(parsed).toHaveLength(2);
    expect(files.load(path.join(dir, 'b.hcl')).kind).toBe('skipped');
    expect(files.findings.map((f) => [f.rule, f.file])).toEqual([['hcl-limits', 'b.hcl']]);
    expect(files.findings[0]?.message).toBe(
      'b.hcl and the files read after it were not checked: the guardrails stop parsing HCL after 1 s in one run, and the time ran out here. Keep the HCL the roots read smaller, or skip hcl-limits.',
    );
  });
});

describe('symlinks', () => {
  it('a fileset() directory that is a symlink to outside the workspace is not listed: no outside file name in any finding', async () => {
    const outside = scratch({ 'passwords-of-prod.pg.hcl': 'role "x" {}\n', 'other-secret-name.pg.hcl': 'role "y" {}\n' });
    const ws = workspace({ 'hcl/roles/roles.pg.hcl': null, 'hcl/roles/grants.pg.hcl': null });
    removals.push(() => ws.remove());
    rmSync(path.join(ws.dir, 'hcl/roles'), { recursive: true, force: true });
    symlinkSync(outside, path.join(ws.dir, 'hcl/roles'));
    const findings = await ws.lint();
    const all = JSON.stringify(findings);
    expect(all).not.toContain('passwords-of-prod');
    expect(all).not.toContain('other-secret-name');
    expect(all).not.toContain(path.basename(outside));
    expect(findings.filter((f) => f.rule === 'hcl-unresolved').map((f) => f.message)).toContainEqual(
      expect.stringContaining('fileset() over a directory outside the workspace'),
    );
  });
});
