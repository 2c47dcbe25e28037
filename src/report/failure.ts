import type { Inputs } from '../core/index.js';
import { holdSummary } from '../review/index.js';
import type { Report } from '../roots/index.js';

// Whether the run failed, and the one message that says why (the job's error annotation), and
// what a drift check found. Pure; derived from the report, like the headline.

export type DriftStatus = 'drift' | 'clean' | 'unknown';

/** A drift check's result: SQL pending, none, or unknown when a root could not be checked. */
export function driftStatus(report: Report): DriftStatus {
  if (report.roots.some((r) => r.plannedStatements.length > 0 || r.destroys.length > 0)) return 'drift';
  if (report.fatal || report.roots.length === 0 || report.roots.some((r) => r.outcome === 'failed')) return 'unknown';
  return 'clean';
}

/** Why the run failed, as one message (the job's error annotation); undefined when it did not. */
export function failureMessage(report: Report, inputs: Pick<Inputs, 'failOnDrift'>): string | undefined {
  if (report.fatal) return report.fatal;
  const problems = report.roots.flatMap((r) => {
    switch (r.outcome) {
      case 'failed':
        return [`${r.root}: ${r.failedStep ?? 'run'} failed: ${r.error ?? 'unknown error'}`];
      case 'not-converged':
        return [`${r.root}: did not converge, ${r.residualStatements.length} statement(s) still planned after apply`];
      case 'held':
        return [
          `${r.root}: held back by the gate (${r.gate?.decision === 'hold' ? r.gate.reasons.map(holdSummary).join('; ') : 'hold'}); nothing of it or of the roots after it was applied`,
        ];
      default:
        return r.appliedDiffers ? [`${r.root}: Atlas applied SQL that differs from the plan the gate approved`] : [];
    }
  });
  if (problems.length > 0) return problems.join('; ');
  if (inputs.failOnDrift && report.context.drift && driftStatus(report) === 'drift') {
    return 'The database drifted from the HCL of the default branch (fail-on-drift is true); see the drift issue or the job summary for the SQL that would reconcile it.';
  }
  return undefined;
}
