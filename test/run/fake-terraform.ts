import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TerraformRun } from '../../src/core/index.js';
import type { Terraform, TerraformOptions } from '../../src/terraform/index.js';
import { TerraformRunAccumulator } from '../../src/terraform/json-ui.js';
import { repoRoot } from '../support/action.js';

// A Terraform that answers each command of each root with a recorded `-json` stream (the real
// streams of test/fixtures/streams, with the SQL of the Atlas Plan swapped for the scenario's),
// and records which commands ran. The root is the working directory's last segment.

export type Command = 'init' | 'plan' | 'verify' | 'check' | 'apply';

/** One recorded run: stdout lines and the exit code. `before` runs first (e.g. a cancellation). */
export interface Stream {
  lines: string[];
  exitCode: number;
  before?: () => void;
}

export type Script = Partial<Record<'roles' | 'schema', Partial<Record<Command, Stream>>>>;

const fixture = (name: string): string[] =>
  readFileSync(path.join(repoRoot, 'test/fixtures/streams', `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean);

/** The Atlas Plan diagnostic's SQL replaced by `statements`, the address by the root's. */
function withSql(lines: string[], root: string, statements: string[]): string[] {
  return lines.map((line) => {
    const event = JSON.parse(line) as { diagnostic?: { summary: string; detail: string }; [k: string]: unknown };
    if (event.diagnostic?.summary === 'Atlas Plan') {
      event.diagnostic.detail = `The following SQL statements will be executed:\n\n\n${statements.join('\n')}\n`;
    }
    return JSON.stringify(event).replaceAll('atlas_schema.roles', `atlas_schema.${root}`);
  });
}

const isAtlasPlan = (line: string): boolean => line.includes('"summary":"Atlas Plan"');

/** `terraform init -json`: the version line, exit 0. */
export const init = (): Stream => ({ lines: fixture('roles-plan').slice(0, 1), exitCode: 0 });

/** A plan (roles-plan.jsonl) with `statements`; no statements and no Terraform change: roles-verify.jsonl, exit 0. */
export function plan(root: string, statements: string[], o: { terraformOnly?: boolean } = {}): Stream {
  if (statements.length === 0 && !o.terraformOnly) return { lines: withSql(fixture('roles-verify'), root, []), exitCode: 0 };
  const lines = fixture('roles-plan').filter((l) => statements.length > 0 || !isAtlasPlan(l));
  return { lines: withSql(lines, root, statements), exitCode: 2 };
}

/** An apply (roles-apply.jsonl) that ran `statements`. */
export const apply = (root: string, statements: string[]): Stream => ({
  lines: withSql(fixture('roles-apply'), root, statements),
  exitCode: 0,
});

/** The recorded failed apply (permission denied to grant a role), exit 1. */
export const applyError = (root: string): Stream => ({
  lines: withSql(fixture('apply-error'), root, ['CREATE ROLE "app_writer" WITH LOGIN;']),
  exitCode: 1,
});

/** The recorded failed plan (Atlas Plan Error: no such AWS profile), exit 1. */
export const planError = (root: string): Stream => ({ lines: withSql(fixture('plan-error'), root, []), exitCode: 1 });

export class FakeTerraform implements Terraform {
  readonly calls: string[] = [];
  constructor(private readonly script: Script) {}

  resolveBinary = (): Promise<string> => Promise.resolve('/usr/bin/terraform');
  init = (o: TerraformOptions): Promise<TerraformRun> => this.answer(o, 'init');
  plan = (o: TerraformOptions, planFile: string): Promise<TerraformRun> =>
    this.answer(o, planFile.endsWith('.verify.tfplan') ? 'verify' : 'plan');
  checkPlan = (o: TerraformOptions): Promise<TerraformRun> => this.answer(o, 'check');
  apply = (o: TerraformOptions): Promise<TerraformRun> => this.answer(o, 'apply');

  private async answer(o: TerraformOptions, command: Command): Promise<TerraformRun> {
    await Promise.resolve(); // answers arrive asynchronously, as from a child process
    const root = path.basename(o.cwd) as 'roles' | 'schema';
    this.calls.push(`${root} ${command}`);
    const stream = this.script[root]?.[command];
    if (!stream) throw new Error(`The scenario has no "${command}" for the ${root} root`);
    stream.before?.();
    const acc = new TerraformRunAccumulator(`terraform ${command}`);
    for (const line of stream.lines) acc.addLine(line);
    return acc.finish(stream.exitCode, '');
  }
}
