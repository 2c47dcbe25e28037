import type { Inputs, ReviewContext, RolesChange, RunContext } from '../core/index.js';
import type { LintFinding } from '../lint/index.js';
import type { AccessOutcome, Report, RolesDecision, RootResult } from '../roots/index.js';
import { cancelNotice } from './cancel.js';

// The Report, assembled once from what the phases returned.

/** What the phases of a run produced; a phase that did not run left its field out. */
export interface PhaseResults {
  lint?: LintFinding[];
  atlasVersion?: string;
  rolesChange?: RolesChange;
  review?: ReviewContext;
  roots?: RootResult[];
  notices?: string[];
  /** Plan runs with planned SQL: who gains and who loses access. */
  access?: AccessOutcome;
  /** The failure that stopped the run outside any root, redacted by the writers. */
  fatal?: string;
}

/** The report of a run, from its inputs, context, what the phases returned, and a cancellation. */
export function assembleReport(inputs: Inputs, context: RunContext, facts: PhaseResults, cancelledBy: NodeJS.Signals | undefined): Report {
  return {
    context,
    environment: inputs.environment,
    rolesChange: facts.rolesChange ?? { changed: false, reason: 'Change detection did not run.', matchedFiles: [], failSafe: false },
    roots: facts.roots ?? [],
    atlasVersion: facts.atlasVersion ?? '',
    lint: facts.lint ?? [],
    history: [],
    notices: [...(cancelledBy ? [cancelNotice(cancelledBy)] : []), ...(facts.notices ?? [])],
    ...(facts.review ? { review: facts.review } : {}),
    ...(facts.access ? { access: facts.access } : {}),
    ...(facts.fatal !== undefined ? { fatal: facts.fatal } : {}),
  };
}

/**
 * Whether the roles root runs: when its files changed, or on every apply with
 * roles-on-apply: always (the reason then says so).
 */
export function rolesDecision(
  inputs: Inputs,
  context: RunContext,
  detected: RolesChange,
): { rolesChange: RolesChange; decision: RolesDecision } {
  const runs = detected.changed || (context.mode === 'apply' && inputs.rolesOnApply === 'always');
  const rolesChange =
    runs && !detected.changed ? { ...detected, reason: `${detected.reason}; it runs anyway because roles-on-apply is always` } : detected;
  return { rolesChange, decision: { runs, skipReason: rolesChange.reason } };
}
