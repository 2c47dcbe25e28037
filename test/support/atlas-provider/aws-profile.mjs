// Atlas resolves AWS credentials through the profile named in atlas.hcl with the Go SDK,
// which fails when the profile is in neither shared file. The stand-in reproduces only that
// check (it never talks to AWS): the profile comes from the resource's `variables` JSON.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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

function profileOf(/** @type {string | null} */ variablesJson) {
  if (!variablesJson) return '';
  try {
    const vars = JSON.parse(variablesJson);
    return typeof vars?.aws_profile === 'string' ? vars.aws_profile : '';
  } catch {
    return '';
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
