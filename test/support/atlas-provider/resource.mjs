// atlas_schema's validate, read, plan and apply, as the stand-in Atlas provider does them (a
// test double, see README.md). Works on decoded values; the gRPC layer lives in provider.mjs,
// one Atlas command in atlas-run.mjs. Which Atlas commands each step runs follows the real
// provider's atlas_schema_resource.go (cited in README.md).
import { randomUUID } from 'node:crypto';
import { envHasDev, envModes } from './atlas-env.mjs';
import { AtlasCliError, database, runAtlas } from './atlas-run.mjs';
import { rolesScope, schemaScope } from './clean.mjs';
import { atlasPlanDetail, DEV_URL_DETAIL, desiredStatements, pendingSql, unrecognizedDetail } from './scenario.mjs';
import { knownString, UNKNOWN } from './values.mjs';

export { closeDatabase } from './atlas-run.mjs';

/**
 * @typedef {import('./values.mjs').ResourceObject} ResourceObject
 * @typedef {import('./atlas-run.mjs').Used} Used
 * @typedef {import('./atlas-run.mjs').AtlasContext} AtlasContext
 * @typedef {{ severity: 'ERROR' | 'WARNING', summary: string, detail: string,
 *   attribute?: { steps: { attribute_name: string }[] } }} Diagnostic
 */

/**
 * What ConfigureProvider learnt; until it ran (Terraform's validate walk) the provider has no
 * Atlas client, and the real provider's resource validation then checks nothing.
 */
export const session = { configured: false, cliVersion: '', devUrl: '' };

/** @returns {Diagnostic} */
const devUrlUnset = () => ({
  severity: 'WARNING',
  summary: 'dev_url is unset',
  detail: DEV_URL_DETAIL,
  attribute: { steps: [{ attribute_name: 'dev_url' }] },
});

/** @returns {Diagnostic} */
const atlasPlan = (/** @type {string[]} */ sql) => ({ severity: 'WARNING', summary: 'Atlas Plan', detail: atlasPlanDetail(sql) });

/** @returns {Diagnostic} */
const error = (/** @type {string} */ summary, /** @type {string} */ detail) => ({ severity: 'ERROR', summary, detail });

const planError = (/** @type {unknown} */ err) =>
  error('Atlas Plan Error', `Unable to generate migration plan, got error: ${cliText(err)}`);
const applyError = (/** @type {unknown} */ err) => error('Apply Error', `Unable to apply changes, got error: ${cliText(err)}`);
const inspectError = (/** @type {unknown} */ err) => error('Inspect Error', `Unable to inspect, got error: ${cliText(err)}`);

/** The CLI's error text; anything else (a bug in the double) as its message. */
function cliText(/** @type {unknown} */ err) {
  if (err instanceof AtlasCliError) return err.message;
  process.stderr.write(`stand-in Atlas provider: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
  return err instanceof Error ? err.message : String(err);
}

/** The env name a resource value belongs to ('' when not known yet). */
export function envNameOf(/** @type {ResourceObject | null} */ obj) {
  return knownString(obj?.env_name) ?? '';
}

/**
 * ValidateResourceConfig: `dev_url is unset` when the merged env has no `dev` (neither the
 * env block in atlas.hcl, nor the resource's or the provider's dev_url). Only once the
 * provider is configured: Terraform's validate walk never configures it, so a plan shows the
 * warning once (plan walk) and an apply of a planfile once.
 */
export function validate(/** @type {ResourceObject | null} */ config) {
  if (!config || !session.configured) return [];
  if (knownString(config.dev_url) || session.devUrl) return [];
  if (envHasDev(knownString(config.config), envNameOf(config) || 'tf')) return [];
  return [devUrlUnset()];
}

/**
 * The statements `schema apply` would run now (`execute`) and what its dry run prints
 * (`report`: plus the residual statements of a resource that exists, which never converge).
 * @param {AtlasContext} ctx
 * @param {boolean} exists
 */
async function pendingOf({ client, env, hcl }, exists) {
  const execute = await pendingSql(client, desiredStatements(env.statements, hcl, session.cliVersion));
  const residual = exists ? await pendingSql(client, desiredStatements(env.residual, hcl, session.cliVersion)) : [];
  return { execute, report: [...execute, ...residual] };
}

/** What `schema clean` drops for the env: the scenario's `clean`, else the env's scope. */
async function cleanOf(/** @type {AtlasContext} */ { client, env, envName, hcl, config }) {
  if (env.clean) return pendingSql(client, desiredStatements(env.clean, hcl, session.cliVersion));
  return envModes(config, envName).has('roles') ? rolesScope(client) : schemaScope(client);
}

/**
 * ReadResource: `schema inspect`. Like the real provider it stores what the inspection
 * printed as `hcl` when the scenario says what that is (`inspectedHcl`); otherwise the state
 * comes back unchanged (as if the HCL were normalised).
 * @param {ResourceObject} state
 * @returns {Promise<{ newState: ResourceObject, diagnostics: Diagnostic[], used: Used }>}
 */
export async function read(state) {
  /** @type {Used} */
  const used = { atlas: [] };
  try {
    const inspected = await runAtlas(
      'schema inspect',
      { values: state, used, scenarioError: 'inspectError' },
      async ({ env }) => env.inspectedHcl,
    );
    return { newState: inspected === undefined ? state : { ...state, hcl: inspected }, diagnostics: [], used };
  } catch (err) {
    return { newState: state, diagnostics: [inspectError(err)], used };
  }
}

/**
 * PlanResourceChange. A create runs the first-run check (a dry run whose pending `DROP `
 * statements are an error) and then the dry run it prints; an update only the latter; a
 * delete `schema clean --dry-run` with the values in state.
 * @param {{ prior: ResourceObject | null, proposed: ResourceObject | null, config: ResourceObject | null }} req
 * @returns {Promise<{ planned: ResourceObject | null, diagnostics: Diagnostic[], used: Used }>}
 */
export async function plan({ prior, proposed, config }) {
  /** @type {Used} */
  const used = { atlas: [] };
  if (proposed === null || config === null) {
    if (prior === null) return { planned: null, diagnostics: [], used };
    try {
      const drops = await runAtlas('schema clean --dry-run', { values: prior, used, scenarioError: 'planError' }, cleanOf);
      return { planned: null, diagnostics: drops.length > 0 ? [atlasPlan(drops)] : [], used };
    } catch (err) {
      return { planned: null, diagnostics: [planError(err)], used };
    }
  }
  /** @type {Diagnostic[]} */
  const diagnostics = [];
  const dryRun = () =>
    runAtlas('schema apply --dry-run', { values: config, used, scenarioError: 'planError' }, (ctx) => pendingOf(ctx, prior !== null));
  if (prior === null) {
    // The real provider appends the check's diagnostics and goes on to print the plan.
    try {
      const drops = (await dryRun()).execute.filter((s) => s.includes('DROP '));
      if (drops.length > 0) diagnostics.push(error('Unrecognized schema resources', unrecognizedDetail(drops)));
    } catch (err) {
      diagnostics.push(planError(err));
    }
  }
  let sql;
  try {
    sql = (await dryRun()).report;
  } catch (err) {
    return { planned: null, diagnostics: [...diagnostics, planError(err)], used };
  }
  if (sql.length > 0) diagnostics.push(atlasPlan(sql));
  // A new resource, or SQL to run on an existing one, gets a new id so Terraform shows a
  // change even when the configuration is unchanged. Without SQL the proposed value (prior
  // id, new config) stands: equal config means no diff, changed HCL text an in-place update.
  const id = prior === null || sql.length > 0 ? UNKNOWN : (prior.id ?? UNKNOWN);
  return { planned: { ...proposed, id }, diagnostics, used };
}

/**
 * TEST-DOUBLE KNOB (scenario `killTerraformAfterCommit`), not provider behaviour: the SQL is
 * committed, then terraform (this process's parent; the shim `exec`s node) is killed before
 * the answer reaches it — a runner losing the job, or the OOM killer, right after COMMIT. The
 * provider then exits with its parent, as it always does; it never answers.
 * @returns {Promise<never>}
 */
function killTerraform() {
  process.stderr.write(`stand-in Atlas provider: killTerraformAfterCommit: SIGKILL to terraform (pid ${process.ppid})\n`);
  process.kill(process.ppid, 'SIGKILL');
  return new Promise(() => {});
}

/**
 * ApplyResourceChange. Create/update: `schema apply --auto-approve`, which plans again and
 * runs the SQL in one transaction. Delete: `schema clean --auto-approve`, statement by
 * statement. It reports no `Atlas Plan` itself: Terraform re-plans (PlanResourceChange) right
 * before applying and shows that warning in the apply stream.
 * @param {{ prior: ResourceObject | null, planned: ResourceObject | null, config: ResourceObject | null }} req
 * @returns {Promise<{ newState: ResourceObject | null, diagnostics: Diagnostic[], used: Used }>}
 */
export async function apply({ prior, planned, config }) {
  /** @type {Used} */
  const used = { atlas: [] };
  const { executeEach, executeInTransaction } = await database();
  if (planned === null || config === null) {
    if (prior === null) return { newState: null, diagnostics: [], used };
    try {
      await runAtlas('schema clean --auto-approve', { values: prior, used, scenarioError: 'applyError' }, async (ctx) =>
        executeEach(ctx.client, await cleanOf(ctx)),
      );
    } catch (err) {
      return { newState: prior, diagnostics: [applyError(err)], used };
    }
    return { newState: null, diagnostics: [], used };
  }
  try {
    await runAtlas('schema apply --auto-approve', { values: config, used, scenarioError: 'applyError' }, async (ctx) => {
      const statements = (await pendingOf(ctx, prior !== null)).execute;
      await executeInTransaction(ctx.client, statements);
      if (ctx.env.killTerraformAfterCommit && statements.length > 0) await killTerraform();
    });
  } catch (err) {
    return { newState: prior, diagnostics: [applyError(err)], used };
  }
  return { newState: { ...planned, id: planned.id === UNKNOWN ? randomUUID() : planned.id }, diagnostics: [], used };
}
