import type { Diagnostic, RootName, RootOutcome, RootStep } from '../core/index.js';
import type { PlannedRoot, RootResult } from './types.js';

// RootResult values and the few pure transformations the pipeline applies to them.

export interface RootSpec {
  root: RootName;
  /** Relative to the workspace, as the user wrote it. */
  workingDirectory: string;
}

export function emptyResult(spec: RootSpec, outcome: RootOutcome, skipReason?: string): RootResult {
  return {
    root: spec.root,
    workingDirectory: spec.workingDirectory,
    outcome,
    ...(skipReason === undefined ? {} : { skipReason }),
    plannedStatements: [],
    classifications: [],
    destroys: [],
    terraformChanged: false,
    applied: false,
    appliedStatements: [],
    residualStatements: [],
    errors: [],
    warnings: [],
    hints: [],
    durationMs: 0,
  };
}

/**
 * Thrown inside a root to stop it at a step; carries what the report needs, including what
 * Atlas still reported before failing (its SQL and warnings), which the report keeps.
 */
export class StepFailure extends Error {
  constructor(
    readonly step: RootStep,
    message: string,
    readonly diagnostics: Diagnostic[] = [],
    readonly hints: string[] = [],
    readonly statements: string[] = [],
    readonly warnings: Diagnostic[] = [],
  ) {
    super(message);
  }
}

/** `warnings` followed by those of `more` not seen yet (the same warning arrives from every command of a root). */
export function mergedWarnings(warnings: readonly Diagnostic[], more: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic): string => `${d.summary}\u0000${d.detail}`;
  const seen = new Set(warnings.map(key));
  const out = [...warnings];
  for (const w of more) {
    if (seen.has(key(w))) continue;
    seen.add(key(w));
    out.push(w);
  }
  return out;
}

/** The result of a root stopped by `failure` at one of its steps. */
export function withFailure(result: RootResult, failure: StepFailure): RootResult {
  return {
    ...result,
    outcome: 'failed',
    failedStep: failure.step,
    error: failure.message,
    errors: failure.diagnostics,
    hints: [...new Set([...result.hints, ...failure.hints])],
    warnings: mergedWarnings(result.warnings, failure.warnings),
    // A failed plan still shows the SQL Atlas listed (e.g. beside "Unrecognized schema
    // resources"): the report keeps it, and a bootstrap is still recognised from it.
    plannedStatements: failure.step === 'plan' && result.plannedStatements.length === 0 ? failure.statements : result.plannedStatements,
  };
}

/** The result with what the plan step found. */
export function withPlan(result: RootResult, planned: PlannedRoot): RootResult {
  return {
    ...result,
    plannedStatements: planned.statements,
    classifications: planned.classifications,
    destroys: planned.destroys,
    terraformChanged: planned.terraformChanged,
    warnings: mergedWarnings(result.warnings, planned.warnings),
  };
}

/** True when this root's outcome stops the roots after it in apply mode. */
export function stopsLaterRoots(result: RootResult): boolean {
  return result.outcome === 'failed' || result.outcome === 'not-converged' || result.outcome === 'held';
}

/** The reason a later root was not started, from the first root that stopped the run. */
export function notRunReason(blocker: RootResult): string {
  switch (blocker.outcome) {
    case 'held':
      return `Not run: the ${blocker.root} root was held back by the gate, so the roots after it were not started.`;
    case 'not-converged':
      return `Not run: the ${blocker.root} root did not converge, so the roots after it were not started.`;
    default:
      return `Not run: the ${blocker.root} root failed during ${blocker.failedStep ?? 'its run'}, so the roots after it were not started.`;
  }
}

export function describePlan(statements: number, terraformChanged: boolean): string {
  if (statements > 0) return `${statements} SQL statement${statements === 1 ? '' : 's'} planned`;
  return terraformChanged ? 'no SQL, but Terraform reports a change' : 'no changes';
}
