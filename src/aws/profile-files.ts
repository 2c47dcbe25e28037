import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INPUT, PROFILE_NAME } from '../inputs/index.js';

// Atlas (Go SDK) resolves credentials through the profile named in atlas.hcl and does not fall
// back to AWS_ACCESS_KEY_ID, so the credentials also go into a shared config/credentials pair
// that only our child processes are pointed at (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE).

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface ProfileFiles {
  dir: string;
  configFile: string;
  credentialsFile: string;
}

/** The two files' text. Pure. */
export function renderProfileFiles(profile: string, region: string, creds: StaticCredentials): { config: string; credentials: string } {
  // inputs.ts validates with the same rule; this guards the file format itself.
  if (!PROFILE_NAME.test(profile)) {
    throw new Error(`Input "${INPUT.awsProfile}" must be a profile name without spaces, brackets, "#", ";" or "="; got "${profile}"`);
  }
  // In the config file every profile but "default" is written "[profile NAME]"; in the
  // credentials file it is always "[NAME]".
  const configHeader = profile === 'default' ? '[default]' : `[profile ${profile}]`;
  const config = `${configHeader}\nregion = ${region}\n`;
  const lines = [`[${profile}]`, `aws_access_key_id = ${creds.accessKeyId}`, `aws_secret_access_key = ${creds.secretAccessKey}`];
  if (creds.sessionToken) lines.push(`aws_session_token = ${creds.sessionToken}`);
  return { config, credentials: `${lines.join('\n')}\n` };
}

/** A fresh private directory under RUNNER_TEMP (the runner empties it after the job). */
export async function makeProfileDir(env: NodeJS.ProcessEnv = process.env): Promise<ProfileFiles> {
  const base = env['RUNNER_TEMP'] || tmpdir();
  const dir = await mkdtemp(join(base, 'rds-atlas-aws-'));
  return { dir, configFile: join(dir, 'config'), credentialsFile: join(dir, 'credentials') };
}

/**
 * Writes both files with mode 0600. Each is written beside its target and renamed over it, so
 * a refresh never leaves a child process reading half a file.
 */
export async function writeProfileFiles(files: ProfileFiles, profile: string, region: string, creds: StaticCredentials): Promise<void> {
  const text = renderProfileFiles(profile, region, creds);
  await writePrivate(files.configFile, text.config);
  await writePrivate(files.credentialsFile, text.credentials);
}

async function writePrivate(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600, flag: 'w' });
  await rename(tmp, path);
}

export async function removeProfileFiles(files: ProfileFiles): Promise<void> {
  await rm(files.dir, { recursive: true, force: true });
}
