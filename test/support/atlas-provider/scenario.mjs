// Where the stand-in Atlas provider's SQL comes from: a JSON scenario file (see README.md).
// This is a test double, not Atlas: it does not diff HCL against the database. A scenario
// lists candidate statements per env; a statement is desired when the resource's HCL
// mentions every `when` substring, and pending when its `present` query finds nothing.
import { readFileSync } from 'node:fs';

/**
 * @typedef {{ sql: string, when?: string[], present?: string }} ScenarioStatement
 * @typedef {{ statements?: ScenarioStatement[], residual?: ScenarioStatement[],
 *   planError?: string, applyError?: string }} ScenarioEnv
 * @typedef {{ envs: Record<string, ScenarioEnv> }} Scenario
 */

/**
 * Reads the scenario named by ATLAS_STANDIN_SCENARIO. Read on every call, not cached, so a
 * test can change it between two terraform commands.
 * @returns {Scenario}
 */
export function loadScenario(/** @type {NodeJS.ProcessEnv} */ env = process.env) {
  const file = env.ATLAS_STANDIN_SCENARIO;
  if (!file) {
    throw new Error('stand-in Atlas provider: ATLAS_STANDIN_SCENARIO is not set; point it at a scenario JSON file');
  }
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`stand-in Atlas provider: could not read scenario ${file}: ${/** @type {Error} */ (err).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || typeof parsed.envs !== 'object') {
    throw new Error(`stand-in Atlas provider: scenario ${file} has no "envs" object`);
  }
  return parsed;
}

/**
 * The scenario entry of an env name, or an error naming the envs that exist.
 * @param {Scenario} scenario
 * @param {string} envName
 * @returns {ScenarioEnv}
 */
export function scenarioEnv(scenario, envName) {
  const entry = scenario.envs[envName];
  if (!entry) {
    const known = Object.keys(scenario.envs).join(', ') || 'none';
    throw new Error(`stand-in Atlas provider: the scenario has no env "${envName}" (it has: ${known})`);
  }
  return entry;
}

/**
 * Statements the HCL asks for, in file order.
 * @param {ScenarioStatement[] | undefined} statements
 * @param {string} hcl
 */
export function desiredStatements(statements, hcl) {
  return (statements ?? []).filter((s) => (s.when ?? []).every((needle) => hcl.includes(needle)));
}

/** The `Atlas Plan` warning's detail, byte for byte as ariga/atlas 0.10 writes it. */
export function atlasPlanDetail(/** @type {string[]} */ statements) {
  return 'The following SQL statements will be executed:\n\n\n' + statements.map((s) => s + '\n').join('');
}

export const DEV_URL_DETAIL =
  "It is highly recommended that you use 'dev_url' to specify a dev database.\n" +
  'to learn more about it, visit: https://atlasgo.io/dev-database';
