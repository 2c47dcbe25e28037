// Where the stand-in Atlas CLI (a TEST DOUBLE, not Atlas; see README.md) keeps its login, and
// how the stand-in provider asks whether there is one. The real CLI keeps its Atlas Cloud
// login under ~/.atlas as well; the file format here is the double's own. Only a SHA-256 of
// the token is written, so no token ever lands in a file.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$HOME/.atlas/standin-login.json` for the HOME in env (Go's os.UserHomeDir reads $HOME). */
export function loginFile(/** @type {NodeJS.ProcessEnv} */ env = process.env) {
  return join(env.HOME || homedir(), '.atlas', 'standin-login.json');
}

/**
 * Records a login for the HOME in env.
 * @param {string} token
 * @param {NodeJS.ProcessEnv} env
 */
export function writeLogin(token, env = process.env) {
  const file = loginFile(env);
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const record = { tokenSha256: createHash('sha256').update(token).digest('hex'), loggedInAt: new Date().toISOString() };
  writeFileSync(file, JSON.stringify(record) + '\n', { mode: 0o600 });
}

/** Removes the login; true when there was one. */
export function removeLogin(/** @type {NodeJS.ProcessEnv} */ env = process.env) {
  const had = isLoggedIn(env);
  rmSync(loginFile(env), { force: true });
  return had;
}

/** Whether the HOME in env holds a login recorded by `atlas login`. */
export function isLoggedIn(/** @type {NodeJS.ProcessEnv} */ env = process.env) {
  try {
    const record = JSON.parse(readFileSync(loginFile(env), 'utf8'));
    return typeof record?.tokenSha256 === 'string' && record.tokenSha256.length === 64;
  } catch {
    return false;
  }
}
