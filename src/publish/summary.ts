import { SUMMARY_MAX_LENGTH } from '../github/index.js';
import { errorMessage, log } from '../core/index.js';
import type { Report } from '../roots/index.js';
import { renderSummary, type RenderOptions } from '../report/index.js';
import type { ActionIO } from './io.js';

// The job summary holds the full report (up to GitHub's 1 MiB). It is written before any
// network call that could hang (the comment), so a run always leaves its report behind.

/**
 * Appends the report to this step's job summary. Returns whether it was written. Never
 * throws: a missing summary must not turn a successful apply into a failed run.
 */
export async function writeSummary(io: ActionIO, report: Report, options: RenderOptions): Promise<boolean> {
  const body = renderSummary(report, { ...options, maxLength: SUMMARY_MAX_LENGTH });
  try {
    const written = await io.appendSummary(body);
    if (!written) log.debug('GITHUB_STEP_SUMMARY is not set (not running on a GitHub runner?); skipping the job summary.');
    return written;
  } catch (err) {
    log.warning(`Could not write the job summary: ${errorMessage(err)}. The report is still in the PR comment and the log.`);
    return false;
  }
}
