import type { AwsSession } from '../aws/index.js';
import { buildRunContext } from '../event/index.js';
import {
  errorMessage,
  log,
  outcome,
  redact,
  registerSecret,
  errorStack,
  settle,
  type Settled,
  type Inputs,
  type ReviewContext,
  type RunContext,
} from '../core/index.js';
import { commentMarker, type GitHub } from '../github/index.js';
import { getInputs, workspaceDir } from '../inputs/index.js';
import { lintProject, validateRuleIds, type LintFinding } from '../lint/index.js';
import { listOursEarly, publish, OUTPUT } from '../publish/index.js';
import { failureMessage } from '../report/index.js';
import type { Report } from '../roots/index.js';
import { watchCancel } from './cancel.js';
import { realDeps, type RunDeps } from './deps.js';
import { askGitHub, reviewOnce, tokenIdentityOnce } from './github-answers.js';
import { assembleReport, rolesDecision, type PhaseResults } from './report.js';
import { rootsPhase } from './roots-phase.js';

// The whole action, in order: inputs and event (no I/O), the HCL guardrails (no AWS; the Atlas
// CLI and GitHub's list of what changed answer meanwhile), AWS (beside GitHub's answer, when it
// is still on its way), the roots (on a merge, what was reviewed is looked up once Terraform
// runs), then the report. Each phase returns what it found; the report is assembled once from
// those values. Every failure becomes part of the report; nothing escapes run().

/** Runs the action through `deps` (the real side effects unless a test passes fakes); reports every failure itself. */
export async function run(deps: RunDeps = realDeps()): Promise<void> {
  // ariga/setup-atlas with cloud-token exports the Atlas Cloud token to every later step.
  // Terraform keeps it (the Atlas CLI logs in with it), and it is masked before anything prints.
  registerSecret(process.env['ATLAS_TOKEN']);
  const prepared = prepare(deps);
  if (!prepared) return;
  const { inputs, context } = prepared;

  // The runtime is part of what decided the run (action.yml declares node24); tests assert it.
  log.info(`rds-atlas-action on Node ${process.version}`);
  if (context.fork) {
    log.notice(
      'Pull request from a fork: GitHub gives it no OIDC token and a read-only token, so the action does not assume an AWS role, run Terraform or comment. Nothing was planned. The database was not read either (no access changes, no impact).',
    );
    deps.io.setOutput(OUTPUT.mode, 'plan');
    return;
  }

  const marker = commentMarker(inputs.environment, inputs.rolesWorkingDirectory, inputs.schemaWorkingDirectory);
  const cancel = watchCancel();
  try {
    const connected = connect(deps, inputs);
    const { gh } = connected;
    const tokenIdentity = gh ? tokenIdentityOnce(gh) : () => Promise.reject(new Error('no GitHub client'));
    // Our comments are listed once Terraform runs, or at the latest now (see listOursEarly).
    let listed: ReturnType<typeof listOursEarly> | undefined;
    const listEarly = (prs: readonly number[]): void => {
      if (gh && inputs.comment && !listed && prs.length > 0) listed = listOursEarly(gh, context.repo, prs, marker, tokenIdentity);
    };
    const facts = gh ? await execute(deps, { inputs, context, gh, tokenIdentity, marker, listEarly }) : { fatal: connected.fatal };
    // A merge found its pull requests in the review lookup (publish comments on the same ones).
    listEarly(context.pullNumbers.length > 0 ? context.pullNumbers : (facts.review?.pullNumbers ?? []));
    const report = assembleReport(inputs, context, facts, cancel.signal());
    await publish({ io: deps.io, inputs, report, gh, tokenIdentity, marker, ...(listed ? { listed } : {}) });
    conclude(deps, report, inputs);
  } finally {
    cancel.dispose();
  }
}

/** The GitHub client; a client that cannot be built is the run's failure. */
function connect(deps: RunDeps, inputs: Inputs): { gh: GitHub; fatal?: undefined } | { gh?: undefined; fatal: string } {
  try {
    return { gh: deps.github(inputs.githubToken) };
  } catch (err) {
    return { fatal: errorMessage(err) };
  }
}

/** Inputs and the run's context; bad input fails the step here, before any AWS, GitHub or Terraform call. */
function prepare(deps: RunDeps): { inputs: Inputs; context: RunContext } | undefined {
  try {
    const inputs = getInputs();
    const unknownRules = validateRuleIds(inputs.lintSkip);
    if (unknownRules.length > 0) {
      throw new Error(
        `Input "lint-skip" names unknown rule ids: ${unknownRules.map((id) => JSON.stringify(id)).join(', ')}. rds-atlas-action's docs/guardrails.md lists the rule ids.`,
      );
    }
    return { inputs, context: buildRunContext(inputs, deps.event()) };
  } catch (err) {
    deps.io.setFailed(errorMessage(err));
    return undefined;
  }
}

/** The exit status: failed with the run's one failure message, or a warning per root whose state differs. */
function conclude(deps: RunDeps, report: Report, inputs: Inputs): void {
  const failure = failureMessage(report, inputs);
  if (failure) deps.io.setFailed(redact(failure));
  else
    for (const root of report.roots)
      if (root.outcome === 'state-differs') log.warning(`${root.root}: database converged, Terraform state differs.`);
}

/** What execute() works with besides the side effects. */
interface Execution {
  inputs: Inputs;
  context: RunContext;
  gh: GitHub;
  tokenIdentity: () => Promise<string>;
  marker: string;
  /** Starts listing our comments on these pull requests (once; see listOursEarly). */
  listEarly(prs: readonly number[]): void;
}

/**
 * The phases up to the roots, each returning its values. A phase that throws ends the run
 * there: the facts so far and the failure, reported once, by setFailed, after the summary,
 * outputs and comment are written.
 */
async function execute(deps: RunDeps, run: Execution): Promise<PhaseResults> {
  const { inputs, context, gh, tokenIdentity, marker } = run;
  let facts: PhaseResults = {};
  // Apply mode: the review lookup, awaited by the gate (and at the latest here, for the report).
  let reviewed: (() => Promise<ReviewContext>) | undefined;
  // Opened once the guardrails pass; closed (its profile files removed) whatever happens next.
  let aws: Promise<Settled<AwsSession>> | undefined;
  const withReview = async (f: PhaseResults): Promise<PhaseResults> => (reviewed ? { ...f, review: await reviewed() } : f);
  try {
    const workspace = workspaceDir();
    log.info(`Mode: ${context.mode}. ${context.modeReason}`);
    // `atlas version` (a child process) and GitHub (what changed) answer while the guardrails
    // run; a guardrail error is still the one reported, and still stops the run before any AWS
    // call.
    const atlas = settle(deps.atlasVersion(workspace));
    const answers = settle(askGitHub(inputs, context, gh, tokenIdentity, marker));
    const lint = await guardrails(inputs, workspace, context);
    facts = { ...facts, lint };
    const lintErrors = lint.filter((f) => f.severity === 'error').length;
    if (lintErrors > 0) {
      throw new Error(
        `The HCL guardrails found ${lintErrors} error${lintErrors === 1 ? '' : 's'} (see "Checks"); nothing was planned and no AWS credentials were requested. Fix them, or switch a rule off with the lint-skip input.`,
      );
    }
    facts = { ...facts, atlasVersion: await outcome(atlas) };
    log.info(`Atlas CLI ${facts.atlasVersion}`);
    const terraformBinary = await deps.terraform.resolveBinary();
    // AWS credentials beside GitHub's answers: neither needs the other, and both are requests.
    aws = settle(log.group('AWS credentials', () => deps.openAws(inputs, context.mode)));
    const { rolesChange, changesLog, review } = await outcome(answers);
    const opened = await aws;
    changesLog.flush('Detect roles changes');
    const roles = rolesDecision(inputs, context, rolesChange);
    facts = { ...facts, rolesChange: roles.rolesChange };
    reviewed = review ? reviewOnce(review) : undefined;
    log.info(`Roles root: ${roles.decision.runs ? 'runs' : 'skipped'}. ${roles.rolesChange.reason}`);
    if (!opened.ok) throw opened.error;
    // What only the gate and the report need from GitHub is asked once Terraform runs, not on its way.
    const besideTerraform = (): void => {
      if (inputs.comment || context.drift) void settle(tokenIdentity());
      const lookup = review?.();
      if (context.pullNumbers.length > 0) run.listEarly(context.pullNumbers);
      else void lookup?.then((r) => run.listEarly(r.pullNumbers ?? []));
    };
    const { roots, notices, access } = await rootsPhase(deps, {
      inputs,
      context,
      session: opened.value,
      workspace,
      terraformBinary,
      decision: roles.decision,
      besideTerraform,
      ...(reviewed ? { review: reviewed } : {}),
    });
    return withReview({ ...facts, roots, notices, ...(access ? { access } : {}) });
  } catch (err) {
    // For a bug report: where it happened, in src/ (only with step debug logging on).
    if (deps.io.isDebug()) log.debug(`Stack: ${errorStack(err)}`);
    return withReview({ ...facts, fatal: errorMessage(err) });
  } finally {
    const opened = await aws;
    if (opened?.ok) {
      await opened.value.close().catch((err: unknown) => log.warning(`Could not remove temporary AWS profile files: ${errorMessage(err)}`));
    }
  }
}

/** The HCL guardrails, each finding an annotation at its file and line. */
async function guardrails(inputs: Inputs, workspace: string, context: RunContext): Promise<LintFinding[]> {
  // The runner sets both; either means the checkout goes away with the job.
  const ci = process.env['CI'] === 'true' || process.env['GITHUB_ACTIONS'] === 'true';
  const findings = await log.group('HCL guardrails', () =>
    lintProject({
      run: { ci, mode: context.mode, drift: context.drift },
      workspace,
      rolesWorkingDirectory: inputs.rolesWorkingDirectory,
      schemaWorkingDirectory: inputs.schemaWorkingDirectory,
      dbUser: inputs.dbUser,
      masterUser: inputs.masterUser,
      skip: inputs.lintSkip,
    }),
  );
  for (const f of findings) {
    const properties = { file: f.file, startLine: f.line, title: `rds-atlas-action: ${f.rule}` };
    if (f.severity === 'error') log.error(`${f.message} (${f.rule})`, properties);
    else log.warning(`${f.message} (${f.rule})`, properties);
  }
  return findings;
}
