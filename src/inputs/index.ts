// inputs/: the action's inputs read and validated once into one typed Inputs; every problem in
// one InputError that names the input, the value and the fix. May import core/ only.

/** Reads and validates every input; throws one InputError listing every problem. */
export { getInputs } from './inputs.js';
/**
 * The error getInputs throws: one sentence per problem, all of them in its message.
 * @internal The action reports it like any error; the inputs tests check its problems.
 */
export { InputError } from './inputs.js';
/** Input names as action.yml spells them, by the Inputs field they fill. */
export { INPUT } from './table.js';
/**
 * Every input's row: name, action.yml default, parser.
 * @internal test/unit/contract.test.ts holds it to action.yml.
 */
export { INPUT_TABLE } from './table.js';
/** The workspace directory that working directories and roles-paths are relative to. */
export { workspaceDir } from './workspace.js';
/** AWS profile names the action can write as an INI section header. */
export { PROFILE_NAME } from './input-rules.js';
/** "host:port" → host and port; undefined unless both are there and the port is 1–65535. */
export { parseEndpoint } from './input-rules.js';
/** A parsed database endpoint. */
export type { HostPort } from './input-rules.js';
/** A value as error messages show it: JSON-quoted, shortened. */
export { quote } from './input-rules.js';
