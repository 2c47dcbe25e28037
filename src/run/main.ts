import * as core from '@actions/core';
import * as github from '@actions/github';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyStatements, loadClassifier, atlasVersion } from '../atlas/index.js';
import { openAwsSession, preflightIamAuth, roleAccount, type AwsSession } from '../aws/index.js';
import { detectRolesChange, buildRunContext } from '../event/index.js';
import {
  stopAll,
  BufferedLog,
  errorMessage,
  log,
  redact,
  registerSecret,
  errorStack,
  type Inputs,
  type ReviewContext,
  type RolesChange,
  type RunContext,
} from '../core/index.js';
import { createGitHub, tokenIdentity, commentMarker, reviewContext, type GitHub } from '../github/index.js';
import { getInputs, workspaceDir } from '../inputs/index.js';
import { lintProject, validateRuleIds } from '../lint/index.js';
import {
  accessPhase,
  impactPhase,
  runRoots,
  startAccessFacts,
  type PipelineContext,
  type PreflightOutcome,
  type RolesDecision,
  type Report,
} from '../roots/index.js';
import { publish, withDeadline, OUTPUT } from '../publish/index.js';
import { verdict } from '../report/index.js';
import { resolveTerraformBinary } from '../terraform/index.js';

// The whole action, in order: inputs and event (no I/O), the HCL guardrails (no AWS; the Atlas
// CLI and GitHub — what changed, on a merge what was reviewed — answer meanwhile), AWS, the
// roots, then the report. Every failure becomes part of the report; nothing escapes run().

/** Bound for the GitHub calls a merge makes before applying (PR, reviewed plan, reviews, labels). */
const REVIEW_LOOKUP_TIMEOUT_MS = 45_000;

export async function run(): Promise<void> {
  // ariga/setup-atlas with cloud-token exports the Atlas Cloud token to every later step.
  // Terraform keeps it (the Atlas CLI logs in with it), and it is masked before anything prints.
  registerSecret(process.env['ATLAS_TOKEN']);
  let inputs: Inputs;
  let context: RunContext;
  try {
    // Bad input fails here, before any AWS, GitHub or Terraform call.
    inputs = getInputs();
    const unknownRules = validateRuleIds(inputs.lintSkip);
    if (unknownRules.length > 0) {
      throw new Error(
        `Input "lint-skip" names unknown rule ids: ${unknownRules.map((id) => JSON.stringify(id)).join(', ')}. rds-atlas-action's docs/guardrails.md lists the rule ids.`,
      );
    }
    context = buildRunContext(inputs, eventContext());
  } catch (err) {
    core.setFailed(errorMessage(err));
    return;
  }

  // The runtime is part of what decided the run (action.yml declares node24); tests assert it.
  log.info(`rds-atlas-action on Node ${process.version}`);
  if (context.fork) {
    log.notice(
      'Pull request from a fork: GitHub gives it no OIDC token and a read-only token, so the action does not assume an AWS role, run Terraform or comment. Nothing was planned. The database was not read either (no access changes, no impact).',
    );
    core.setOutput(OUTPUT.mode, 'plan');
    return;
  }

  const report: Report = {
    context,
    environment: inputs.environment,
    rolesChange: { changed: false, reason: 'Change detection did not run.', matchedFiles: [], failSafe: false },
    roots: [],
    atlasVersion: '',
    lint: [],
    history: [],
    notices: [],
  };
  const marker = commentMarker(inputs.environment, inputs.rolesWorkingDirectory, inputs.schemaWorkingDirectory);
  const stopOnCancel = onCancel(report);
  let gh: GitHub | undefined;
  let identity: Promise<string> | undefined;
  const whoAmI = (): Promise<string> => (identity ??= tokenIdentity(gh as GitHub));
  try {
    gh = createGitHub(inputs.githubToken);
    await execute(inputs, report, gh, whoAmI, marker);
  } catch (err) {
    // Reported once, by setFailed below, after the summary, outputs and comment are written.
    report.fatal = errorMessage(err);
    // For a bug report: where it happened, in src/ (only with step debug logging on).
    if (core.isDebug()) log.debug(`Stack: ${errorStack(err)}`);
  }

  try {
    await publish({ inputs, report, gh, identity: whoAmI, marker });
    const failure = verdict(report, inputs);
    if (failure) core.setFailed(redact(failure));
    else
      for (const root of report.roots)
        if (root.outcome === 'state-differs') log.warning(`${root.root}: database converged, Terraform state differs.`);
  } finally {
    stopOnCancel();
  }
}

async function execute(inputs: Inputs, report: Report, gh: GitHub, whoAmI: () => Promise<string>, marker: string): Promise<void> {
  const { context } = report;
  const workspace = workspaceDir();
  log.info(`Mode: ${context.mode}. ${context.modeReason}`);

  // `atlas version` (a child process) and GitHub (what changed; on a merge, what was reviewed)
  // answer while the guardrails run; a guardrail error is still the one reported, and still
  // stops the run before any AWS call.
  const atlas = atlasVersion(workspace);
  atlas.catch(() => undefined);
  const answers = askGitHub(inputs, context, gh, whoAmI, marker);
  answers.catch(() => undefined);
  report.lint = await log.group('HCL guardrails', () => lintProject({ ...lintOptions(inputs, workspace, context) }));
  for (const f of report.lint) {
    const properties = { file: f.file, startLine: f.line, title: `rds-atlas-action: ${f.rule}` };
    if (f.severity === 'error') log.error(`${f.message} (${f.rule})`, properties);
    else log.warning(`${f.message} (${f.rule})`, properties);
  }
  const lintErrors = report.lint.filter((f) => f.severity === 'error').length;
  if (lintErrors > 0) {
    throw new Error(
      `The HCL guardrails found ${lintErrors} error${lintErrors === 1 ? '' : 's'} (see "Checks"); nothing was planned and no AWS credentials were requested. Fix them, or switch a rule off with the lint-skip input.`,
    );
  }

  report.atlasVersion = await atlas;
  log.info(`Atlas CLI ${report.atlasVersion}`);
  const terraformBinary = await resolveTerraformBinary();

  const { rolesChange, changesLog, review } = await answers;
  changesLog.flush('Detect roles changes');
  report.rolesChange = rolesChange;
  const rolesRuns = report.rolesChange.changed || (context.mode === 'apply' && inputs.rolesOnApply === 'always');
  if (rolesRuns && !report.rolesChange.changed) {
    report.rolesChange = { ...report.rolesChange, reason: `${report.rolesChange.reason}; it runs anyway because roles-on-apply is always` };
  }
  const decision: RolesDecision = { runs: rolesRuns, skipReason: report.rolesChange.reason };
  log.info(`Roles root: ${rolesRuns ? 'runs' : 'skipped'}. ${report.rolesChange.reason}`);

  if (review) {
    report.review = review;
    log.info(
      review.reviewed
        ? `Reviewed plan: pull request #${review.pr ?? '?'} at ${review.reviewed.commit.slice(0, 7)}.`
        : `No reviewed plan: ${review.missing ?? 'unknown'}.`,
    );
  }

  let session: AwsSession | undefined;
  let planDir: string | undefined;
  try {
    session = await log.group('AWS credentials', () => openAwsSession(inputs, context.mode));
    planDir = await mkdtemp(path.join(process.env['RUNNER_TEMP'] || os.tmpdir(), 'rds-atlas-plan-'));
    const active = session;
    // Plan runs read the live access catalog beside Terraform; awaited once the roots are done.
    const accessFacts = context.mode === 'plan' ? startAccessFacts(inputs, active) : undefined;
    const role = context.mode === 'apply' ? inputs.applyRoleToAssume : inputs.roleToAssume;
    const account = roleAccount(role);
    const impact = impactPhase({ inputs, session: active });
    const ctx: PipelineContext = {
      impact,
      mode: context.mode,
      inputs,
      workspace,
      terraformBinary,
      planDir,
      childEnv: async () => {
        await active.refreshIfExpiring();
        return active.env();
      },
      classify: (statements) => classifyStatements(statements),
      hintContext: {
        awsProfile: inputs.awsProfile,
        dbUser: inputs.dbUser,
        masterUser: inputs.masterUser,
        region: inputs.awsRegion,
        ...(account ? { account } : {}),
      },
      ...(inputs.dbEndpoint ? { preflight: (created: boolean) => preflight(inputs, active, created) } : {}),
      ...(report.review ? { review: report.review } : {}),
    };
    // The SQL parser loads beside `terraform init` rather than after the first plan (see loadClassifier).
    loadClassifier().catch(() => undefined);
    const result = await runRoots(
      ctx,
      { root: 'roles', workingDirectory: inputs.rolesWorkingDirectory },
      { root: 'schema', workingDirectory: inputs.schemaWorkingDirectory },
      decision,
    );
    await impact.attach(result.roots);
    report.roots = result.roots;
    report.notices.push(...result.notices);
    const access =
      context.mode === 'plan' ? await log.group('Access changes', () => accessPhase(accessFacts, report.roots, inputs)) : undefined;
    if (access) report.access = access;
  } finally {
    await session?.close().catch((err: unknown) => log.warning(`Could not remove temporary AWS profile files: ${errorMessage(err)}`));
    if (planDir) await rm(planDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

interface GitHubAnswers {
  rolesChange: RolesChange;
  /** What the change detection logged, printed as its group once the guardrails have run. */
  changesLog: BufferedLog;
  /** Apply mode: the merged pull request's reviewed plan and labels. */
  review?: ReviewContext;
}

/** The GitHub lookups of a run, side by side; none of them throws. */
async function askGitHub(
  inputs: Inputs,
  context: RunContext,
  gh: GitHub,
  whoAmI: () => Promise<string>,
  marker: string,
): Promise<GitHubAnswers> {
  const changesLog = new BufferedLog();
  // Who the token is (the comment's and the author) is asked now, not at the end.
  if (inputs.comment || context.drift) whoAmI().catch(() => undefined);
  const review =
    context.mode === 'apply'
      ? withDeadline(
          whoAmI().then((identity) =>
            reviewContext(gh, context, marker, identity, { destructiveLabel: inputs.destructiveLabel, approvers: inputs.approvers }),
          ),
          REVIEW_LOOKUP_TIMEOUT_MS,
        ).catch((err: unknown): ReviewContext => {
          // Whether the push has a reviewed PR is unknown: held, never treated as "not reviewed".
          const why = `GitHub did not answer the look-up of the pull request and its plan comment (${errorMessage(err)})`;
          return { labels: [], missing: why, recordLost: why };
        })
      : undefined;
  const rolesChange = await detectRolesChange(gh, context, inputs.rolesPaths, changesLog);
  return { rolesChange, changesLog, ...(review ? { review: await review } : {}) };
}

function lintOptions(inputs: Inputs, workspace: string, context: RunContext): Parameters<typeof lintProject>[0] {
  // The runner sets both; either means the checkout goes away with the job.
  const ci = process.env['CI'] === 'true' || process.env['GITHUB_ACTIONS'] === 'true';
  return {
    run: { ci, mode: context.mode, drift: context.drift },
    workspace,
    rolesWorkingDirectory: inputs.rolesWorkingDirectory,
    schemaWorkingDirectory: inputs.schemaWorkingDirectory,
    dbUser: inputs.dbUser,
    masterUser: inputs.masterUser,
    skip: inputs.lintSkip,
  };
}

function eventContext(): Parameters<typeof buildRunContext>[1] {
  return {
    eventName: github.context.eventName,
    payload: github.context.payload,
    repo: github.context.repo,
    sha: github.context.sha,
    ref: github.context.ref,
    serverUrl: github.context.serverUrl,
    runId: github.context.runId,
    runAttempt: github.context.runAttempt,
  };
}

/**
 * A cancelled job gets SIGINT, then SIGTERM, then SIGKILL seconds later. Terraform is asked to
 * stop gracefully (state saved, lock released), no further step starts, and the comment and
 * summary still say what happened. Returns the function that removes the handlers.
 */
function onCancel(report: Report): () => void {
  let cancelled = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (!cancelled) {
      cancelled = true;
      const notice = `The run was cancelled (${signal}): Terraform was asked to stop gracefully, finishing the operation in flight and releasing the state lock; no further step was started.`;
      report.notices.push(notice);
      log.warning(notice);
    }
    stopAll();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
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
