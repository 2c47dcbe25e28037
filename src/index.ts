import * as core from '@actions/core';
import { errorMessage, log, errorStack } from './core/index.js';
import { run } from './run/index.js';

// The only side effect of loading the bundle: run the action. run() reports every failure
// itself; these handlers are the last resort for anything that escapes it, because Node would
// print an uncaught error raw to stderr, and the runner reads workflow commands on stderr too.
const fail = (err: unknown): void => {
  if (core.isDebug()) log.debug(`Stack: ${errorStack(err)}`);
  core.setFailed(`Unexpected error: ${errorMessage(err)}`);
  process.exit(1);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

await run();
// A GitHub API that never answered leaves sockets open; the report is written, so end here.
process.exit(process.exitCode ?? 0);
