import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

// The only module that starts processes (terraform, atlas). Output is handed over line by
// line; nothing here writes to the job log, so callers decide how untrusted lines are shown.

/**
 * Variables of the action's own process that the child has no use for. Terraform runs
 * providers and `external` data sources from the pull request, so it must not get the
 * action's inputs (the GitHub token), the OIDC request token, the runtime token, a GitHub
 * token, or the runner's file commands (writing to GITHUB_ENV/GITHUB_PATH/GITHUB_OUTPUT/
 * GITHUB_STATE/GITHUB_STEP_SUMMARY would change later steps, outputs, our post step or the
 * summary).
 */
const WITHHELD_ENV =
  /^(INPUT_.*|ACTIONS_ID_TOKEN_REQUEST_(TOKEN|URL)|ACTIONS_RUNTIME_TOKEN|ACTIONS_RESULTS_URL|ACTIONS_CACHE_URL|GITHUB_TOKEN|GITHUB_(ENV|OUTPUT|PATH|STATE|STEP_SUMMARY))$/i;

/**
 * Set for every child unless the job set it (to any value, even empty): without it the
 * ariga/atlas provider asks vercheck.ariga.io at every start, a network call, and a pinned
 * provider reports "Update Available" in every run.
 */
const NO_UPDATE_NOTIFIER = 'ATLAS_NO_UPDATE_NOTIFIER';

/** A fresh environment for a child: the action's own, minus what it must not see, plus `extra`. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !WITHHELD_ENV.test(key)) env[key] = value;
  }
  if (!(NO_UPDATE_NOTIFIER in env)) env[NO_UPDATE_NOTIFIER] = '1';
  for (const [key, value] of Object.entries(extra)) if (!WITHHELD_ENV.test(key)) env[key] = value;
  return env;
}

export interface RunOptions {
  cwd: string;
  /** Added to childEnv(); the action's own environment is never changed. */
  env: Record<string, string>;
  onStdoutLine?(line: string): void;
  onStderrLine?(line: string): void;
  /** Kills the process (SIGKILL) after this long; for short probes that must not hang the run. */
  timeoutMs?: number;
}

export interface Exit {
  /** null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Processes running now, so a cancelled job can stop them gracefully. */
const running = new Set<ChildProcess>();
let stopping = false;

/** True once stopAll() was called: no further process may start. */
export function isStopping(): boolean {
  return stopping;
}

/**
 * The job was cancelled: asks each running process to stop the way Ctrl-C does. On its first
 * SIGINT Terraform finishes the resource operation in flight, writes state and releases the
 * lock; a second SIGINT would make it exit at once and risk the state, so each process gets
 * exactly one. No further process starts after this.
 */
export function stopAll(): void {
  if (stopping) return;
  stopping = true;
  for (const child of running) child.kill('SIGINT');
}

/** Runs `binary args` to completion. Rejects only when it cannot be started. */
export async function runProcess(binary: string, args: readonly string[], o: RunOptions): Promise<Exit> {
  if (stopping) throw new Error(`Not starting ${binary}: the run was cancelled.`);
  const child = spawn(binary, args, { cwd: o.cwd, env: childEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  }).finally(() => running.delete(child));
  const stdout = createInterface({ input: child.stdout, crlfDelay: Infinity });
  const stderr = createInterface({ input: child.stderr, crlfDelay: Infinity });
  const closed = (rl: typeof stdout): Promise<void> => new Promise((resolve) => rl.once('close', resolve));
  const drained = Promise.all([closed(stdout), closed(stderr)]);

  // A throw inside a stream listener would crash the process; keep it for after the exit.
  let listenerError: Error | undefined;
  const guard =
    (fn: (line: string) => void) =>
    (line: string): void => {
      try {
        fn(line);
      } catch (err) {
        listenerError ??= err instanceof Error ? err : new Error(String(err));
      }
    };
  stdout.on(
    'line',
    guard((line) => o.onStdoutLine?.(line)),
  );
  stderr.on(
    'line',
    guard((line) => o.onStderrLine?.(line)),
  );

  const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
  const [exit] = await Promise.all([exited, drained]).finally(() => clearTimeout(timer));
  if (listenerError !== undefined) throw listenerError;
  return exit;
}
