import { readFileSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { thousands } from '../core/index.js';
import type { Body } from './hcl-model.js';
import type { HclParser } from './parser.js';
import { finding } from './rules.js';
import type { LintFinding } from './types.js';

// Reads and parses each file once, however many roots read it, and keeps the lint inside the
// workspace: a path that leaves it (`../`, an absolute path, a symlink pointing out) is never
// read, since a pull request controls those paths. Reads are synchronous: a handful of small
// local files, read before the action does anything else.
//
// A pull request controls the files' size too, and parsing costs far more memory than the
// text (a 5 MB file took 1.35 GB, 20 MB took 74 s and 5 GB; 1 MiB of tables about 350 MB and
// 2-13 s, measured on a loaded 2-core machine). So a file is parsed only when
// it is at most FILE_LIMIT_BYTES (checked with stat, before reading), the files together at
// most TOTAL_LIMIT_BYTES, and within TIME_LIMIT_MS of the first parse (checked while tree-sitter
// parses, so one file cannot hold the run). Each refusal is an hcl-limits finding.

/** Atlas HCL files are a few KB; the largest real schemas stay well under this. */
export const FILE_LIMIT_BYTES = 1024 * 1024;
/** All files of both roots together. */
export const TOTAL_LIMIT_BYTES = 4 * 1024 * 1024;
/** Parsing all of them: a 1 MiB schema parses in seconds even on a loaded 2-core runner. */
export const TIME_LIMIT_MS = 30_000;

/** The lint's limits; tests pass smaller ones and a clock of their own. */
export interface LintBudget {
  fileBytes: number;
  totalBytes: number;
  timeMs: number;
  /** Milliseconds, monotonic. */
  clock: () => number;
}

const DEFAULT_BUDGET: LintBudget = {
  fileBytes: FILE_LIMIT_BYTES,
  totalBytes: TOTAL_LIMIT_BYTES,
  timeMs: TIME_LIMIT_MS,
  clock: () => performance.now(),
};

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

/** `skipped`: over a limit, not read or not parsed (an hcl-limits finding says which). */
export type Loaded = { kind: 'ok'; file: SourceFile } | { kind: 'missing' } | { kind: 'outside' } | { kind: 'skipped' };

export class Files {
  readonly findings: LintFinding[] = [];
  private readonly cache = new Map<string, Loaded>();
  private realWorkspace: string | undefined;
  private readonly budget: LintBudget;
  private bytesRead = 0;
  private deadline: number | undefined;
  /** Set once the total or the time budget ran out: later files are skipped without a finding each. */
  private exhausted = false;

  constructor(
    readonly workspace: string,
    private readonly parser: HclParser,
    budget: Partial<LintBudget> = {},
  ) {
    this.budget = { ...DEFAULT_BUDGET, ...budget };
  }

  /** Workspace-relative with forward slashes (`../x` when outside). */
  rel(abs: string): string {
    return path.relative(this.workspace, abs).split(path.sep).join('/') || '.';
  }

  /** Lexically inside the workspace (the workspace itself included). */
  inside(abs: string): boolean {
    return isWithin(this.workspace, abs);
  }

  /**
   * Inside the workspace once symlinks are resolved: what a directory listing may follow.
   * False when the path does not exist (there is nothing to list).
   */
  insideReal(abs: string): boolean {
    return this.inside(abs) && realInside(this.workspace, abs);
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
    let size: number;
    try {
      this.realWorkspace ??= realpathSync.native(this.workspace);
      if (!isWithin(this.realWorkspace, realpathSync.native(abs))) return { kind: 'outside' };
      const stat = statSync(abs);
      if (!stat.isFile()) return { kind: 'missing' };
      size = stat.size;
    } catch {
      return { kind: 'missing' };
    }
    const rel = this.rel(abs);
    const refused = this.refuse(rel, size);
    if (refused) return refused;
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch {
      return { kind: 'missing' };
    }
    this.bytesRead += size;
    this.deadline ??= this.budget.clock() + this.budget.timeMs;
    const deadline = this.deadline;
    const parsed = this.parser.parse(text, { shouldStop: () => this.budget.clock() > deadline });
    if ('stopped' in parsed) return this.outOfTime(rel);
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

  /** A limit this file would pass, as its finding; undefined when it may be read. */
  private refuse(rel: string, size: number): Loaded | undefined {
    const { fileBytes, totalBytes, clock } = this.budget;
    if (size > fileBytes) {
      this.findings.push(
        finding(
          'hcl-limits',
          rel,
          1,
          `${rel} has ${thousands(size)} bytes, more than the ${bytes(fileBytes)} the guardrails read in one file (Atlas HCL files are a few KB), so it was not checked. Split it into smaller files, or skip hcl-limits if a file this large is intended.`,
        ),
      );
      return { kind: 'skipped' };
    }
    if (this.exhausted) return { kind: 'skipped' };
    if (this.bytesRead + size > totalBytes) {
      return this.stop(rel, `the guardrails read at most ${bytes(totalBytes)} of HCL in one run, and the files before it used that up`);
    }
    if (this.deadline !== undefined && clock() > this.deadline) return this.outOfTime(rel);
    return undefined;
  }

  private outOfTime(rel: string): Loaded {
    return this.stop(rel, `the guardrails stop parsing HCL after ${this.budget.timeMs / 1000} s in one run, and the time ran out here`);
  }

  private stop(rel: string, why: string): Loaded {
    this.exhausted = true;
    this.findings.push(
      finding(
        'hcl-limits',
        rel,
        1,
        `${rel} and the files read after it were not checked: ${why}. Keep the HCL the roots read smaller, or skip hcl-limits.`,
      ),
    );
    return { kind: 'skipped' };
  }
}

function bytes(n: number): string {
  return n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${thousands(n)} bytes`;
}

/** True when `abs` resolves (symlinks followed) to a place inside `dir` (resolved too). */
export function realInside(dir: string, abs: string): boolean {
  try {
    return isWithin(realpathSync.native(dir), realpathSync.native(abs));
  } catch {
    return false;
  }
}

export function isWithin(dir: string, abs: string): boolean {
  const relative = path.relative(dir, abs);
  return relative === '' || (relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative));
}
