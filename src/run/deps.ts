import * as github from '@actions/github';
import { atlasVersion } from '../atlas/index.js';
import { openAwsSession, rdsIamClientConfig, type AwsSession } from '../aws/index.js';
import type { Inputs, Mode } from '../core/index.js';
import { openReadOnlySession } from '../database/index.js';
import type { EventContext } from '../event/index.js';
import { createGitHub, type GitHub } from '../github/index.js';
import { actionsIO, type ActionIO } from '../publish/index.js';
import type { OpenFacts } from '../roots/index.js';
import { terraformCli, type Terraform } from '../terraform/index.js';

// The side effects of a run, injected into run(): the action passes the real ones, the
// in-process tests (test/run/) fakes. Everything else run() does is computed from their answers.

/** The side effects run() works through. */
export interface RunDeps {
  /** Every Terraform command. */
  terraform: Terraform;
  /** Builds the GitHub client from the github-token input. */
  github(token: string): GitHub;
  /** Outputs, job summary and the failed status. */
  io: ActionIO;
  /** The event that triggered the workflow. */
  event(): EventContext;
  /** AWS credentials for the mode's role (OIDC and STS). */
  openAws(inputs: Inputs, mode: Mode): Promise<AwsSession>;
  /** `atlas version` of the Atlas CLI on the runner. */
  atlasVersion(cwd: string): Promise<string>;
  /** The read-only database session of the live facts (access catalog, impact), logged in with an IAM token. */
  openFacts: OpenFacts;
}

/** The real side effects: the terraform and atlas CLIs, GitHub's API, AWS STS, the database, the runner's files. */
export function realDeps(): RunDeps {
  return {
    terraform: terraformCli,
    github: (token) => createGitHub(token),
    io: actionsIO,
    event: () => ({
      eventName: github.context.eventName,
      payload: github.context.payload,
      repo: github.context.repo,
      sha: github.context.sha,
      ref: github.context.ref,
      serverUrl: github.context.serverUrl,
      runId: github.context.runId,
      runAttempt: github.context.runAttempt,
    }),
    openAws: (inputs, mode) => openAwsSession(inputs, mode),
    atlasVersion: (cwd) => atlasVersion(cwd),
    openFacts: async (login, options) => openReadOnlySession(await rdsIamClientConfig(login), options),
  };
}
