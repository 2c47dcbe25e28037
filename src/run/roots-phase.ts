import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyStatements, loadClassifier } from '../atlas/index.js';
import { preflightIamAuth, roleAccount, type AwsSession } from '../aws/index.js';
import { log, settle, type Inputs, type ReviewContext, type RunContext } from '../core/index.js';
import {
  accessPhase,
  impactPhase,
  runRoots,
  startAccessFacts,
  type AccessFacts,
  type AccessOutcome,
  type ImpactHook,
  type PipelineContext,
  type PipelineResult,
  type PreflightOutcome,
  type RolesDecision,
} from '../roots/index.js';
import type { RunDeps } from './deps.js';

// The phase with credentials (the AWS session, opened and closed by the caller): a directory for
// plan files, both roots with the impact facts beside them, then (plan runs) the access changes
// from the live catalog read beside Terraform; the directory is gone when it returns, whatever
// happened.

/** What the roots phase needs from the phases before it. */
export interface RootsPhaseInput {
  inputs: Inputs;
  context: RunContext;
  /** The mode's AWS credentials, for Terraform and the read-only database session. */
  session: AwsSession;
  workspace: string;
  terraformBinary: string;
  decision: RolesDecision;
  /** Apply mode: the review lookup, awaited at the gate. */
  review?: () => Promise<ReviewContext>;
  /** Called once Terraform's first command is running: what the report alone needs starts here. */
  besideTerraform?: () => void;
}

/** What the roots phase found: the roots' results (with their impact), notices, and the access changes. */
export interface RootsPhaseResult extends PipelineResult {
  access?: AccessOutcome;
}

/** Runs both roots and the live facts beside them, and removes the plan files. */
export async function rootsPhase(deps: RunDeps, input: RootsPhaseInput): Promise<RootsPhaseResult> {
  const { inputs, context, session } = input;
  let planDir: string | undefined;
  try {
    planDir = await mkdtemp(path.join(process.env['RUNNER_TEMP'] || os.tmpdir(), 'rds-atlas-plan-'));
    // Started once the inits are spawned: plan runs read the live access catalog (awaited once
    // the roots are done), and the caller's GitHub reads for the report begin.
    let accessFacts: AccessFacts | undefined;
    const impact = impactPhase({ inputs, session, openFacts: deps.openFacts, mode: context.mode });
    const besideInits = (): void => {
      if (context.mode === 'plan') accessFacts = startAccessFacts(inputs, session, deps.openFacts);
      input.besideTerraform?.();
    };
    const result = await runRoots(
      pipelineContext(deps, input, session, planDir, impact, besideInits),
      { root: 'roles', workingDirectory: inputs.rolesWorkingDirectory },
      { root: 'schema', workingDirectory: inputs.schemaWorkingDirectory },
      input.decision,
    );
    const roots = await impact.collect(result.roots);
    if (context.mode !== 'plan') return { ...result, roots };
    const access = await log.group('Access changes', () => accessPhase(accessFacts, roots, inputs));
    return { ...result, roots, ...(access ? { access } : {}) };
  } finally {
    if (planDir) await rm(planDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function pipelineContext(
  deps: RunDeps,
  input: RootsPhaseInput,
  session: AwsSession,
  planDir: string,
  impact: ImpactHook,
  besideInits: () => void,
): PipelineContext {
  const { inputs, context } = input;
  const account = roleAccount(context.mode === 'apply' ? inputs.applyRoleToAssume : inputs.roleToAssume);
  // The SQL parser loads beside `terraform init` rather than after the first plan (see loadClassifier).
  let classifier: Promise<unknown> | undefined;
  const loadParser = (): Promise<unknown> => (classifier ??= settle(loadClassifier()));
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
      await loadParser();
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
    impact,
    initsStarted: () => {
      void loadParser();
      besideInits();
    },
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
