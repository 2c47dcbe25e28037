// Test helper: installs the stand-in Atlas provider (a test double, not Atlas — see
// test/support/atlas-provider/README.md) for the real terraform binary, through a generated
// filesystem mirror, so the seed's roots (`ariga/atlas` `= 0.10.3`) run unchanged.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { installAtlasCli } from './setup-atlas.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The provider's entry point, run by the mirror's shim with this process's node. */
export const PROVIDER_ENTRY = resolve(here, 'atlas-provider', 'main.mjs');
/** The seed's layout (atlas.hcl, hcl/, terraform/roles, terraform/schema). */
export const SEED_FIXTURE = resolve(here, '..', '..', 'examples', 'seed');
/** Scenario producing the seed guide's SQL (4 roles statements, 2 schema statements). */
export const SEED_SCENARIO_FILE = resolve(here, '..', 'fixtures', 'scenarios', 'seed.json');

export const PROVIDER_ADDRESS = 'registry.terraform.io/ariga/atlas';
export const PROVIDER_VERSION = '0.10.3';

export interface ScenarioStatement {
  /** The statement (omit when `query` generates them). */
  sql?: string;
  /** Query on the env's database: each row's first column is one pending statement. */
  query?: string;
  /** Substrings that must all occur in the resource's hcl for the statement to be desired. */
  when?: string[];
  /** Query on the env's database; any row means the statement is already applied. */
  present?: string;
  /** Only a runner whose `atlas version` prints one of these plans the statement. */
  cliVersions?: string[];
}
export interface ScenarioEnv {
  statements?: ScenarioStatement[];
  /** Reported as pending in every plan of an existing resource, never executed. */
  residual?: ScenarioStatement[];
  /** What `schema clean` drops when the resource is destroyed, instead of the env's scope. */
  clean?: ScenarioStatement[];
  /** Fails every `schema apply --dry-run` / `schema clean --dry-run` of the env. */
  planError?: string;
  /** Fails every `schema apply --auto-approve` / `schema clean --auto-approve` of the env. */
  applyError?: string;
  /** Fails every `schema inspect` (ReadResource) of the env. */
  inspectError?: string;
  /** What `schema inspect` prints: the refresh stores it as the resource's `hcl`, as Atlas does. */
  inspectedHcl?: string;
  /**
   * Test-double knob, not Atlas behaviour: an apply that committed SQL then SIGKILLs terraform
   * (its parent) before answering — a job killed right after COMMIT (see the README).
   */
  killTerraformAfterCommit?: boolean;
}
export interface Scenario {
  envs: Record<string, ScenarioEnv>;
  /** The vercheck service's answer: an `Update Available` warning (see the README). */
  vercheck?: { latest?: { Version: string; Summary?: string; Link?: string } | null; advisory?: { text: string } | null };
}

/** One line of ATLAS_STANDIN_CALLS: an RPC the provider received. */
export interface ProviderCall {
  rpc: string;
  pid: number;
  env?: string;
  /** Plan/Apply/Read: the access key id of the profile credentials the provider used (never the secret). */
  accessKeyId?: string;
  /** The Atlas commands the call ran, e.g. ["schema apply --dry-run", "schema apply --dry-run"]. */
  atlas?: string[];
  /** How long the provider took to answer, in milliseconds. */
  ms: number;
  /** ConfigureProvider: the names (never the values) of the provider's environment variables. */
  envNames?: string[];
}

export interface PrepareTerraformOptions {
  /** Written to `<dir>/scenario.json`; ATLAS_STANDIN_SCENARIO points at it. */
  scenario?: Scenario;
  /**
   * Atlas env name → PostgreSQL URL (ATLAS_STANDIN_URL_<ENV>): an explicit override of the URL
   * atlas.hcl resolves (Secrets Manager / RDS IAM token with the profile's credentials), for
   * tests that drive terraform without the action's profile files. Runs of the action never set it.
   */
  databaseUrls?: Record<string, string>;
}

export interface TerraformHarness {
  /**
   * Variables for terraform (merge over process.env): TF_CLI_CONFIG_FILE, CHECKPOINT_DISABLE,
   * ATLAS_STANDIN_*, and PATH with the stand-in `atlas` CLI first (as setup-atlas leaves it).
   */
  env: Record<string, string>;
  dir: string;
  /** The directory holding the stand-in `atlas` shim. */
  atlasBin: string;
  scenarioFile: string;
  callsFile: string;
  /** Where provider processes put their sockets; empty once they have all exited. */
  socketDir: string;
  writeScenario(scenario: Scenario): Promise<void>;
  readCalls(): Promise<ProviderCall[]>;
  /** Provider processes (that received an RPC) still alive, and socket dirs still present. */
  leftovers(): Promise<{ processes: number[]; sockets: string[] }>;
  cleanup(): Promise<void>;
}

const execFileAsync = promisify(execFile);

export async function prepareTerraform(opts: PrepareTerraformOptions = {}): Promise<TerraformHarness> {
  // Short base path: unix socket paths must stay under ~107 bytes.
  const dir = await mkdtemp(join(tmpdir(), 'tfh-'));
  try {
    const tlsDir = join(dir, 'tls');
    const socketDir = join(dir, 'sock');
    const platformDir = join(dir, 'mirror', PROVIDER_ADDRESS, PROVIDER_VERSION, terraformPlatform());
    await Promise.all([mkdir(tlsDir), mkdir(socketDir), mkdir(platformDir, { recursive: true })]);

    // One certificate per harness instead of one per provider start (openssl costs ~50 ms,
    // and a plan starts the provider three times).
    await execFileAsync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(tlsDir, 'key.pem'),
      '-out',
      join(tlsDir, 'cert.pem'),
      '-days',
      '7',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
    ]);

    const shim = join(platformDir, `terraform-provider-atlas_v${PROVIDER_VERSION}`);
    await writeFile(
      shim,
      [
        '#!/bin/sh',
        '# Stand-in for ariga/atlas: a test double, not Atlas (test/support/atlas-provider/README.md).',
        `ATLAS_STANDIN_TLS_DIR=${shellQuote(tlsDir)}`,
        'export ATLAS_STANDIN_TLS_DIR',
        `exec ${shellQuote(process.execPath)} ${shellQuote(PROVIDER_ENTRY)}`,
        '',
      ].join('\n'),
    );
    await chmod(shim, 0o755);

    const cliConfig = join(dir, 'terraform.rc');
    await writeFile(
      cliConfig,
      [
        'disable_checkpoint = true',
        'provider_installation {',
        '  filesystem_mirror {',
        `    path    = ${JSON.stringify(join(dir, 'mirror'))}`,
        `    include = [${JSON.stringify(PROVIDER_ADDRESS)}]`,
        '  }',
        '  direct {',
        `    exclude = [${JSON.stringify(PROVIDER_ADDRESS)}]`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );

    const atlasBin = join(dir, 'bin');
    await installAtlasCli(atlasBin);

    const scenarioFile = join(dir, 'scenario.json');
    const callsFile = join(dir, 'calls.jsonl');
    const writeScenario = (s: Scenario) => writeFile(scenarioFile, JSON.stringify(s, null, 2));
    await writeScenario(opts.scenario ?? { envs: {} });

    const env: Record<string, string> = {
      TF_CLI_CONFIG_FILE: cliConfig,
      CHECKPOINT_DISABLE: '1',
      ATLAS_STANDIN_SCENARIO: scenarioFile,
      ATLAS_STANDIN_CALLS: callsFile,
      ATLAS_STANDIN_SOCKET_DIR: socketDir,
      PATH: `${atlasBin}${delimiter}${process.env.PATH ?? ''}`,
      // Benchmarks set it for the whole process; runs of the action get a clean environment.
      ...(process.env.ATLAS_STANDIN_INSPECT_DELAY_MS ? { ATLAS_STANDIN_INSPECT_DELAY_MS: process.env.ATLAS_STANDIN_INSPECT_DELAY_MS } : {}),
    };
    for (const [name, url] of Object.entries(opts.databaseUrls ?? {})) env[databaseUrlVariable(name)] = url;

    const readCalls = async (): Promise<ProviderCall[]> => {
      if (!existsSync(callsFile)) return [];
      const text = await readFile(callsFile, 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ProviderCall);
    };

    return {
      env,
      dir,
      atlasBin,
      scenarioFile,
      callsFile,
      socketDir,
      writeScenario,
      readCalls,
      async leftovers() {
        const pids = [...new Set((await readCalls()).map((c) => c.pid))];
        return { processes: pids.filter(isAlive), sockets: await readdir(socketDir) };
      },
      async cleanup() {
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`Could not prepare the stand-in Atlas provider for terraform in ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** ATLAS_STANDIN_URL_<ENV> for an Atlas env name. */
export function databaseUrlVariable(envName: string): string {
  return `ATLAS_STANDIN_URL_${envName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export async function loadSeedScenario(): Promise<Scenario> {
  return JSON.parse(await readFile(SEED_SCENARIO_FILE, 'utf8')) as Scenario;
}

/**
 * Copies the seed fixture into `<parent>/seed` and returns that path. The harness runs
 * terraform by hand in that copy and keeps its state there, so each root's `backend "s3"` is
 * swapped for `backend "local"` with Terraform's own override file; the seed's files stay as
 * shipped.
 */
export async function copySeed(parent: string): Promise<string> {
  const dest = join(parent, 'seed');
  await cp(SEED_FIXTURE, dest, { recursive: true });
  for (const root of ['roles', 'schema']) {
    await writeFile(join(dest, 'terraform', root, 'backend_override.tf'), 'terraform {\n  backend "local" {}\n}\n');
  }
  return dest;
}

export interface TerraformRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (for -json commands; other lines are skipped). */
  events: Record<string, unknown>[];
  ms: number;
}

/** Runs the real terraform from PATH with process.env overlaid by env. */
export function runTerraform(args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<TerraformRun> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn('terraform', args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => reject(new Error(`Could not run terraform ${args.join(' ')}: ${err.message}; is terraform on PATH?`)));
    child.on('close', (code) => {
      const events: Record<string, unknown>[] = [];
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a JSON UI line
        }
      }
      resolvePromise({ code: code ?? -1, stdout, stderr, events, ms: performance.now() - started });
    });
  });
}

export interface UiDiagnostic {
  severity: string;
  summary: string;
  detail: string;
  address?: string;
}

/** The diagnostics of a -json stream, in order. */
export function diagnosticsOf(run: TerraformRun): UiDiagnostic[] {
  return run.events.filter((e) => e.type === 'diagnostic').map((e) => e.diagnostic as UiDiagnostic);
}

/** Running, not merely a zombie waiting for a reaper that may never come (PID 1 here may not reap). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may contain spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

function terraformPlatform(): string {
  const arch = ({ x64: 'amd64', arm64: 'arm64', ia32: '386' } as Record<string, string>)[process.arch] ?? process.arch;
  return `${process.platform}_${arch}`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
