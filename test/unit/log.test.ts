import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BufferedLog, couldBeCommand, log } from '../../src/core/log.js';
import { registerSecret, resetSecretsForTest } from '../../src/core/redact/index.js';
import { interpretRunnerOutput } from '../support/runner-log.js';

// The log writer, read back through the model of the runner's command parser: untrusted text
// must come out as text, never as a command, and the action's own commands must still work.

let written: string[];
beforeEach(() => {
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  resetSecretsForTest();
});

const runnerSees = () => interpretRunnerOutput(written.join(''));

/** Text a pull request can put in SQL, a diagnostic, a file name or a branch name. */
const HOSTILE = [
  '::error::pwned',
  '  ::add-mask::DROP',
  '::set-output name=converged::true',
  '::save-state name=cleanup::/etc',
  '::stop-commands::x',
  'SELECT 1; ##[error]pwned',
  '##[stop-commands]x',
  '\u00a0::warning::nbsp-led',
  ':\u00ad:error::soft-hyphen',
  '#\u200b#[error]zero-width',
  'text\r::notice::after-a-carriage-return',
  '::x::',
].join('\n');

describe('couldBeCommand', () => {
  it('finds a command on any line, after .NET whitespace and through characters ICU ignores', () => {
    expect(couldBeCommand('plain text :: in the middle')).toBe(false);
    expect(couldBeCommand('a\n  ::error::x')).toBe(true);
    expect(couldBeCommand('a\r::error::x')).toBe(true);
    expect(couldBeCommand('x ##[group]y')).toBe(true);
    expect(couldBeCommand(':\u00ad:error::x')).toBe(true);
    expect(couldBeCommand('#\u200b#[error]x')).toBe(true);
  });
});

describe('log.info with untrusted text', () => {
  it('prints every hostile line as text: no command runs, and commands work again afterwards', () => {
    log.info(`Warning: Atlas Plan\n${HOSTILE}`);
    log.warning('our own warning');
    const view = runnerSees();
    const ran = view.commands.filter((c) => !c.resume && c.name !== 'stop-commands');
    expect(ran.map((c) => `${c.name}:${c.data}`)).toEqual(['warning:our own warning']);
    // The only masks are the runner's own masking of our stop tokens.
    expect(view.masks.every((m) => /^rds-atlas-[0-9a-f]{32}$/.test(m))).toBe(true);
    expect(view.outputs).toEqual({});
    expect(view.state).toEqual({});
    expect(view.pausedAtEnd).toBe(false);
    expect(view.failures).toEqual([]);
    // The reader sees the text as written.
    for (const line of ['::error::pwned', 'SELECT 1; ##[error]pwned', '##[stop-commands]x']) expect(view.visibleLog).toContain(line);
  });

  it('uses a fresh token for every bracket, so text cannot resume commands with an earlier one', () => {
    log.info('::error::one');
    log.info('::error::two');
    const tokens = [...written.join('').matchAll(/^::stop-commands::(.+)$/gm)].map((m) => m[1]);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(tokens[0]).toMatch(/^rds-atlas-[0-9a-f]{32}$/);
  });

  it('leaves text without command syntax as one plain line', () => {
    log.info('roles: 4 SQL statements planned');
    expect(written).toEqual(['roles: 4 SQL statements planned\n']);
  });

  it('registers a secret while commands are on, then masks it in later hostile text', () => {
    registerSecret('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    log.info('::stop-commands::x\nkey=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    const view = runnerSees();
    expect(view.masks).toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(view.visibleLog).not.toContain('wJalrXUtnFEMI');
  });
});

describe('annotations and groups', () => {
  it('escape their data and properties: one annotation, with the text intact', () => {
    log.error('bad ##[warning]x\n::error::y', { file: 'hcl/schema/a,b:c.pg.hcl', startLine: 3, title: 'rule\n::error::z' });
    const view = runnerSees();
    expect(view.commands.map((c) => c.name)).toEqual(['error']);
    expect(view.annotations).toEqual([
      {
        level: 'error',
        message: 'bad ##[warning]x\n::error::y',
        properties: { file: 'hcl/schema/a,b:c.pg.hcl', line: '3', title: 'rule\n::error::z' },
      },
    ]);
  });

  it('a buffered root log prints one whole group, hostile lines inert inside it', () => {
    const buffer = new BufferedLog();
    buffer.info('$ terraform plan');
    buffer.info(HOSTILE);
    buffer.warning('a warning');
    log.info('between');
    buffer.flush('schema: terraform init and plan');
    const view = runnerSees();
    const names = view.commands.filter((c) => !c.resume && c.name !== 'stop-commands').map((c) => c.name);
    expect(names).toEqual(['group', 'warning', 'endgroup']);
    expect(view.visibleLog.indexOf('between')).toBeLessThan(view.visibleLog.indexOf('$ terraform plan'));
  });
});
