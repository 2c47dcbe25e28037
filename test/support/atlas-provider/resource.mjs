// atlas_schema plan and apply, as the stand-in Atlas provider does them (a test double, see
// README.md). Works on decoded values; the gRPC layer lives in provider.mjs.
import { randomUUID } from 'node:crypto';
import { missingProfileError } from './aws-profile.mjs';
import { atlasPlanDetail, DEV_URL_DETAIL, desiredStatements, loadScenario, scenarioEnv } from './scenario.mjs';
import { knownString, UNKNOWN } from './values.mjs';

// pg is loaded on first use: two of the three provider processes of a plan only serve the
// schema or validate, and start-up time is paid on every one.
/** @type {Promise<typeof import('./database.mjs')> | undefined} */
let databaseModule;
const database = () => (databaseModule ??= import('./database.mjs'));

/** Closes open database connections, if the database was ever used (the process is exiting). */
export async function closeDatabase() {
  if (databaseModule) await (await databaseModule).closeAll();
}

/**
 * @typedef {import('./values.mjs').ResourceObject} ResourceObject
 * @typedef {{ severity: 'ERROR' | 'WARNING', summary: string, detail: string,
 *   attribute?: { steps: { attribute_name: string }[] } }} Diagnostic
 */

/** @returns {Diagnostic} */
export const devUrlUnset = () => ({
  severity: 'WARNING',
  summary: 'dev_url is unset',
  detail: DEV_URL_DETAIL,
  attribute: { steps: [{ attribute_name: 'dev_url' }] },
});

/** @returns {Diagnostic} */
const atlasPlan = (/** @type {string[]} */ sql) => ({ severity: 'WARNING', summary: 'Atlas Plan', detail: atlasPlanDetail(sql) });

/** @returns {Diagnostic} */
const error = (/** @type {string} */ summary, /** @type {string} */ detail) => ({ severity: 'ERROR', summary, detail });

const planError = (/** @type {string} */ msg) => error('Atlas Plan Error', `Unable to generate migration plan, got error: ${msg}`);
const applyError = (/** @type {string} */ msg) => error('Apply Error', `Unable to apply changes, got error: ${msg}`);

/** The env name a resource value belongs to ('' when not known yet). */
export function envNameOf(/** @type {ResourceObject | null} */ obj) {
  return knownString(obj?.env_name) ?? '';
}

/**
 * Validation: the only finding the real provider has for the seed's roots. `dev_url is unset`
 * comes from here only: Terraform validates twice per plan and shows both, which is the
 * "twice per plan" users see (emitting it from PlanResourceChange as well makes it three).
 */
export function validate(/** @type {ResourceObject | null} */ config) {
  return config && config.dev_url === null ? [devUrlUnset()] : [];
}

/**
 * What Atlas would run now: `execute` is what apply runs, `report` what it prints (the
 * residual statements of a resource that exists are reported but never fixed).
 * @param {ResourceObject} config
 * @param {boolean} exists
 */
async function computePlan(config, exists) {
  const envName = envNameOf(config);
  const profileError = missingProfileError(knownString(config.variables));
  if (profileError) throw new Error(profileError);
  const env = scenarioEnv(loadScenario(), envName);
  if (env.planError) throw new Error(env.planError);
  const hcl = knownString(config.hcl) ?? '';
  const { envUrl, withClient } = await database();
  const url = envUrl(envName);
  const execute = [];
  const candidates = desiredStatements(env.statements, hcl);
  if (candidates.length > 0) {
    await withClient(url, async (client) => {
      for (const s of candidates) {
        if (!s.present || (await client.query(s.present)).rowCount === 0) execute.push(s.sql);
      }
    });
  }
  const residual = exists ? desiredStatements(env.residual, hcl).map((s) => s.sql) : [];
  return { url, env, execute, report: [...execute, ...residual] };
}

/**
 * PlanResourceChange. Returns the planned value and diagnostics.
 * @param {{ prior: ResourceObject | null, proposed: ResourceObject | null, config: ResourceObject | null }} req
 * @returns {Promise<{ planned: ResourceObject | null, diagnostics: Diagnostic[] }>}
 */
export async function plan({ prior, proposed, config }) {
  if (proposed === null || config === null) return { planned: null, diagnostics: [] };
  let sql;
  try {
    sql = (await computePlan(config, prior !== null)).report;
  } catch (err) {
    return { planned: null, diagnostics: [planError(messageOf(err))] };
  }
  const diagnostics = sql.length > 0 ? [atlasPlan(sql)] : [];
  // A new resource, or SQL to run on an existing one, gets a new id so Terraform shows a
  // change even when the configuration is unchanged. Without SQL the proposed value (prior
  // id, new config) stands: equal config means no diff, changed HCL text an in-place update.
  const id = prior === null || sql.length > 0 ? UNKNOWN : (prior.id ?? UNKNOWN);
  return { planned: { ...proposed, id }, diagnostics };
}

/**
 * ApplyResourceChange: re-plans like the real provider, then runs the SQL in one transaction.
 * It reports no `Atlas Plan` itself: Terraform re-plans (PlanResourceChange) right before
 * applying and shows that warning in the apply stream; a second copy here would show twice.
 * @param {{ prior: ResourceObject | null, planned: ResourceObject | null, config: ResourceObject | null }} req
 * @returns {Promise<{ newState: ResourceObject | null, diagnostics: Diagnostic[] }>}
 */
export async function apply({ prior, planned, config }) {
  // Destroy: the double forgets the resource and leaves the database alone.
  if (planned === null || config === null) return { newState: null, diagnostics: [] };
  try {
    const p = await computePlan(config, prior !== null);
    if (p.env.applyError) throw new Error(p.env.applyError);
    if (p.execute.length > 0) await (await database()).executeInTransaction(p.url, p.execute);
  } catch (err) {
    return { newState: prior, diagnostics: [applyError(messageOf(err))] };
  }
  return { newState: { ...planned, id: planned.id === UNKNOWN ? randomUUID() : planned.id }, diagnostics: [] };
}

/** PostgreSQL's own message (pg errors carry it as .message), never a stack. */
function messageOf(/** @type {unknown} */ err) {
  return err instanceof Error ? err.message : String(err);
}
