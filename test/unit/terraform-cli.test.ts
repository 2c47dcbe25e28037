import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { atlasPlan } from '../../src/atlas/plan.js';
import { registerSecret, resetSecretsForTest } from '../../src/core/redact/index.js';
import { resolveTerraformBinary, terraformApply, terraformInit, terraformPlan, type TerraformOptions } from '../../src/terraform/cli.js';
import type { Logger } from '../../src/core/log.js';

// Drives the real terraform binary on roots that need no provider download: terraform_data
// is built in, so init/plan/apply run offline. Fake binaries (small shell scripts) stand in
// only where real terraform cannot show the behaviour (old versions, signals, wrappers).

const realTerraform = execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
let tmp: string;
let cliConfig: string;
const envBefore = { ...process.env };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tf-cli-test-'));
  // The machine's default TF_CLI_CONFIG_FILE points at a missing file; Terraform warns on every command.
  cliConfig = path.join(tmp, 'empty.tfrc');
  await writeFile(cliConfig, '');
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

afterEach(() => {
  resetSecretsForTest();
});

/** A logger that keeps what a terraform command logged, as the job log would show it. */
class RecordingLog implements Logger {
  readonly lines: string[] = [];
  info(text: string): void {
    this.lines.push(text);
  }
  debug(text: string): void {
    this.lines.push(`debug: ${text}`);
  }
  notice(text: string): void {
    this.lines.push(`notice: ${text}`);
  }
  warning(text: string): void {
    this.lines.push(`warning: ${text}`);
  }
  error(text: string): void {
    this.lines.push(`error: ${text}`);
  }
}

async function root(name: string, mainTf: string): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'main.tf'), mainTf);
  return dir;
}

function options(cwd: string, extra: Partial<TerraformOptions> = {}): TerraformOptions {
  return {
    binary: realTerraform,
    cwd,
    env: { TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1' },
    lockTimeout: '5s',
    logger: new RecordingLog(),
    ...extra,
  };
}

/** Options for a fake binary in the temp dir. */
function fake(binary: string, logger = new RecordingLog()): TerraformOptions {
  return { binary, cwd: tmp, env: {}, lockTimeout: '1s', logger };
}

async function fakeBinary(name: string, script: string): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
  return file;
}

const PROBE_ROOT = `
variable "probe" {
  type = string
}
resource "terraform_data" "a" {
  input = var.probe
}
`;

describe('terraform init / plan / apply on the real binary', () => {
  it('maps -detailed-exitcode: 2 with changes, 0 after apply, and passes the caller env', async () => {
    const cwd = await root('ok', PROBE_ROOT);
    const logger = new RecordingLog();
    const o = options(cwd, { logger });
    o.env['TF_VAR_probe'] = 'from-the-caller';

    const init = await terraformInit(o);
    expect(init.exitCode).toBe(0);
    expect(init.diagnostics).toEqual([]);
    expect(init.command).toContain('init -input=false -json');
    expect(init.sawVersion).toBe(true);
    expect(logger.lines).toContain('Initializing the backend...');

    const planFile = path.join(tmp, 'ok.tfplan');
    const plan = await terraformPlan(o, planFile);
    expect(plan.exitCode).toBe(2);
    expect(plan.plannedChanges).toEqual([{ address: 'terraform_data.a', action: 'create' }]);
    expect(plan.stderrTail).toBe('');

    const apply = await terraformApply(o, planFile);
    expect(apply.exitCode).toBe(0);
    expect(logger.lines.some((l) => /^terraform_data\.a: Creation complete/.test(l))).toBe(true);

    const verify = await terraformPlan(o, path.join(tmp, 'ok.verify.tfplan'));
    expect(verify.exitCode).toBe(0);
    expect(verify.plannedChanges).toEqual([]);
    expect(atlasPlan(verify).statements).toEqual([]);
  });

  it('maps a failing plan to exit 1 with its error diagnostic', async () => {
    const cwd = await root('undeclared', 'resource "terraform_data" "a" {\n  input = var.nope\n}\n');
    expect((await terraformInit(options(cwd))).exitCode).toBe(0);
    const plan = await terraformPlan(options(cwd), path.join(tmp, 'undeclared.tfplan'));
    expect(plan.exitCode).toBe(1);
    expect(atlasPlan(plan).errors).toEqual([
      expect.objectContaining({ severity: 'error', summary: 'Reference to undeclared input variable' }),
    ]);
  });

  it('reports a broken configuration at init through JSON diagnostics', async () => {
    const cwd = await root('syntax', 'resource "terraform_data" "a" {\n  input = \n}\n');
    const init = await terraformInit(options(cwd));
    expect(init.exitCode).toBe(1);
    expect(init.diagnostics.map((d) => d.summary)).toContain('Invalid expression');
  });

  it('fails apply of a missing plan file with a diagnostic', async () => {
    const cwd = await root('noplan', PROBE_ROOT);
    const apply = await terraformApply(options(cwd), path.join(tmp, 'missing.tfplan'));
    expect(apply.exitCode).toBe(1);
    expect(apply.diagnostics[0]?.summary).toMatch(/Failed to load .* as a plan file/);
  });

  it('keeps stderr as a redacted tail', async () => {
    const cwd = await root('badconfig', PROBE_ROOT);
    registerSecret('s3cr3t-config-name');
    const o = options(cwd);
    o.env['TF_CLI_CONFIG_FILE'] = path.join(tmp, 's3cr3t-config-name.tfrc');
    const init = await terraformInit(o);
    expect(init.exitCode).toBe(0);
    expect(init.stderrTail).toContain('Unable to open CLI configuration file');
    expect(init.stderrTail).toContain('***.tfrc');
    expect(init.stderrTail).not.toContain('s3cr3t');
  });

  it('never changes the test process environment', () => {
    expect(process.env).toEqual(envBefore);
    expect(process.env['TF_IN_AUTOMATION']).toBe(envBefore['TF_IN_AUTOMATION']);
  });
});

describe('process handling', () => {
  it('gives the child TF_IN_AUTOMATION, TF_INPUT and the caller env, but not the inputs, tokens or the runner file commands', async () => {
    const withheld = [
      'INPUT_GITHUB_TOKEN',
      'GITHUB_TOKEN',
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
      'ACTIONS_RUNTIME_TOKEN',
      'GITHUB_ENV',
      'GITHUB_OUTPUT',
      'GITHUB_PATH',
      'GITHUB_STATE',
      'GITHUB_STEP_SUMMARY',
    ];
    const bin = await fakeBinary(
      'print-env',
      `printf '{"type":"log","@message":"auto=%s input=%s foo=%s withheld=%s"}\\n' "$TF_IN_AUTOMATION" "$TF_INPUT" "$FOO" "${withheld.map((v) => `$${v}`).join('')}"`,
    );
    for (const v of withheld) process.env[v] = `/leak/${v}`;
    const logger = new RecordingLog();
    try {
      // Even when a caller passes one of them explicitly.
      await terraformPlan({ ...fake(bin, logger), env: { FOO: 'bar', GITHUB_ENV: '/leak/explicit' } }, 'x.tfplan');
    } finally {
      for (const v of withheld) delete process.env[v];
    }
    expect(logger.lines).toContain('auto=1 input=0 foo=bar withheld=');
    expect(process.env['TF_IN_AUTOMATION']).toBe(envBefore['TF_IN_AUTOMATION']);
  });

  it('reads every line of a large stream, including a last line without a newline', async () => {
    const statements = Array.from({ length: 5000 }, (_, i) => `GRANT SELECT ON TABLE "t${i}" TO "r";`);
    const plan = JSON.stringify({
      type: 'diagnostic',
      diagnostic: {
        severity: 'warning',
        summary: 'Atlas Plan',
        detail: `The following SQL statements will be executed:\n\n\n${statements.map((s) => `${s}\n`).join('')}`,
      },
    });
    const summary = '{"type":"change_summary","changes":{"add":0,"change":1,"remove":0,"import":0,"operation":"plan"}}';
    const stream = path.join(tmp, 'large.jsonl');
    await writeFile(stream, `${plan}\n${plan}\n${summary}`);
    const bin = await fakeBinary('cat-stream', `cat '${stream}'; exit 2`);
    const run = await terraformPlan(fake(bin), 'x.tfplan');
    expect(run.exitCode).toBe(2);
    expect(run.diagnostics).toHaveLength(1);
    expect(atlasPlan(run).statements).toEqual(statements);
  });

  it('falls back to plain init for Terraform older than 1.9', async () => {
    const bin = await fakeBinary(
      'old-terraform',
      'case "$*" in *-json*) echo "flag provided but not defined: -json" >&2; exit 1;; esac\necho "Terraform has been successfully initialized!"',
    );
    const init = await terraformInit(fake(bin));
    expect(init.exitCode).toBe(0);
    expect(init.command).toBe('terraform init -input=false -lock-timeout=1s');
    expect(init.stderrTail).toBe('Terraform has been successfully initialized!');
  });

  it('says a run printed no version event (not the machine-readable UI)', async () => {
    const silent = await terraformPlan(fake(await fakeBinary('silent', 'exit 0')), 'x.tfplan');
    expect(silent).toMatchObject({ exitCode: 0, sawVersion: false, diagnostics: [] });
  });

  it('reports a process killed by a signal as a failure', async () => {
    const bin = await fakeBinary('killed', 'kill -TERM $$');
    const run = await terraformApply(fake(bin), 'x.tfplan');
    expect(run.exitCode).toBe(1);
    expect(run.stderrTail).toContain('terminated by signal SIGTERM');
  });

  it('turns a missing binary into an error that says how to install terraform', async () => {
    await expect(terraformInit(options(tmp, { binary: path.join(tmp, 'nope', 'terraform') }))).rejects.toThrow(
      /Could not start .*ENOENT.*hashicorp\/setup-terraform/,
    );
  });

  it('names a missing working directory', async () => {
    await expect(terraformPlan(options(path.join(tmp, 'no-such-root')), 'x')).rejects.toThrow(
      /working directory .*no-such-root does not exist/,
    );
  });
});

describe('resolveTerraformBinary', () => {
  it('finds the real terraform on PATH', async () => {
    expect(await resolveTerraformBinary(process.env['PATH'])).toBe(realTerraform);
  });

  it("uses terraform-bin beside setup-terraform's node wrapper", async () => {
    const dir = path.join(tmp, 'wrapper');
    await mkdir(dir);
    await writeFile(path.join(dir, 'terraform'), '#!/usr/bin/env node\nconsole.log("wrapped");\n');
    await chmod(path.join(dir, 'terraform'), 0o755);
    await symlink(realTerraform, path.join(dir, 'terraform-bin'));

    const binary = await resolveTerraformBinary(`${dir}${path.delimiter}${process.env['PATH'] ?? ''}`);
    expect(binary).toBe(path.join(dir, 'terraform-bin'));
    const init = await terraformInit(options(await root('wrapped', PROBE_ROOT), { binary }));
    expect(init.exitCode).toBe(0);
    expect(init.sawVersion).toBe(true);
  });

  it('asks for terraform_wrapper: false when the wrapper has no terraform-bin', async () => {
    const dir = path.join(tmp, 'wrapper-alone');
    await mkdir(dir);
    await writeFile(path.join(dir, 'terraform'), '#!/usr/bin/env node\nconsole.log("wrapped");\n');
    await chmod(path.join(dir, 'terraform'), 0o755);
    await expect(resolveTerraformBinary(`${dir}${path.delimiter}${process.env['PATH'] ?? ''}`)).rejects.toThrow(/terraform_wrapper: false/);
  });

  it('keeps a shell shim that has no terraform-bin (tfenv and friends)', async () => {
    const dir = path.join(tmp, 'shim');
    await mkdir(dir);
    await writeFile(path.join(dir, 'terraform'), `#!/bin/sh\nexec '${realTerraform}' "$@"\n`);
    await chmod(path.join(dir, 'terraform'), 0o755);
    expect(await resolveTerraformBinary(dir)).toBe(path.join(dir, 'terraform'));
  });

  it('says to add setup-terraform when terraform is nowhere on PATH', async () => {
    const empty = path.join(tmp, 'empty-bin');
    await mkdir(empty);
    await expect(resolveTerraformBinary(empty)).rejects.toThrow(/Could not find terraform on PATH.*setup-terraform/);
  });
});

describe('the stderr tail', () => {
  it('drops ANSI colour codes Terraform puts in its plain-text errors', async () => {
    const bin = await fakeBinary('coloured', "printf '\\033[31m\\033[1mError:\\033[0m bad flag\\n' >&2; exit 1");
    const run = await terraformPlan({ binary: bin, cwd: tmp, env: {}, lockTimeout: '1s', logger: new RecordingLog() }, 'x.tfplan');
    expect(run.stderrTail).toBe('Error: bad flag');
  });
});
