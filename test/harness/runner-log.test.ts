import { describe, expect, it } from 'vitest';
import { isDotnetWhiteSpace, splitRemoveEmpty, trimStart } from '../support/dotnet-strings.js';
import { parseV1, parseV2 } from '../support/runner-commands.js';
import { assertNoForeignCommands, foreignCommands, interpretBothOrders, interpretRunnerOutput, readLines } from '../support/runner-log.js';

// The model of the runner's command parser (test/support/runner-log.ts) that the end-to-end
// tests use to decide what a step's output would do on a real runner. Each case is a
// behaviour of actions/runner's ActionCommand.cs / ActionCommandManager.cs / OutputManager.cs.

const run = (stdout: string, stderr = ''): ReturnType<typeof interpretRunnerOutput> => interpretRunnerOutput(stdout, stderr);
const names = (stdout: string): string[] => run(stdout).commands.map((c) => c.name);

describe('runner log model: recognising commands', () => {
  it('a v2 command is processed and rendered as the runner renders an annotation', () => {
    const v = run('::error::x\n');
    expect(v.commands).toMatchObject([{ name: 'error', data: 'x', line: '::error::x', syntax: 'v2', stream: 'stdout' }]);
    expect(v.annotations).toEqual([{ level: 'error', message: 'x', properties: {} }]);
    expect(v.visibleLog).toBe('##[error]x');
  });

  it('v2 is recognised after leading white space as .NET TrimStart() defines it', () => {
    expect(run('  ::add-mask::DROP\nDROP TABLE x').masks).toEqual(['DROP']);
    expect(run('\u00a0::set-output name=a::b').outputs).toEqual({ a: 'b' });
    // U+0085 is white space to .NET but not to JavaScript's trimStart(); U+FEFF the reverse.
    expect(run('\u0085\t::set-output name=a::b').outputs).toEqual({ a: 'b' });
    expect(run('\ufeff::set-output name=a::b').outputs).toEqual({});
    expect(isDotnetWhiteSpace(0xfeff)).toBe(false);
    expect(trimStart('\u2003\u3000x')).toBe('x');
  });

  it('v2 only at the start of a line; v1 anywhere in it', () => {
    expect(names('SELECT 1; ::error::x')).toEqual([]);
    const v = run("SELECT '##[error]x'");
    expect(v.commands).toMatchObject([{ name: 'error', data: "x'", syntax: 'v1' }]);
    expect(v.visibleLog).toBe("##[error]x'");
  });

  it('names are case-insensitive; unregistered v2 names fall through to v1', () => {
    expect(names('::ERROR::x\n##[Warning]y\n::Set-Output name=a::b')).toEqual(['error', 'warning', 'set-output']);
    expect(names('::foo::x\n::set-outputs name=a::b\n##[pwn]z')).toEqual([]);
    expect(run('::foo::prefix ##[error]x').commands).toMatchObject([{ name: 'error', data: 'x', syntax: 'v1' }]);
  });

  it('lines end at \\n, \\r and \\r\\n, as StreamReader.ReadLine ends them', () => {
    expect(readLines('a\r\nb\rc\nd')).toEqual(['a', 'b', 'c', 'd']);
    expect(readLines('a\n\n')).toEqual(['a', '']);
    expect(readLines('')).toEqual([]);
    const v = run('text\r::warning::y');
    expect(v.annotations).toEqual([{ level: 'warning', message: 'y', properties: {} }]);
    expect(v.visibleLog).toBe('text\n##[warning]y');
  });

  it('unescapes data and properties, one mapping at a time', () => {
    const v = run('::set-output name=a%3Ab%2Cc::line1%0Aline2%25 and %250A');
    expect(v.outputs).toEqual({ 'a:b,c': 'line1\nline2% and %0A' });
    // v1 unescapes its data with the property mappings too.
    expect(run('##[set-output name=a%3Bb%5D]x%3By%5D').outputs).toEqual({ 'a;b]': 'x;y]' });
  });

  it('splits properties as .NET does: empty entries dropped, first `=` splits, keys case-insensitive', () => {
    expect(run('::error file=a.sql, line=3 ,,title=T,Title=U::m').annotations[0]?.properties).toEqual({
      file: 'a.sql',
      ' line': '3 ',
      title: 'U',
    });
    expect(run('::set-output name==x::v').outputs).toEqual({ x: 'v' });
    expect(splitRemoveEmpty('=a=b=', '=', 2)).toEqual(['a', 'b=']);
  });

  it('a command with an ICU-ignorable character inside the `::` separator is still found (culture-sensitive IndexOf)', () => {
    // .NET's IndexOf(string) uses ICU collation on Linux, which skips soft hyphens and ASCII
    // controls; data starts two characters after the match, so it keeps the second colon.
    expect(run('::error:\u00ad:x').annotations).toEqual([{ level: 'error', message: ':x', properties: {} }]);
    expect(run('::error:\u0001:x').annotations).toHaveLength(1);
    // Before the name, the fixed offsets of the parser garble the name instead.
    expect(names('\u00ad::error::x')).toEqual([]);
  });

  it('escapes runner markers in ordinary output', () => {
    expect(run('##[start-action x]').visibleLog).toBe('##[\\start-action x]');
  });
});

describe('runner log model: the parser agrees with actions/runner’s own tests (src/Test/L0/Worker/ActionCommandL0.cs)', () => {
  const commands = new Set(['do-something']);
  it.each([
    ['##[do-something k1=v1;]msg', { k1: 'v1' }, 'msg'],
    ['##[do-something]', {}, ''],
    ['##[do-something k1=%3B=%0D=%0A=%5D;]%3B-%0D-%0A-%5D', { k1: ';=\r=\n=]' }, ';-\r-\n-]'],
    ['##[do-something k1=%253B=%250D=%250A=%255D;]%253B-%250D-%250A-%255D', { k1: '%3B=%0D=%0A=%5D' }, '%3B-%0D-%0A-%5D'],
    ['##[do-something k1=;k2=;]', {}, ''],
    ['>>>   ##[do-something k1=v1;]msg', { k1: 'v1' }, 'msg'],
  ])('v1 %j', (line, properties, data) => {
    expect(parseV1(line, commands)).toEqual({ name: 'do-something', properties, data, syntax: 'v1' });
  });
  it.each([
    ['::do-something k1=v1,::msg', { k1: 'v1' }, 'msg'],
    ['::do-something::', {}, ''],
    ['::do-something k1=;=%2C=%0D=%0A=]=%3A,::;-%0D-%0A-]-:-,', { k1: ';=,=\r=\n=]=:' }, ';-\r-\n-]-:-,'],
    ['::do-something k1=;=%252C=%250D=%250A=]=%253A,::;-%250D-%250A-]-:-,', { k1: ';=%2C=%0D=%0A=]=%3A' }, ';-%0D-%0A-]-:-,'],
    ['::do-something k1=,k2=,::', {}, ''],
    ['::do-something k1=v1::', { k1: 'v1' }, ''],
    ['   ::do-something k1=v1,::msg', { k1: 'v1' }, 'msg'],
  ])('v2 %j', (line, properties, data) => {
    expect(parseV2(line, commands)).toEqual({ name: 'do-something', properties, data, syntax: 'v2' });
  });
  it('v2 not after other text', () => {
    expect(parseV2('   >>>   ::do-something k1=v1,::msg', commands)).toBeUndefined();
  });
});

describe('runner log model: what commands do', () => {
  it('set-output and save-state need a name; without one the step fails', () => {
    const v = run('::set-output name=a::1\n::save-state name=s::/tmp/x\n::set-output::nameless');
    expect(v.outputs).toEqual({ a: '1' });
    expect(v.state).toEqual({ s: '/tmp/x' });
    expect(v.failures).toEqual(["Required field 'name' is missing in ##[set-output] command."]);
    expect(v.visibleLog).toContain("##[error]Unable to process command '::set-output::nameless' successfully.");
  });

  it('set-env and add-path are disabled unless the workflow opts in', () => {
    const v = run('::set-env name=NODE_OPTIONS::--require /tmp/x\n::add-path::/tmp/bin');
    expect(v.failures).toHaveLength(2);
    expect(v.failures[0]).toContain('The `set-env` command is disabled');
    expect(interpretRunnerOutput('::set-env name=A::b', '', { allowUnsecureCommands: true }).failures).toEqual([]);
  });

  it('groups, notices and debug lines are rendered; debug only with step debug', () => {
    expect(run('::group::Plan\n::notice title=T::n\n::debug::d\n::endgroup::').visibleLog).toBe('##[group]Plan\n##[notice]n\n##[endgroup]');
    expect(interpretRunnerOutput('::debug::d1%0Ad2', '', { stepDebug: true }).visibleLog).toBe('##[debug]d1\n##[debug]d2');
  });

  it('echo on shows command lines (add-mask as ***), echo off hides them again', () => {
    // Echo is decided before the command runs: `::echo::on` itself is not shown, `::echo::OFF` is.
    const v = run('::echo::on\n::set-output name=a::b\n::add-mask::hunter22\n::echo::OFF\n::set-output name=c::d');
    expect(v.visibleLog).toBe('::set-output name=a::b\n::add-mask::***\n::echo::OFF');
  });

  it('add-mask masks what is written after it, in the runner encoders’ forms too, never before', () => {
    const secret = 'p@ss w0rd/x';
    const v = run(
      [
        secret,
        `::add-mask::${secret}`,
        secret,
        Buffer.from(secret).toString('base64'),
        encodeURIComponent(secret),
        `::error::leaked ${secret}`,
      ].join('\n'),
    );
    expect(v.masks).toEqual([secret]);
    expect(v.visibleLog).toBe(`${secret}\n***\n***\n***\n##[error]leaked ***`);
    expect(v.annotations[0]?.message).toBe('leaked ***');
  });

  it('the masker also matches the runner encoders’ forms: JSON, expression, XML escapes and shifted base64', () => {
    const secret = `a"b'c<d>&e\\f`;
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const v = run(
      [
        `::add-mask::${secret}`,
        JSON.stringify(secret),
        secret.replace(/'/g, "''"),
        '&lt;d&gt;',
        b64(`x${secret}`),
        b64(`x${secret}tail`),
      ].join('\n'),
    );
    const lines = v.visibleLog.split('\n');
    expect(lines.slice(0, 3)).toEqual(['"***"', '***', '&lt;d&gt;']); // XML escape of the whole value only
    // Shifted base64 is registered with its padding: found when the secret ends the payload, not inside it.
    expect(lines[3]).toBe(`${b64(`x${secret}`).slice(0, 4)}***`);
    expect(lines[4]).toBe(b64(`x${secret}tail`));
  });

  it('add-mask of several lines masks the whole value and each trimmed line', () => {
    expect(run('::add-mask::line-one%0A  line-two  ').masks).toEqual(['line-one\n  line-two  ', 'line-one', 'line-two']);
    expect(run('::add-mask::   ').visibleLog).toBe("##[warning]Can't add secret mask for empty string in ##[add-mask] command.");
  });
});

describe('runner log model: stop-commands', () => {
  it('pauses every command, add-mask included, until the token; a value masked while paused is never masked', () => {
    const v = run(
      [
        '::stop-commands::tok12345',
        '::add-mask::SECRETVALUE',
        '::error::x',
        'SECRETVALUE',
        '::tok12345::',
        'SECRETVALUE',
        '::error::y',
      ].join('\n'),
    );
    expect(v.masks).toEqual(['tok12345']);
    expect(v.annotations.map((a) => a.message)).toEqual(['y']);
    // Tokens over 6 characters are masked; the paused lines are plain text.
    expect(v.visibleLog).toBe(
      ['::stop-commands::***', '::add-mask::SECRETVALUE', '::error::x', 'SECRETVALUE', '::***::', 'SECRETVALUE', '##[error]y'].join('\n'),
    );
    expect(v.commands.map((c) => [c.name, c.resume ?? false])).toEqual([
      ['stop-commands', false],
      ['tok12345', true],
      ['error', false],
    ]);
    expect(v.pausedAtEnd).toBe(false);
  });

  it('v1 stop-commands, a v1 resume, tokens compared case-insensitively', () => {
    expect(run('##[stop-commands]x\n::error::a\n##[X]\n::error::b').annotations.map((a) => a.message)).toEqual(['b']);
    expect(run('::stop-commands::Tok\n::TOK::\n::error::b').annotations.map((a) => a.message)).toEqual(['b']);
  });

  it('a token that is never repeated leaves commands paused to the end', () => {
    const v = run('::stop-commands::x\n::set-output name=a::b\n::xy::\n##[x-]');
    expect(v.outputs).toEqual({});
    expect(v.pausedAtEnd).toBe(true);
    // The name ends at the first space, so `::x y::` is the token `x` and resumes.
    expect(run('::stop-commands::x\n::x y::').pausedAtEnd).toBe(false);
  });

  it.each(['', 'pause-logging', 'PAUSE-LOGGING', 'error', 'Set-Output'])(
    'an invalid token %j fails the step and nothing after it is processed',
    (token) => {
      const v = run(`::stop-commands::${token}\n::error::after`);
      expect(v.failures).toHaveLength(1);
      expect(v.failures[0]).toContain('You cannot use a endToken');
      expect(v.annotations).toEqual([]);
      expect(v.visibleLog).not.toContain('after');
    },
  );

  it('the log writer’s bracket keeps untrusted text inert, including a nested stop-commands, and commands resume after it', () => {
    const token = 'f3a9c2e1b7d84c06a5e2';
    const untrusted = ['::error::x', '::stop-commands::y', '##[set-output name=a]b', '  ::add-mask::DROP', '::y::'];
    const v = run([`::stop-commands::${token}`, ...untrusted, `::${token}::`, '::notice::after', 'DROP TABLE t'].join('\n'));
    expect(v.commands.map((c) => c.name)).toEqual(['stop-commands', token, 'notice']);
    expect(v.outputs).toEqual({});
    expect(v.masks).toEqual([token]);
    expect(v.pausedAtEnd).toBe(false);
    expect(v.visibleLog).toBe(['::stop-commands::***', ...untrusted, '::***::', '##[notice]after', 'DROP TABLE t'].join('\n'));
    assertNoForeignCommands(v, { allowed: [/^::stop-commands::[0-9a-f]{20}$/, /^::[0-9a-f]{20}::$/, /^::notice::/] });
  });
});

describe('runner log model: two streams', () => {
  it('the pause is shared: whether a stderr line is covered by a stdout bracket depends on the interleaving', () => {
    const stdout = '::stop-commands::tok12345\nplain\n::tok12345::';
    const [stderrFirst, stdoutFirst] = interpretBothOrders(stdout, '::error::from stderr');
    expect(stderrFirst!.annotations).toHaveLength(1);
    expect(stdoutFirst!.annotations).toHaveLength(1); // resumed before stderr is read
    expect(interpretRunnerOutput('::stop-commands::tok12345', '::error::e', { order: 'stdout-first' }).annotations).toEqual([]);
    expect(stderrFirst!.commands.find((c) => c.name === 'error')?.stream).toBe('stderr');
  });

  it('foreignCommands lists what the allowed patterns do not cover; assertNoForeignCommands throws with the lines', () => {
    const v = run('::add-mask::abcd1234\n::error::x');
    expect(foreignCommands(v, [/^::add-mask::/]).map((c) => c.line)).toEqual(['::error::x']);
    expect(() => assertNoForeignCommands(v, { allowed: [/^::add-mask::/] })).toThrow(/\[stdout\] "::error::x"/);
  });
});
