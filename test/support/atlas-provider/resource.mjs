// atlas_schema plan and apply, as the stand-in Atlas provider does them (a test double, see
// README.md). Works on decoded values; the gRPC layer lives in provider.mjs.
import { randomUUID } from 'node:crypto';
import { missingProfileError, profileCredentials, variablesOf } from './aws-profile.mjs';
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
 * residual statements of a resource that exists are reported but never fixed). Like Atlas it
 * first resolves the profile's credentials and the env's URL from atlas.hcl (Secrets Manager
 * for roles, an RDS IAM token for schema), then always connects to inspect the database.
 * `used.accessKeyId` is set as soon as credentials are resolved, even if a later step fails.
 * @param {ResourceObject} config
 * @param {boolean} exists
 * @param {{ accessKeyId?: string }} used
 */
async function computePlan(config, exists, used) {
  const envName = envNameOf(config);
  const variables = knownString(config.variables);
  const profileError = missingProfileError(variables);
  if (profileError) throw new Error(profileError);
  const env = scenarioEnv(loadScenario(), envName);
  const { overrideUrl, withClient } = await database();
  const override = overrideUrl(envName);
  /** @type {import('./aws-profile.mjs').Credentials | undefined} */
  let credentials;
  const resolveCredentials = async () => {
    credentials ??= await profileCredentials(variables);
    used.accessKeyId = credentials.accessKeyId;
    return credentials;
  };
  // The explicit override (provider.test.ts, no profile files) skips the credential chain.
  if (!override) await resolveCredentials();
  if (env.planError) throw new Error(await substitute(env.planError, resolveCredentials));
  const hcl = knownString(config.hcl) ?? '';
  const url =
    override ??
    (await (
      await import('./atlas-hcl.mjs')
    ).resolveEnvUrl({
      envName,
      config: knownString(config.config),
      vars: variablesOf(variables),
      credentials: await resolveCredentials(),
    }));
  const execute = [];
  const candidates = desiredStatements(env.statements, hcl);
  // Real Atlas always inspects the database: an unreachable one fails every plan.
  await withClient(url, async (client) => {
    for (const s of candidates) {
      if (!s.present || (await client.query(s.present)).rowCount === 0) execute.push(s.sql);
    }
  });
  const residual = exists ? desiredStatements(env.residual, hcl).map((s) => s.sql) : [];
  return { url, env, execute, report: [...execute, ...residual], resolveCredentials };
}

/**
 * A scenario's planError/applyError with `${env:NAME}` (the provider's environment) and
 * `${profile:aws_access_key_id|aws_secret_access_key|aws_session_token}` (the resolved
 * profile) filled in, so a test can make a badly-behaved tool print real credentials.
 * @param {string} text
 * @param {() => Promise<import('./aws-profile.mjs').Credentials>} resolveCredentials
 */
async function substitute(text, resolveCredentials) {
  let out = text.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name) => process.env[name] ?? '');
  if (/\$\{profile:/.test(out)) {
    const c = await resolveCredentials();
    /** @type {Record<string, string>} */
    const keys = {
      aws_access_key_id: c.accessKeyId,
      aws_secret_access_key: c.secretAccessKey,
      aws_session_token: c.sessionToken ?? '',
    };
    out = out.replace(/\$\{profile:([a-z_]+)\}/g, (_, key) => keys[key] ?? '');
  }
  return out;
}

/**
 * PlanResourceChange. Returns the planned value and diagnostics.
 * @param {{ prior: ResourceObject | null, proposed: ResourceObject | null, config: ResourceObject | null }} req
 * @returns {Promise<{ planned: ResourceObject | null, diagnostics: Diagnostic[], accessKeyId?: string }>}
 */
export async function plan({ prior, proposed, config }) {
  if (proposed === null || config === null) return { planned: null, diagnostics: [] };
  /** @type {{ accessKeyId?: string }} */
  const used = {};
  let sql;
  try {
    sql = (await computePlan(config, prior !== null, used)).report;
  } catch (err) {
    return { planned: null, diagnostics: [planError(messageOf(err))], ...used };
  }
  const diagnostics = sql.length > 0 ? [atlasPlan(sql)] : [];
  // A new resource, or SQL to run on an existing one, gets a new id so Terraform shows a
  // change even when the configuration is unchanged. Without SQL the proposed value (prior
  // id, new config) stands: equal config means no diff, changed HCL text an in-place update.
  const id = prior === null || sql.length > 0 ? UNKNOWN : (prior.id ?? UNKNOWN);
  return { planned: { ...proposed, id }, diagnostics, ...used };
}

/**
 * ApplyResourceChange: re-plans like the real provider, then runs the SQL in one transaction.
 * It reports no `Atlas Plan` itself: Terraform re-plans (PlanResourceChange) right before
 * applying and shows that warning in the apply stream; a second copy here would show twice.
 * @param {{ prior: ResourceObject | null, planned: ResourceObject | null, config: ResourceObject | null }} req
 * @returns {Promise<{ newState: ResourceObject | null, diagnostics: Diagnostic[], accessKeyId?: string }>}
 */
export async function apply({ prior, planned, config }) {
  // Destroy: the double forgets the resource and leaves the database alone.
  if (planned === null || config === null) return { newState: null, diagnostics: [] };
  /** @type {{ accessKeyId?: string }} */
  const used = {};
  try {
    const p = await computePlan(config, prior !== null, used);
    if (p.env.applyError) throw new Error(await substitute(p.env.applyError, p.resolveCredentials));
    if (p.execute.length > 0) await (await database()).executeInTransaction(p.url, p.execute);
  } catch (err) {
    return { newState: prior, diagnostics: [applyError(messageOf(err))], ...used };
  }
  return { newState: { ...planned, id: planned.id === UNKNOWN ? randomUUID() : planned.id }, diagnostics: [], ...used };
}

/** PostgreSQL's own message (pg errors carry it as .message), never a stack. */
function messageOf(/** @type {unknown} */ err) {
  return err instanceof Error ? err.message : String(err);
}
