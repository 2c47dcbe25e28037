import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_GATED_CLASSES } from '../../src/core/types.js';
import { actionsIO } from '../../src/publish/io.js';
import { writeSummary } from '../../src/publish/summary.js';
import { MARKER, ROLES_SQL, SCHEMA_SQL, seedPlan } from './report-fixtures.js';

const OPTIONS = { marker: MARKER, destructiveLabel: '', gatedClasses: [...DEFAULT_GATED_CLASSES] };

let saved: string | undefined;
let dir: string | undefined;

beforeEach(() => {
  saved = process.env['GITHUB_STEP_SUMMARY'];
});

afterEach(() => {
  if (saved === undefined) delete process.env['GITHUB_STEP_SUMMARY'];
  else process.env['GITHUB_STEP_SUMMARY'] = saved;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('writeSummary', () => {
  it('moves on without a job summary file when GITHUB_STEP_SUMMARY is unset', async () => {
    delete process.env['GITHUB_STEP_SUMMARY'];
    await expect(writeSummary(actionsIO, seedPlan(), OPTIONS)).resolves.toBe(false);
  });

  it('writes the rendered report to the job summary file', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'summary-test-'));
    const file = path.join(dir, 'step_summary');
    writeFileSync(file, '');
    process.env['GITHUB_STEP_SUMMARY'] = file;
    await expect(writeSummary(actionsIO, seedPlan(), OPTIONS)).resolves.toBe(true);
    const written = readFileSync(file, 'utf8');
    expect(written.startsWith(MARKER)).toBe(true);
    expect(written).toContain('✅ Plan: 6 statements across 2 roots');
    expect(written).toContain(ROLES_SQL.join('\n'));
    expect(written).toContain(SCHEMA_SQL.join('\n'));
  });
});
