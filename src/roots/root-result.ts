import type { Diagnostic, RootName, RootOutcome, RootStep } from '../core/index.js';
import type { RootResult } from './types.js';

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

/** Adds warnings not seen yet (the same warning arrives from every command of a root). */
export function mergeWarnings(result: RootResult, warnings: readonly Diagnostic[]): void {
  const key = (d: Diagnostic): string => `${d.summary}\u0000${d.detail}`;
  const seen = new Set(result.warnings.map(key));
  for (const w of warnings) {
    if (seen.has(key(w))) continue;
    seen.add(key(w));
    result.warnings.push(w);
  }
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
