// Atlas resolves AWS credentials through the profile named in atlas.hcl with the Go SDK: it
// fails when the profile is in neither shared file, and otherwise uses that profile's keys
// (never AWS_ACCESS_KEY_ID). The stand-in does the same with the JS SDK's ini provider,
// reading AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE afresh on every call. The profile
// comes from the resource's `variables` JSON.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * @typedef {{ accessKeyId: string, secretAccessKey: string, sessionToken?: string }} Credentials
 */

/**
 * The message Atlas fails with when the profile is missing, or null when it is found (or
 * no profile is asked for).
 * @param {string | null} variablesJson the resource's `variables` attribute
 * @param {NodeJS.ProcessEnv} env
 * @returns {string | null}
 */
export function missingProfileError(variablesJson, env = process.env) {
  const profile = profileOf(variablesJson);
  if (!profile) return null;
  const configFile = env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials');
  const configSection = profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`];
  if (sectionsOf(configFile).some((s) => configSection.includes(s))) return null;
  if (sectionsOf(credentialsFile).includes(profile)) return null;
  return `failed to get shared config profile, ${profile}`;
}

/**
 * The credentials of the profile (the resource's aws_profile; "default" when none is named),
 * resolved like the SDK does (static keys, source_profile, credential_process...). Files are
 * read afresh: the action rewrites them when it renews its session.
 * @param {string | null} variablesJson
 * @returns {Promise<Credentials>}
 */
export async function profileCredentials(variablesJson) {
  const profile = profileOf(variablesJson) || process.env.AWS_PROFILE || 'default';
  const { fromIni } = await import('@aws-sdk/credential-provider-ini');
  let creds;
  try {
    creds = await fromIni({ profile, ignoreCache: true })();
  } catch {
    // What the Go SDK says when a profile exists but holds no usable credentials.
    throw new Error(`failed to refresh cached credentials, no valid credential sources found for profile ${profile}`);
  }
  return {
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
  };
}

/** The profile the resource's variables name ('' when none). */
export function profileOf(/** @type {string | null} */ variablesJson) {
  const vars = variablesOf(variablesJson);
  return typeof vars.aws_profile === 'string' ? vars.aws_profile : '';
}

/**
 * The resource's `variables` attribute as an object ({} when unset or not JSON).
 * @param {string | null} variablesJson
 * @returns {Record<string, unknown>}
 */
export function variablesOf(variablesJson) {
  if (!variablesJson) return {};
  try {
    const vars = JSON.parse(variablesJson);
    return vars && typeof vars === 'object' ? vars : {};
  } catch {
    return {};
  }
}

/** Section names of an INI file; a missing file has none. */
function sectionsOf(/** @type {string} */ file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const names = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\[\s*([^\]]+?)\s*\]\s*$/.exec(line);
    if (m?.[1]) names.push(m[1].replace(/\s+/g, ' '));
  }
  return names;
}
