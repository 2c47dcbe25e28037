import { constants, statSync } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { runProcess, log, redact, type Logger, type TerraformRun } from '../core/index.js';
import { TerraformRunAccumulator, type JsonUiEvent } from './json-ui.js';

// Terraform commands. Stdout is read line by line into the accumulator and summarised in the
// log (diagnostics are untrusted text: the logger keeps them inert); stderr (and any non-JSON
// stdout) is kept only as a short redacted tail for errors that never reach the JSON stream.

export interface TerraformOptions {
  binary: string;
  cwd: string;
  /** Added to the child's environment (credentials, TF_VAR_*); the action's own env is never changed. */
  env: Record<string, string>;
  lockTimeout: string;
  /** Where this command's lines go: the job log, or a root's buffer when roots run side by side. */
  logger: Logger;
}

const SETUP_HINT = 'Add a hashicorp/setup-terraform step (with terraform_wrapper: false) before this action, or put terraform on PATH.';

/**
 * Finds terraform on PATH. hashicorp/setup-terraform's default wrapper is a Node script
 * named `terraform` that rewrites stdout; the real binary sits beside it as `terraform-bin`.
 */
export async function resolveTerraformBinary(searchPath: string = process.env['PATH'] ?? ''): Promise<string> {
  const exe = process.platform === 'win32' ? '.exe' : '';
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const name of exe ? [`terraform${exe}`, 'terraform'] : ['terraform']) {
      const candidate = path.join(dir, name);
      if (!(await isExecutableFile(candidate))) continue;
      const kind = await fileKind(candidate);
      const realBinary = path.join(dir, `terraform-bin${exe}`);
      const hasRealBinary = await isExecutableFile(realBinary);
      if (kind === 'node-script' || (kind === 'script' && hasRealBinary)) {
        if (!hasRealBinary) {
          throw new Error(
            `${candidate} is the hashicorp/setup-terraform wrapper script, but the real binary ` +
              `${realBinary} is missing. Set "terraform_wrapper: false" on the setup-terraform step.`,
          );
        }
        log.notice(
          `${candidate} is the hashicorp/setup-terraform wrapper, which rewrites Terraform's output; ` +
            `using ${realBinary} instead. Set "terraform_wrapper: false" to silence this notice.`,
        );
        return realBinary;
      }
      return candidate;
    }
  }
  throw new Error(`Could not find terraform on PATH. ${SETUP_HINT}`);
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    await access(file, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Native executables start with a magic number; wrappers are scripts. */
async function fileKind(file: string): Promise<'binary' | 'node-script' | 'script'> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead).toString('latin1');
    if (head.startsWith('#!')) return /^#![^\n]*\bnode\b/.test(head) ? 'node-script' : 'script';
    // ncc bundles without a shebang start with this banner.
    if (head.startsWith('/******/') || head.startsWith("'use strict'") || head.startsWith('"use strict"')) {
      return 'node-script';
    }
    return 'binary';
  } finally {
    await handle.close();
  }
}

export async function terraformInit(o: TerraformOptions): Promise<TerraformRun> {
  const args = ['init', '-input=false', `-lock-timeout=${o.lockTimeout}`];
  const run = await runTerraform(o, [...args.slice(0, 2), '-json', ...args.slice(2)]);
  // `init -json` exists since Terraform 1.9; older versions reject the flag before doing anything.
  if (run.exitCode !== 0 && run.stderrTail.includes('flag provided but not defined: -json')) {
    o.logger.info('This Terraform does not support "init -json"; running init with plain output.');
    return runTerraform(o, args);
  }
  return run;
}

/** Exit code per -detailed-exitcode: 0 no changes, 1 error, 2 changes (see planExitMeaning). */
export function terraformPlan(o: TerraformOptions, planFile: string): Promise<TerraformRun> {
  return runTerraform(o, ['plan', '-input=false', '-json', `-out=${planFile}`, '-detailed-exitcode', `-lock-timeout=${o.lockTimeout}`]);
}

/**
 * A plan that only looks: no plan file, no state lock. Used after a failed or interrupted
 * apply to ask the database what was committed; a run killed during it leaves no stale lock.
 */
export function terraformCheckPlan(o: TerraformOptions): Promise<TerraformRun> {
  return runTerraform(o, ['plan', '-input=false', '-json', '-detailed-exitcode', '-lock=false']);
}

export function terraformApply(o: TerraformOptions, planFile: string): Promise<TerraformRun> {
  return runTerraform(o, ['apply', '-input=false', '-json', `-lock-timeout=${o.lockTimeout}`, planFile]);
}

async function runTerraform(o: TerraformOptions, args: string[]): Promise<TerraformRun> {
  const command = `terraform ${args.join(' ')}`;
  // Synchronous on purpose: with no I/O between the call and the spawn, a caller that starts
  // other work right after starting a command (loading code, see PipelineContext.initsStarted)
  // cannot delay the process's start.
  const cwdInfo = statSync(o.cwd, { throwIfNoEntry: false });
  if (!cwdInfo?.isDirectory()) {
    throw new Error(`Cannot run ${command}: the working directory ${o.cwd} does not exist. Check the *-working-directory inputs.`);
  }
  o.logger.info(`$ ${command}  (in ${o.cwd})`);

  const run = new TerraformRunAccumulator(command);
  const tail = new LineTail(60, 8_000);
  let exit;
  try {
    exit = await runProcess(o.binary, args, {
      cwd: o.cwd,
      env: { ...o.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
      onStdoutLine: (line) => {
        const { event, fresh } = run.addLine(line);
        if (event.type === 'raw') {
          if (event.text.trim()) tail.push(event.text);
        } else if (fresh) {
          logEvent(o.logger, event);
        }
      },
      onStderrLine: (line) => {
        tail.push(line);
        o.logger.debug(`terraform stderr: ${line}`);
      },
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Could not start ${o.binary} (${command}) in ${o.cwd}: ${reason}. ${SETUP_HINT}`, { cause: err });
  }
  if (exit.code === null) tail.push(`terraform was terminated by signal ${exit.signal ?? 'unknown'}`);
  const exitCode = exit.code ?? 1;
  o.logger.info(`${command} exited with code ${exitCode}`);
  return run.finish(exitCode, redact(tail.text()));
}

const DETAIL_LOG_LIMIT = 4_000;

/** One short human line per interesting event; Terraform's own `@message` says it best. */
function logEvent(logger: Logger, event: Exclude<JsonUiEvent, { type: 'raw' }>): void {
  switch (event.type) {
    case 'version':
    case 'outputs':
    case 'unknown':
      logger.debug(event.message);
      return;
    case 'diagnostic': {
      const d = event.diagnostic;
      const where = d.address ? ` (${d.address})` : '';
      const detail = clip(d.detail, DETAIL_LOG_LIMIT);
      logger.info(`${d.severity === 'error' ? 'Error' : 'Warning'}: ${d.summary}${where}${detail ? `\n${detail}` : ''}`);
      return;
    }
    default:
      if (event.message) logger.info(firstLine(event.message));
  }
}

/** Cuts a long detail (a big Atlas Plan) at a line boundary; the report carries it whole. */
function clip(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.lastIndexOf('\n', limit);
  const head = text.slice(0, cut > 0 ? cut : limit);
  return `${head}\n… ${text.length - head.length} more characters, not shown in the log`;
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}

/** The last lines of a stream, bounded in lines and characters. */
class LineTail {
  readonly #lines: string[] = [];
  #chars = 0;

  constructor(
    private readonly maxLines: number,
    private readonly maxChars: number,
  ) {}

  push(raw: string): void {
    // Terraform colours its plain-text errors; escape codes only garble the report.
    // eslint-disable-next-line no-control-regex -- ANSI CSI sequences start with ESC
    const line = raw.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    const clipped = line.length > this.maxChars ? `${line.slice(0, this.maxChars)}…` : line;
    this.#lines.push(clipped);
    this.#chars += clipped.length + 1;
    while (this.#lines.length > this.maxLines || (this.#chars > this.maxChars && this.#lines.length > 1)) {
      this.#chars -= (this.#lines.shift() ?? '').length + 1;
    }
  }

  text(): string {
    return this.#lines.join('\n');
  }
}
