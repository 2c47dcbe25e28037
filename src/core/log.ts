import * as core from '@actions/core';
import { randomBytes } from 'node:crypto';
import { EOL } from 'node:os';
import { redact } from './redact/index.js';

// The only way the action writes to the job log. The runner executes workflow commands it
// finds in a step's output: a line that, after .NET's TrimStart, starts with `::`, or that
// holds `##[` anywhere (actions/runner ActionCommand.TryParseV2 / TryParse). SQL, diagnostics,
// file and branch names and API errors are written by whoever controls the pull request, so
// every line goes through `emit`: redacted, and, when any of its lines could be read as a
// command, wrapped in a `::stop-commands::<fresh random token>` … `::<token>::` bracket. The
// token is never derived from anything an attacker sees before the bracket opens, so text
// inside cannot resume command processing; the bracket is written in one synchronous call, so
// no `::add-mask::` of a credential refresh can ever land inside it (a mask registered while
// commands are paused would not be applied).
//
// Annotations, debug lines and group titles go through @actions/core, which escapes their data
// and properties (`%`, CR, LF, and `:`/`,` in properties), so a `##[` in them is data.

/** Properties of an annotation (file, line, title), escaped by @actions/core. */
export type AnnotationProperties = core.AnnotationProperties;

/** .NET's char.IsWhiteSpace, which String.TrimStart uses: Unicode White_Space. */
const LEADING_WHITESPACE = /^[\s\u0085\u180e]*/u;
/** StreamReader.ReadLine ends a line at CR, LF or CRLF. */
const LINE_BREAK = /\r\n|\r|\n/;
/**
 * The runner finds `::` and `##[` with .NET's culture-sensitive string search, which (with ICU
 * on Linux) skips characters it treats as ignorable: soft hyphens, zero-width and other format
 * characters, control characters. `:\u00ad:error::x` is a command to it, so these characters
 * are removed before looking.
 */
const IGNORABLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/** True when the runner could read a workflow command in any line of `text`. */
export function couldBeCommand(text: string): boolean {
  return text.split(LINE_BREAK).some((raw) => {
    const line = raw.replace(IGNORABLE, '');
    return line.includes('##[') || line.replace(LEADING_WHITESPACE, '').startsWith('::');
  });
}

/** `text` as lines the runner prints literally. Exported for the tests' runner model. */
export function inert(text: string): string {
  if (!couldBeCommand(text)) return text;
  const token = `rds-atlas-${randomBytes(16).toString('hex')}`;
  return `::stop-commands::${token}${EOL}${text}${EOL}::${token}::`;
}

function emit(text: string): void {
  process.stdout.write(inert(redact(text)) + EOL);
}

export interface Logger {
  info(text: string): void;
  notice(text: string, properties?: AnnotationProperties): void;
  warning(text: string, properties?: AnnotationProperties): void;
  error(text: string, properties?: AnnotationProperties): void;
  debug(text: string): void;
}

export const log: Logger & {
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
} = {
  info: emit,
  notice: (text, properties) => core.notice(redact(text), redactProperties(properties)),
  warning: (text, properties) => core.warning(redact(text), redactProperties(properties)),
  error: (text, properties) => core.error(redact(text), redactProperties(properties)),
  debug: (text) => core.debug(redact(text)),
  group: (title, fn) => core.group(redact(title), fn),
};

function redactProperties(properties: AnnotationProperties | undefined): AnnotationProperties {
  if (!properties) return {};
  const out: AnnotationProperties = { ...properties };
  if (out.title !== undefined) out.title = redact(out.title);
  if (out.file !== undefined) out.file = redact(out.file);
  return out;
}

type Entry =
  | { kind: 'info'; text: string }
  | { kind: 'debug'; text: string }
  | { kind: 'notice' | 'warning' | 'error'; text: string; properties?: AnnotationProperties };

/**
 * A log that holds its lines until `flush`, for work that runs concurrently with other work
 * (the two roots' plans): each flush prints one whole group, so the job log never interleaves
 * two roots. Text is redacted again when flushed, so a secret registered in between is caught.
 */
export class BufferedLog implements Logger {
  readonly #entries: Entry[] = [];

  info(text: string): void {
    this.#entries.push({ kind: 'info', text: redact(text) });
  }
  debug(text: string): void {
    this.#entries.push({ kind: 'debug', text: redact(text) });
  }
  notice(text: string, properties?: AnnotationProperties): void {
    this.#entries.push({ kind: 'notice', text: redact(text), ...(properties ? { properties } : {}) });
  }
  warning(text: string, properties?: AnnotationProperties): void {
    this.#entries.push({ kind: 'warning', text: redact(text), ...(properties ? { properties } : {}) });
  }
  error(text: string, properties?: AnnotationProperties): void {
    this.#entries.push({ kind: 'error', text: redact(text), ...(properties ? { properties } : {}) });
  }

  /** Prints everything as one group titled `title` and empties the buffer. */
  flush(title: string): void {
    core.startGroup(redact(title));
    try {
      for (const entry of this.#entries.splice(0)) {
        if (entry.kind === 'info') log.info(entry.text);
        else if (entry.kind === 'debug') log.debug(entry.text);
        else log[entry.kind](entry.text, entry.properties);
      }
    } finally {
      core.endGroup();
    }
  }
}

/** Message of anything thrown, redacted. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return redact(err.message);
  if (typeof err === 'string') return redact(err);
  try {
    return redact(JSON.stringify(err));
  } catch {
    return redact(String(err));
  }
}
