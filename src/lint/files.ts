import { readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import type { Body } from './hcl.js';
import type { HclParser } from './parser.js';
import { finding } from './rules.js';
import type { Finding } from './types.js';

// Reads and parses each file once, however many roots read it, and keeps the lint inside the
// workspace: a path that leaves it (`../`, an absolute path, a symlink pointing out) is never
// read, since a pull request controls those paths. Reads are synchronous: a handful of small
// local files, read before the action does anything else.

export interface SourceFile {
  /** Absolute. */
  abs: string;
  /** Workspace-relative, forward slashes. */
  rel: string;
  /** The text, for quoting a piece of it (a function's argument types) in a message. */
  source: string;
  /** Undefined when the file does not parse (an hcl-syntax finding says where). */
  body: Body | undefined;
}

export type Loaded = { kind: 'ok'; file: SourceFile } | { kind: 'missing' } | { kind: 'outside' };

export class Files {
  readonly findings: Finding[] = [];
  private readonly cache = new Map<string, Loaded>();
  private realWorkspace: string | undefined;

  constructor(
    readonly workspace: string,
    private readonly parser: HclParser,
  ) {}

  /** Workspace-relative with forward slashes (`../x` when outside). */
  rel(abs: string): string {
    return path.relative(this.workspace, abs).split(path.sep).join('/') || '.';
  }

  /** Lexically inside the workspace (the workspace itself included). */
  inside(abs: string): boolean {
    return isWithin(this.workspace, abs);
  }

  load(abs: string): Loaded {
    const key = path.resolve(abs);
    let loaded = this.cache.get(key);
    if (!loaded) {
      loaded = this.read(key);
      this.cache.set(key, loaded);
    }
    return loaded;
  }

  private read(abs: string): Loaded {
    if (!this.inside(abs)) return { kind: 'outside' };
    let text: string;
    try {
      this.realWorkspace ??= realpathSync.native(this.workspace);
      if (!isWithin(this.realWorkspace, realpathSync.native(abs))) return { kind: 'outside' };
      text = readFileSync(abs, 'utf8');
    } catch {
      return { kind: 'missing' };
    }
    const rel = this.rel(abs);
    const parsed = this.parser.parse(text);
    if ('error' in parsed) {
      const { line, column, message } = parsed.error;
      this.findings.push(
        finding(
          'hcl-syntax',
          rel,
          line,
          `${rel} does not parse as HCL (line ${line}, column ${column}: ${message}). Terraform or Atlas would reject it, and the other guardrails skip it until it parses. Fix the syntax there.`,
        ),
      );
      return { kind: 'ok', file: { abs, rel, source: text, body: undefined } };
    }
    return { kind: 'ok', file: { abs, rel, source: text, body: parsed.body } };
  }
}

export function isWithin(dir: string, abs: string): boolean {
  const relative = path.relative(dir, abs);
  return relative === '' || (relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative));
}
