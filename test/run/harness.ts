import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { vi } from 'vitest';
import type { AwsSession } from '../../src/aws/index.js';
import type { StaticCredentials } from '../../src/aws/profile-files.js';
import { createGitHub } from '../../src/github/index.js';
import type { ActionIO } from '../../src/publish/index.js';
import type { OpenFacts } from '../../src/roots/index.js';
import { run } from '../../src/run/index.js';
import type { EventContext } from '../../src/event/index.js';
import type { RunDeps } from '../../src/run/deps.js';
import { inputEnv, seedWorkspace } from '../support/action.js';
import type { Payload } from '../support/events.js';
import type { GitHubApi } from '../support/github-api.js';
import { FakeTerraform, type Script } from './fake-terraform.js';

// run() in this process, through fakes for every side effect: Terraform answers from recorded
// streams, GitHub is the loopback API of test/support (a real HTTP server), AWS hands out an
// empty session, and the action's I/O is recorded. What a user would see is returned: outputs,
// job summary, the failure message, the job log (stdout, as the runner reads it).

export interface InProcessRun {
  outputs: Record<string, string>;
  summary: string;
  /** The setFailed message; undefined when the step succeeded. */
  failed?: string;
  log: string;
  terraform: string[];
}

export interface RunOptions {
  api: GitHubApi;
  eventName: string;
  payload: Payload;
  sha: string;
  ref?: string;
  script: Script;
  inputs?: Record<string, string>;
  atlasVersion?: () => Promise<string>;
  /** The live facts' database; by default every login is refused. */
  openFacts?: OpenFacts;
  /** The credentials the AWS session hands out (RDS IAM tokens are signed with them); none by default. */
  credentials?: StaticCredentials;
  /** Called when the run asks for its AWS session, before the session is handed out. */
  onOpenAws?: () => Promise<void>;
  /** Called when the run closes its AWS session. */
  onCloseAws?: () => void;
}

/** The inputs of the e2e stack that matter here; the AWS ones only pass input validation. */
export function baseInputs(api: GitHubApi): Record<string, string> {
  return {
    'aws-region': 'us-east-1',
    'role-to-assume': 'arn:aws:iam::123456789012:role/db-plan',
    'apply-role-to-assume': 'arn:aws:iam::123456789012:role/db-apply',
    'roles-working-directory': 'terraform/roles',
    'schema-working-directory': 'terraform/schema',
    mode: 'auto',
    'github-token': api.actionsToken,
    comment: 'true',
    'db-user': 'atlas_migrator',
  };
}

function session(credentials: StaticCredentials | undefined, onClose?: () => void): AwsSession {
  return {
    env: () => ({}),
    roleArn: '',
    credentials: () => credentials,
    refreshIfExpiring: () => Promise.resolve(false),
    close: () => {
      onClose?.();
      return Promise.resolve();
    },
  };
}

/** Runs the action in-process once and returns what a user would observe. */
export async function runInProcess(o: RunOptions): Promise<InProcessRun> {
  const seed = await seedWorkspace();
  const runnerTemp = await mkdtemp(path.join(os.tmpdir(), 'run-test-temp-'));
  const env = {
    ...inputEnv({ ...baseInputs(o.api), ...o.inputs }),
    GITHUB_WORKSPACE: seed.dir,
    RUNNER_TEMP: runnerTemp,
    CI: 'false',
    GITHUB_ACTIONS: 'false',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const outputs: Record<string, string> = {};
  const summary: string[] = [];
  let failed: string | undefined;
  const io: ActionIO = {
    setOutput: (name, value) => void (outputs[name] = value),
    appendSummary: (markdown) => {
      summary.push(markdown);
      return Promise.resolve(true);
    },
    setFailed: (message) => void (failed = message),
    isDebug: () => false,
  };
  const terraform = new FakeTerraform(o.script);
  const deps: RunDeps = {
    terraform,
    github: (token) => createGitHub(token, { baseUrl: o.api.url }),
    io,
    event: () => event(o),
    openAws: async () => {
      await o.onOpenAws?.();
      return session(o.credentials, o.onCloseAws);
    },
    atlasVersion: o.atlasVersion ?? (() => Promise.resolve('atlas version v0.38.1')),
    openFacts: o.openFacts ?? (() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))),
  };
  const stdout: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  try {
    await run(deps);
  } finally {
    write.mockRestore();
    vi.unstubAllEnvs();
    await seed.cleanup();
    await rm(runnerTemp, { recursive: true, force: true });
  }
  return {
    outputs,
    summary: summary.join(''),
    ...(failed === undefined ? {} : { failed }),
    log: stdout.join(''),
    terraform: terraform.calls,
  };
}

function event(o: RunOptions): EventContext {
  return {
    eventName: o.eventName,
    payload: o.payload as unknown as EventContext['payload'],
    repo: { owner: o.api.owner, repo: o.api.repo },
    sha: o.sha,
    ref: o.ref ?? 'refs/heads/main',
    serverUrl: 'https://github.com',
    runId: 4242,
    runAttempt: 1,
  };
}
