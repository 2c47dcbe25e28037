import * as core from '@actions/core';
import * as github from '@actions/github';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createsRole } from './atlas/plan.js';
import { openAwsSession, type AwsSession } from './aws/credentials.js';
import { preflightIamAuth } from './aws/preflight.js';
import { detectRolesChange } from './changes.js';
import { buildRunPlan, type EventContext } from './event.js';
import { createGitHub, type GitHub } from './github/client.js';
import { commentMarker, upsertComment } from './github/comments.js';
import { pullsForCommit } from './github/pulls.js';
import { getInputs, workspaceDir } from './inputs.js';
import { errorMessage, log } from './log.js';
import { rolesRootRuns, runRoots, type PipelineContext, type PreflightOutcome } from './pipeline.js';
import { redact } from './redact.js';
import { COMMENT_MAX_LENGTH, renderComment } from './report/markdown.js';
import { OUTPUT, setOutputs } from './report/outputs.js';
import { writeSummary } from './report/summary.js';
import { resolveTerraformBinary, stopTerraform } from './terraform/cli.js';
import type { Inputs, Report, RolesChange, RunPlan } from './types.js';

export interface RunDeps {
  /** The GitHub event as the runner describes it; defaults to @actions/github's context. */
  eventContext(): EventContext;
}

const defaultDeps: RunDeps = {
  eventContext: () => ({
    eventName: github.context.eventName,
    payload: github.context.payload,
    repo: github.context.repo,
    sha: github.context.sha,
    ref: github.context.ref,
    serverUrl: github.context.serverUrl,
    runId: github.context.runId,
  }),
};

/** The whole action. Never throws: every failure ends in core.setFailed. */
export async function run(deps: RunDeps = defaultDeps): Promise<void> {
  let inputs: Inputs;
  let plan: RunPlan;
  try {
    // Bad input fails here, before any AWS, GitHub or Terraform call.
    inputs = getInputs();
    plan = buildRunPlan(inputs, deps.eventContext());
  } catch (err) {
    core.setFailed(errorMessage(err));
    return;
  }

  if (plan.fork) {
    log.notice(
      'Pull request from a fork: GitHub gives it no OIDC token and a read-only token, so the action does not assume an AWS role, run Terraform or comment. Nothing was planned.',
    );
    core.setOutput(OUTPUT.mode, 'plan');
    return;
  }

  const report: Report = { plan, rolesChange: unknownRolesChange(), roots: [], notices: [] };
  const stopOnCancel = onCancel(report);
  let gh: GitHub | undefined;
  let session: AwsSession | undefined;
  let planDir: string | undefined;
  try {
    gh = createGitHub(inputs.githubToken);
    const client = gh;
    // The runtime is part of what decided the run (action.yml declares node24); tests assert it.
    log.info(`rds-atlas-action on Node ${process.version}`);
    log.info(`Mode: ${plan.mode}. ${plan.modeReason}`);
    const detected = await log.group('Detect roles changes', () => detectRolesChange(client, plan, inputs.rolesPaths));
    const rolesRun = rolesRootRuns(plan.mode, inputs, detected);
    report.rolesChange =
      rolesRun && !detected.changed
        ? { ...detected, reason: `${detected.reason}; it runs anyway because roles-on-apply is always` }
        : detected;
    log.info(`Roles root: ${rolesRun ? 'runs' : 'skipped'}. ${report.rolesChange.reason}`);

    const terraformBinary = await resolveTerraformBinary();
    session = await log.group('AWS credentials', () => openAwsSession(inputs, plan.mode));
    planDir = await mkdtemp(path.join(process.env['RUNNER_TEMP'] || os.tmpdir(), 'rds-atlas-plan-'));

    const activeSession = session;
    const ctx: PipelineContext = {
      mode: plan.mode,
      inputs,
      workspace: workspaceDir(),
      terraformBinary,
      planDir,
      childEnv: async () => {
        await activeSession.refreshIfExpiring();
        return activeSession.env();
      },
      ...(inputs.dbEndpoint
        ? { beforeSchemaPlan: (rolesStatements: string[]) => preflight(inputs, activeSession, rolesStatements, report) }
        : {}),
    };
    report.roots = await runRoots(
      ctx,
      { root: 'roles', workingDirectory: inputs.rolesWorkingDirectory },
      { root: 'schema', workingDirectory: inputs.schemaWorkingDirectory },
      report.rolesChange,
    );
  } catch (err) {
    // Reported once, by setFailed in publish(), after the comment and summary are written.
    report.fatal = errorMessage(err);
  } finally {
    await session?.close().catch((err: unknown) => log.warning(`Could not remove temporary AWS profile files: ${errorMessage(err)}`));
    if (planDir) await rm(planDir, { recursive: true, force: true }).catch(() => undefined);
  }

  try {
    await publish(inputs, report, gh);
  } finally {
    stopOnCancel();
  }
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
    stopTerraform();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Summary, comment, outputs, and the final verdict. */
async function publish(inputs: Inputs, report: Report, gh: GitHub | undefined): Promise<void> {
  const marker = commentMarker(inputs.rolesWorkingDirectory, inputs.schemaWorkingDirectory);
  const commitUrl = `${process.env['GITHUB_SERVER_URL'] || 'https://github.com'}/${report.plan.repo.owner}/${report.plan.repo.repo}/commit/${report.plan.sha}`;
  let commentUrl = '';
  if (inputs.comment && gh) {
    commentUrl = await postComments(gh, report, marker, commitUrl);
  }
  await writeSummary(report, { marker, commitUrl });
  setOutputs(report, { commentUrl });

  const failure = verdict(report);
  if (failure) core.setFailed(redact(failure));
  else
    for (const root of report.roots)
      if (root.outcome === 'state-differs') log.warning(`${root.root}: database converged, Terraform state differs.`);
}

async function postComments(gh: GitHub, report: Report, marker: string, commitUrl: string): Promise<string> {
  const { plan } = report;
  try {
    let numbers = plan.pullNumbers;
    if (numbers.length === 0 && plan.eventName === 'push') {
      numbers = await pullsForCommit(gh, plan.repo, plan.sha);
      if (numbers.length === 0) log.info(`No pull request is associated with ${plan.sha.slice(0, 7)}: no comment to update.`);
    }
    const body = renderComment(report, { marker, maxLength: COMMENT_MAX_LENGTH, commitUrl });
    let url = '';
    for (const number of numbers) {
      const comment = await upsertComment(gh, plan.repo, number, marker, body);
      log.info(`${comment.created ? 'Posted' : 'Updated'} the plan comment on #${number}: ${comment.url}`);
      url ||= comment.url;
    }
    return url;
  } catch (err) {
    log.warning(
      `Could not post the pull request comment: ${errorMessage(err)}. The result is in the job summary. If the token lacks access, add "pull-requests: write" to the workflow's permissions.`,
    );
    return '';
  }
}

async function preflight(inputs: Inputs, session: AwsSession, rolesStatements: string[], report: Report): Promise<PreflightOutcome> {
  const createdInThisRun = createsRole(rolesStatements, inputs.dbUser);
  const result = await log.group('IAM authentication preflight', () =>
    preflightIamAuth({
      endpoint: inputs.dbEndpoint,
      database: inputs.dbName,
      user: inputs.dbUser,
      region: inputs.awsRegion,
      session,
      createdInThisRun,
    }),
  );
  if (result.status === 'skipped') {
    report.notices.push(result.message);
    log.notice(result.message);
  } else if (result.status === 'ok') {
    log.info(result.message);
  }
  return { ok: result.status !== 'failed', message: result.message, hints: result.hints };
}

/** The failure message, or undefined when the run succeeded. */
function verdict(report: Report): string | undefined {
  if (report.fatal) return report.fatal;
  const failed = report.roots.filter((r) => r.outcome === 'failed' || r.outcome === 'not-converged');
  if (failed.length === 0) return undefined;
  return failed
    .map((r) =>
      r.outcome === 'failed'
        ? `${r.root}: ${r.failedStep ?? 'run'} failed: ${r.error ?? 'unknown error'}`
        : `${r.root}: did not converge, ${r.residualStatements.length} statement(s) still planned after apply`,
    )
    .join('; ');
}

function unknownRolesChange(): RolesChange {
  return { changed: false, reason: 'Change detection did not run.', matchedFiles: [], failSafe: false };
}
