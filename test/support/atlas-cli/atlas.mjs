#!/usr/bin/env node
// Stand-in Atlas CLI — A TEST DOUBLE, NOT ATLAS. It lets the tests put an `atlas` on PATH the
// way ariga/setup-atlas does on a runner, so the stand-in provider can check for it
// (`atlas version`) and for a login (`atlas login --token`), like the real provider and CLI.
// It does no schema work: the stand-in provider does that itself. See README.md here.
import { isLoggedIn, removeLogin, writeLogin } from './login-state.mjs';
import { DEFAULT_VERSION, versionText } from './version.mjs';

/** The value of `--name VALUE` or `--name=VALUE`, or undefined. */
function flag(/** @type {string[]} */ args, /** @type {string} */ name) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === `--${name}`) return args[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

/** @returns {number} the exit code */
function main(/** @type {string[]} */ args) {
  const fail = (/** @type {string} */ msg) => {
    process.stderr.write(`Error: ${msg}\n`);
    return 1;
  };
  switch (args[0]) {
    case 'version':
      process.stdout.write(versionText(process.env.ATLAS_STANDIN_CLI_VERSION || DEFAULT_VERSION));
      return 0;
    case 'login': {
      const token = flag(args, 'token');
      if (!token) return fail('the stand-in atlas CLI (a test double) only logs in with --token TOKEN');
      writeLogin(token);
      process.stdout.write('stand-in atlas (a test double): logged in; the token was not verified\n');
      return 0;
    }
    case 'logout':
      process.stdout.write(
        removeLogin() ? 'stand-in atlas (a test double): logged out\n' : 'stand-in atlas (a test double): not logged in\n',
      );
      return 0;
    case 'whoami':
      if (!isLoggedIn()) return fail("command requires 'atlas login'");
      process.stdout.write('stand-in atlas (a test double): logged in\n');
      return 0;
    default:
      return fail(
        `the stand-in atlas CLI (a test double) does not implement "${args.join(' ')}"; ` +
          'the stand-in Terraform provider does the schema work itself',
      );
  }
}

process.exitCode = main(process.argv.slice(2));
