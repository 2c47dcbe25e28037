// Where the stand-in Atlas provider's SQL comes from: a JSON scenario file (see README.md).
// This is a test double, not Atlas: it does not diff HCL against the database. A scenario
// lists candidate statements per env; a statement is desired when the resource's HCL
// mentions every `when` substring (and the runner's CLI version is among `cliVersions`, if
// given), and pending when its `present` query finds nothing. A `query` statement stands for
// whatever its rows say: each row's first column is one pending statement, so drift against
// real rows (objects the HCL lacks) can be expressed.
import { readFileSync } from 'node:fs';

/**
 * @typedef {{ sql?: string, query?: string, when?: string[], present?: string,
 *   cliVersions?: string[] }} ScenarioStatement
 * @typedef {{ statements?: ScenarioStatement[], residual?: ScenarioStatement[],
 *   clean?: ScenarioStatement[], planError?: string, applyError?: string,
 *   inspectError?: string, inspectedHcl?: string, killTerraformAfterCommit?: boolean }} ScenarioEnv
 * @typedef {{ envs: Record<string, ScenarioEnv>,
 *   vercheck?: import('./update-check.mjs').VercheckPayload }} Scenario
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
    throw new Error(`stand-in Atlas provider: could not read scenario ${file}: ${/** @type {Error} */ (err).message}`, { cause: err });
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
 * Statements the HCL asks for (on a runner with this Atlas CLI version), in file order.
 * @param {ScenarioStatement[] | undefined} statements
 * @param {string} hcl
 * @param {string} cliVersion as `atlas version` printed it, e.g. v1.2.3
 */
export function desiredStatements(statements, hcl, cliVersion) {
  return (statements ?? []).filter(
    (s) => (s.when ?? []).every((needle) => hcl.includes(needle)) && (!s.cliVersions || s.cliVersions.includes(cliVersion)),
  );
}

/**
 * The SQL of the statements that are pending on this database, in order: a `query`
 * statement contributes one statement per row (its first column); any other is pending
 * unless its `present` query returns a row.
 * @param {{ query(sql: string): Promise<{ rows: Record<string, unknown>[], rowCount: number | null }> }} client
 * @param {ScenarioStatement[]} statements
 * @returns {Promise<string[]>}
 */
export async function pendingSql(client, statements) {
  /** @type {string[]} */
  const out = [];
  for (const s of statements) {
    if (s.query) {
      for (const row of (await client.query(s.query)).rows) out.push(String(Object.values(row)[0]));
    } else if (!s.present || (await client.query(s.present)).rowCount === 0) {
      out.push(s.sql ?? '');
    }
  }
  return out;
}

/** The `Atlas Plan` warning's detail, byte for byte as ariga/atlas 0.10 writes it. */
export function atlasPlanDetail(/** @type {string[]} */ statements) {
  return 'The following SQL statements will be executed:\n\n\n' + statements.map((s) => s + '\n').join('');
}

/** The first-run check's detail, as atlas_schema_resource.go formats it. */
export function unrecognizedDetail(/** @type {string[]} */ drops) {
  return (
    'The database contains resources that Atlas wants to drop because they are not defined in the HCL file on the first run.\n' +
    `\t- ${drops.join('\n- ')}\n` +
    '\tTo learn how to add an existing database to a project, read:\n' +
    '\thttps://atlasgo.io/terraform-provider#working-with-an-existing-database'
  );
}

export const DEV_URL_DETAIL =
  "It is highly recommended that you use 'dev_url' to specify a dev database.\n" +
  'to learn more about it, visit: https://atlasgo.io/dev-database';
