import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Subject } from './trust-policy.js';

// examples/seed/.github/workflows/database.yml read as GitHub reads it, for the questions the
// tests ask: for each event it runs on (each `mode` of workflow_dispatch), which jobs run
// (their `if:`), what the OIDC token of each is about (environment, pull request or ref), and
// which role the action assumes there (its `mode` and role inputs).

const DEFAULT_BRANCH = 'main';

interface Job {
  if?: string;
  environment?: string | { name: string };
  steps?: { uses?: string; with?: Record<string, string> }[];
}

interface Workflow {
  on: Record<string, { inputs?: { mode?: { options?: string[] } } } | null>;
  jobs: Record<string, Job>;
}

/** One job of the example that runs the action, for one event. */
export interface ExampleRun {
  event: string;
  /** workflow_dispatch's `mode` input; undefined for other events. */
  dispatchMode: string | undefined;
  job: string;
  subject: Subject;
  /** The action's mode for this event (its `mode` input, `auto` resolved). */
  mode: 'plan' | 'apply';
  /** The input that names the role the action assumes, and its value. */
  roleInput: 'role-to-assume' | 'apply-role-to-assume';
  roleArn: string;
  /** The action step's `with:` as written. */
  with: Record<string, string>;
}

export function readWorkflow(file: string): Workflow {
  return parse(readFileSync(file, 'utf8')) as Workflow;
}

/** Every (event, job) pair of the workflow in which the action runs. */
export function exampleRuns(workflow: Workflow): ExampleRun[] {
  const triggers = Object.entries(workflow.on).flatMap(([event, config]) =>
    event === 'workflow_dispatch'
      ? (config?.inputs?.mode?.options ?? [undefined]).map((mode) => ({ event, mode }))
      : [{ event, mode: undefined }],
  );
  return triggers.flatMap(({ event, mode }) =>
    Object.entries(workflow.jobs).flatMap(([name, job]): ExampleRun[] => {
      if (job.if !== undefined && !evaluateIf(job.if, { 'github.event_name': event, 'inputs.mode': mode ?? null })) return [];
      const step = (job.steps ?? []).find((s) => /rds-atlas-action@/.test(s.uses ?? ''));
      if (!step) return [];
      const inputs = step.with ?? {};
      const declared = inputs['mode'] ?? 'auto';
      const actionMode = declared === 'auto' ? (event === 'push' ? 'apply' : 'plan') : declared;
      if (actionMode !== 'plan' && actionMode !== 'apply') throw new Error(`job ${name}: mode ${declared} is not read here`);
      const roleInput = actionMode === 'apply' && inputs['apply-role-to-assume'] ? 'apply-role-to-assume' : 'role-to-assume';
      const environment = typeof job.environment === 'string' ? job.environment : job.environment?.name;
      const subject: Subject = environment
        ? { kind: 'environment', name: environment }
        : event === 'pull_request'
          ? { kind: 'pull_request' }
          : { kind: 'ref', ref: `refs/heads/${DEFAULT_BRANCH}` };
      return [
        { event, dispatchMode: mode, job: name, subject, mode: actionMode, roleInput, roleArn: inputs[roleInput] ?? '', with: inputs },
      ];
    }),
  );
}

type Context = Record<string, string | null>;
type Value = string | null | boolean;

/**
 * A job's `if:` in the subset the example uses: context names, 'strings', ==, !=, !, &&, ||
 * and parentheses, with GitHub's meaning (a missing input is null, and null != 'x').
 * Anything else throws rather than being guessed.
 */
export function evaluateIf(expression: string, context: Context): boolean {
  const text = expression.replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, '$1');
  const tokens = [...text.matchAll(/\s*(&&|\|\||==|!=|!|\(|\)|'(?:[^']|'')*'|[A-Za-z_][\w.-]*|\S)/g)].map((m) => m[1]!);
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`if: ${expression}: ${why}`);
  };
  const next = (): string => tokens[at++] ?? fail('ends too early');
  const primary = (): Value => {
    const t = next();
    if (t === '!') return !truthy(primary());
    if (t === '(') {
      const v = or();
      if (next() !== ')') fail('a ( is not closed');
      return v;
    }
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^[A-Za-z_]/.test(t)) return t in context ? (context[t] ?? null) : fail(`${t} is not known here`);
    return fail(`cannot read ${t}`);
  };
  const comparison = (): Value => {
    const left = primary();
    const op = tokens[at];
    if (op !== '==' && op !== '!=') return left;
    at++;
    const right = primary();
    return op === '==' ? left === right : left !== right;
  };
  const and = (): Value => {
    let v = comparison();
    while (tokens[at] === '&&') {
      at++;
      const r = comparison();
      v = truthy(v) && truthy(r);
    }
    return v;
  };
  const or = (): Value => {
    let v = and();
    while (tokens[at] === '||') {
      at++;
      const r = and();
      v = truthy(v) || truthy(r);
    }
    return v;
  };
  const result = or();
  if (at !== tokens.length) fail(`cannot read ${tokens[at]}`);
  return truthy(result);
}

const truthy = (v: Value): boolean => v !== null && v !== false && v !== '';
