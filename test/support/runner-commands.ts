import type { RunnerCommand } from './runner-log.js';
import { cultureIndexOf, cultureStartsWith, equalsOrdinalIgnoreCase, splitRemoveEmpty, trim, trimStart } from './dotnet-strings.js';

// How the runner reads one line as a workflow command: actions/runner
// src/Runner.Common/ActionCommand.cs (TryParseV2, TryParse and the unescaping), with the
// .NET string semantics of dotnet-strings.ts.

/** The commands ActionCommandManager registers (internal-set-repo-path only for its own plugins). */
export const REGISTERED_COMMANDS = [
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-path',
  'add-mask',
  'add-matcher',
  'remove-matcher',
  'warning',
  'error',
  'notice',
  'debug',
  'group',
  'endgroup',
  'echo',
] as const;

type Parsed = Pick<RunnerCommand, 'name' | 'properties' | 'data' | 'syntax'>;

/** The registered name matching `name` case-insensitively (the stop token as registered), or undefined. */
function registeredName(name: string, registered: Set<string>): string | undefined {
  for (const r of registered) if (equalsOrdinalIgnoreCase(r, name)) return r.toLowerCase();
  return undefined;
}

function setProperty(props: Record<string, string>, key: string, value: string): void {
  // A Dictionary with OrdinalIgnoreCase keys: a later `Name=` replaces an earlier `name=`.
  const existing = Object.keys(props).find((k) => equalsOrdinalIgnoreCase(k, key));
  props[existing ?? key] = value;
}

/** ActionCommand.TryParseV2: `::name k=v,k=v::data`, at the start after TrimStart(). */
export function parseV2(line: string, registered: Set<string>): Parsed | undefined {
  const message = trimStart(line);
  if (!cultureStartsWith(message, '::')) return undefined;
  const endIndex = cultureIndexOf(message, '::', 2);
  if (endIndex < 0) return undefined;
  const cmdInfo = message.slice(2, endIndex);
  const space = cmdInfo.indexOf(' ');
  const name = registeredName(space < 0 ? cmdInfo : cmdInfo.slice(0, space), registered);
  if (name === undefined) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const p of splitRemoveEmpty(trim(cmdInfo.slice(space + 1)), ',')) {
      const pair = splitRemoveEmpty(p, '=', 2);
      if (pair.length === 2) setProperty(properties, pair[0]!, unescapeProperty(pair[1]!));
    }
  }
  return { name, properties, data: unescapeData(message.slice(endIndex + 2)), syntax: 'v2' };
}

/** ActionCommand.TryParse: `##[name k=v;k=v]data`, anywhere in the line. */
export function parseV1(message: string, registered: Set<string>): Parsed | undefined {
  const prefixIndex = cultureIndexOf(message, '##[');
  if (prefixIndex < 0) return undefined;
  const rb = message.indexOf(']', prefixIndex);
  if (rb < 0) return undefined;
  const cmdInfo = message.slice(prefixIndex + 3, rb);
  const space = cmdInfo.indexOf(' ');
  const name = registeredName(space < 0 ? cmdInfo : cmdInfo.slice(0, space), registered);
  if (name === undefined) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const p of splitRemoveEmpty(cmdInfo.slice(space + 1), ';')) {
      const pair = splitRemoveEmpty(p, '=', 2);
      if (pair.length === 2) setProperty(properties, pair[0]!, unescapeV1(pair[1]!));
    }
  }
  return { name, properties, data: unescapeV1(message.slice(rb + 1)), syntax: 'v1' };
}

/** Each mapping replaces in turn (String.Replace is ordinal), so `%250A` becomes `%0A`, not a line break. */
const unescaper =
  (mappings: [string, string][]) =>
  (s: string): string =>
    mappings.reduce((acc, [escaped, raw]) => acc.split(escaped).join(raw), s);
const unescapeData = unescaper([
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%25', '%'],
]);
const unescapeProperty = unescaper([
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%3A', ':'],
  ['%2C', ','],
  ['%25', '%'],
]);
const unescapeV1 = unescaper([
  ['%3B', ';'],
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%5D', ']'],
  ['%25', '%'],
]);
