import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyStatements, loadClassifier } from '../atlas/index.js';
import { preflightIamAuth, roleAccount, type AwsSession } from '../aws/index.js';
import { errorMessage, log, settle, type Inputs, type ReviewContext, type RunContext } from '../core/index.js';
import { runRoots, type PipelineContext, type PipelineResult, type PreflightOutcome, type RolesDecision } from '../roots/index.js';
import type { RunDeps } from './deps.js';

// The phase with credentials: AWS session, a directory for plan files, both roots; the session
// and the directory are gone when it returns, whatever happened.

/** What the roots phase needs from the phases before it. */
export interface RootsPhaseInput {
  inputs: Inputs;
  context: RunContext;
  workspace: string;
  terraformBinary: string;
  decision: RolesDecision;
  review?: ReviewContext;
}

/** Opens the AWS session, runs both roots, and cleans up. */
export async function rootsPhase(deps: RunDeps, input: RootsPhaseInput): Promise<PipelineResult> {
  const { inputs, context } = input;
  let session: AwsSession | undefined;
  let planDir: string | undefined;
  try {
    session = await log.group('AWS credentials', () => deps.openAws(inputs, context.mode));
    planDir = await mkdtemp(path.join(process.env['RUNNER_TEMP'] || os.tmpdir(), 'rds-atlas-plan-'));
    return await runRoots(
      pipelineContext(deps, input, session, planDir),
      { root: 'roles', workingDirectory: inputs.rolesWorkingDirectory },
      { root: 'schema', workingDirectory: inputs.schemaWorkingDirectory },
      input.decision,
    );
  } finally {
    await session?.close().catch((err: unknown) => log.warning(`Could not remove temporary AWS profile files: ${errorMessage(err)}`));
    if (planDir) await rm(planDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function pipelineContext(deps: RunDeps, input: RootsPhaseInput, session: AwsSession, planDir: string): PipelineContext {
  const { inputs, context } = input;
  const account = roleAccount(context.mode === 'apply' ? inputs.applyRoleToAssume : inputs.roleToAssume);
  // The SQL parser loads beside `terraform init` rather than after the first plan (see loadClassifier).
  const classifier = settle(loadClassifier());
  return {
    mode: context.mode,
    inputs,
    workspace: input.workspace,
    terraform: deps.terraform,
    terraformBinary: input.terraformBinary,
    planDir,
    childEnv: async () => {
      await session.refreshIfExpiring();
      return session.env();
    },
    classify: async (statements) => {
      // A failed preload is reported by classifyStatements itself, which loads the parser again.
      await classifier;
      return classifyStatements(statements);
    },
    hintContext: {
      awsProfile: inputs.awsProfile,
      dbUser: inputs.dbUser,
      masterUser: inputs.masterUser,
      region: inputs.awsRegion,
      ...(account ? { account } : {}),
    },
    ...(inputs.dbEndpoint ? { preflight: (created: boolean) => preflight(inputs, session, created) } : {}),
    ...(input.review ? { review: input.review } : {}),
  };
}

async function preflight(inputs: Inputs, session: AwsSession, createdInThisRun: boolean): Promise<PreflightOutcome> {
  const result = await preflightIamAuth({
    endpoint: inputs.dbEndpoint,
    database: inputs.dbName,
    user: inputs.dbUser,
    region: inputs.awsRegion,
    session,
    createdInThisRun,
  });
  return {
    ok: result.status !== 'failed',
    message: result.message,
    hints: result.hints,
    ...(result.status === 'skipped' ? { notice: result.message } : {}),
  };
}
