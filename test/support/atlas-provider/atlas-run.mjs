// One Atlas CLI invocation as the stand-in provider (a test double, see README.md) imitates
// it. The real provider runs the CLI for every step (`schema apply --dry-run`, `schema
// inspect`, `schema clean`, ...), and each run evaluates atlas.hcl afresh: the profile's
// credentials, the env's URL (a Secrets Manager read or a new IAM token), the Atlas Pro login
// when the env manages roles or permissions, then a connection that inspects the database.
// A failure reads as atlasexec hands it to the provider: the CLI's stderr, `Error: <message>`
// (or atlasexec's own `command requires 'atlas login'`).
import { isLoggedIn } from '../atlas-cli/login-state.mjs';
import { missingProfileError, profileCredentials, variablesOf } from './aws-profile.mjs';
import { envModes } from './atlas-env.mjs';
import { loadScenario, scenarioEnv } from './scenario.mjs';
import { knownString } from './values.mjs';

// pg is loaded on first use: most provider processes never plan.
/** @type {Promise<typeof import('./database.mjs')> | undefined} */
let databaseModule;
export const database = () => (databaseModule ??= import('./database.mjs'));

/** Closes open database connections, if the database was ever used (the process is exiting). */
export async function closeDatabase() {
  if (databaseModule) await (await databaseModule).closeAll();
}

/**
 * What the provider's calls used, for the call log: the access key id of the profile
 * credentials (never the secret) and the Atlas commands run, in order.
 * @typedef {{ accessKeyId?: string, atlas: string[] }} Used
 * @typedef {import('./values.mjs').ResourceObject} ResourceObject
 * @typedef {import('./scenario.mjs').ScenarioEnv} ScenarioEnv
 * @typedef {{ client: import('pg').Client, env: ScenarioEnv, envName: string, hcl: string,
 *   config: string | null, resolveCredentials: () => Promise<import('./aws-profile.mjs').Credentials> }} AtlasContext
 */

/** The CLI's (or atlasexec's) error text: what the provider puts after "got error: ". */
export class AtlasCliError extends Error {}

const LOGIN_REQUIRED = "command requires 'atlas login'";

/** Whether the env needs Atlas Pro (roles, users, permissions) and so a logged-in CLI. */
export function needsLogin(/** @type {string | null} */ config, /** @type {string} */ envName) {
  const modes = envModes(config, envName);
  return modes.has('roles') || modes.has('permissions');
}

/**
 * Runs one Atlas command against the env of `values` (a resource's config or state) and
 * hands fn a connected client.
 * @template T
 * @param {string} command e.g. "schema apply --dry-run", for the call log
 * @param {{ values: ResourceObject, used: Used, scenarioError: 'planError' | 'applyError' | 'inspectError' }} o
 *   scenarioError: which scenario error, if set for the env, this command fails with
 * @param {(ctx: AtlasContext) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function runAtlas(command, { values, used, scenarioError }, fn) {
  used.atlas.push(command);
  try {
    return await invoke(values, used, scenarioError, fn);
  } catch (err) {
    if (err instanceof AtlasCliError) throw err;
    throw new AtlasCliError(`Error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * @template T
 * @param {ResourceObject} values
 * @param {Used} used
 * @param {'planError' | 'applyError' | 'inspectError'} scenarioError
 * @param {(ctx: AtlasContext) => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function invoke(values, used, scenarioError, fn) {
  const envName = knownString(values.env_name) ?? '';
  const variables = knownString(values.variables);
  const config = knownString(values.config);
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
  // The explicit override (the provider's own tests, without profile files) skips the chain.
  if (!override) await resolveCredentials();
  const planted = env[scenarioError];
  if (planted) throw new Error(await substitute(planted, resolveCredentials));
  const url =
    override ??
    (await (
      await import('./atlas-hcl.mjs')
    ).resolveEnvUrl({ envName, config, vars: variablesOf(variables), credentials: await resolveCredentials() }));
  if (needsLogin(config, envName) && !isLoggedIn()) throw new AtlasCliError(LOGIN_REQUIRED);
  return withClient(url, async (client) => {
    // Atlas inspects the database on every command; benchmarks can make that take its time.
    const delay = Number(process.env.ATLAS_STANDIN_INSPECT_DELAY_MS || 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return fn({ client, env, envName, hcl: knownString(values.hcl) ?? '', config, resolveCredentials });
  });
}

/**
 * A scenario error with `${env:NAME}` (the provider's environment) and
 * `${profile:aws_access_key_id|aws_secret_access_key|aws_session_token}` (the resolved
 * profile) filled in, so a test can make a badly-behaved tool print real credentials. A
 * placeholder may name a form, `${env:NAME|url}`: the value as some encoder between a tool
 * and a log would print it (see `FORMS`), for the redaction tests. Test double only.
 * @param {string} text
 * @param {() => Promise<import('./aws-profile.mjs').Credentials>} resolveCredentials
 */
async function substitute(text, resolveCredentials) {
  let out = text.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?:\|([a-z0-9-]+))?\}/g, (_, name, form) =>
    inForm(process.env[name] ?? '', form),
  );
  if (/\$\{profile:/.test(out)) {
    const c = await resolveCredentials();
    /** @type {Record<string, string>} */
    const keys = {
      aws_access_key_id: c.accessKeyId,
      aws_secret_access_key: c.secretAccessKey,
      aws_session_token: c.sessionToken ?? '',
    };
    out = out.replace(/\$\{profile:([a-z_]+)(?:\|([a-z0-9-]+))?\}/g, (_, key, form) => inForm(keys[key] ?? '', form));
  }
  return out;
}

const json = (/** @type {string} */ v) => JSON.stringify(v).slice(1, -1);
/** `base64-N`: the value after N filler bytes, so its first byte sits at each position of a 3-byte group. */
const base64 = (/** @type {string} */ v, /** @type {number} */ n, /** @type {BufferEncoding} */ alphabet) =>
  Buffer.from('#'.repeat(n) + v).toString(alphabet);

/** @type {Record<string, (v: string) => string>} */
const FORMS = {
  url: (v) => encodeURIComponent(v),
  'url-lower': (v) => encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
  'url-twice': (v) => encodeURIComponent(encodeURIComponent(v)),
  'json-slash': (v) => json(v).replace(/\//g, '\\/'),
  'json-u002f': (v) => json(v).replace(/\//g, '\\u002f'),
  'base64-0': (v) => base64(v, 0, 'base64'),
  'base64-1': (v) => base64(v, 1, 'base64'),
  'base64-2': (v) => base64(v, 2, 'base64'),
  'base64url-0': (v) => base64(v, 0, 'base64url'),
  'base64url-1': (v) => base64(v, 1, 'base64url'),
  'base64url-2': (v) => base64(v, 2, 'base64url'),
  // Wrapped over two lines, the second indented, as a tool that wraps long lines prints it.
  wrap: (v) => `${v.slice(0, v.length >> 1)}\n    ${v.slice(v.length >> 1)}`,
};

/**
 * @param {string} value
 * @param {string | undefined} form
 */
function inForm(value, form) {
  if (form === undefined) return value;
  const encode = FORMS[form];
  if (!encode) throw new Error(`stand-in Atlas provider: unknown placeholder form "${form}" (known: ${Object.keys(FORMS).join(', ')})`);
  return encode(value);
}
