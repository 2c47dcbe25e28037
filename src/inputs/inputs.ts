import * as core from '@actions/core';
import { log, type Inputs } from '../core/index.js';
import { crossProblems, withDerived } from './cross-checks.js';
import { problemsOf, type Field } from './fields.js';
import { INPUT_TABLE } from './table.js';

// Reads every input once, validates all of them before anything talks to AWS or runs
// Terraform, and reports every bad input in one error so a user fixes the workflow in one go.

/** All bad inputs of one run; `problems` holds one sentence per problem. */
export class InputError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      problems.length === 1
        ? (problems[0] ?? '')
        : `${problems.length} action inputs are invalid:\n${problems.map((p) => `- ${p}`).join('\n')}`,
    );
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** Reads and validates every input; throws one InputError listing every problem. */
export function getInputs(): Inputs {
  const problems: string[] = [];
  const parsed: Partial<Record<keyof Inputs, unknown>> = {};
  for (const [key, row] of Object.entries(INPUT_TABLE) as [keyof Inputs, Field<unknown>][]) {
    const raw = rawInput(row);
    parsed[key] = row.parse(raw, problemsOf(row.name, raw, problems));
  }
  // Every row filled its key, and the table's type ties each parser to its field's type.
  const values = parsed as Inputs;
  problems.push(...crossProblems(values));
  if (problems.length > 0) throw new InputError(problems);

  const inputs = withDerived(values);
  log.debug(`Inputs: ${JSON.stringify({ ...inputs, githubToken: inputs.githubToken ? '(set)' : '(empty)' })}`);
  return inputs;
}

/** The input's text as the runner passes it (INPUT_<NAME>), or the row's default when empty. */
function rawInput(row: Field<unknown>): string {
  if (row.explicitEmpty) {
    const set = process.env[`INPUT_${row.name.replace(/ /g, '_').toUpperCase()}`] !== undefined;
    return set ? core.getInput(row.name, { trimWhitespace: false }) : (row.default ?? '');
  }
  return core.getInput(row.name) || (row.default ?? '');
}
